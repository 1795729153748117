package acs

import (
	"testing"

	"github.com/danbib/kiosk/sip2"
)

// FuzzProcess feeds arbitrary frames to the server's request handling (as
// a logged-in TCP session): it must never panic, and whatever it answers
// must decode as SIP2.
func FuzzProcess(f *testing.F) {
	d := "20261124    100000"
	for _, s := range []string{
		"9300CNkiosk|COkiosk|CPDK-799000|",
		"9900802.00",
		"23009" + d + "AODK-799000|AA0101700001|AC|AD1234|",
		"63009" + d + "YYYYYYYYY|AODK-799000|AA0505700005|AC|AD1234|BP1|BQ3|",
		"11NN" + d + d + "AODK-799000|AA0101710014|AB3800000846|AC|AD1234|",
		"09N" + d + d + "APDK-799000|AODK-799000|AB3800000769|AC|BIY|",
		"29NN" + d + d + "AODK-799000|AA0505700005|AD1234|AB3800000797|",
		"65" + d + "AODK-799000|AA0505700005|AD1234|",
		"17" + d + "AODK-799000|AB3800000720|",
		"01Y" + d + "AODK-799000|ALx|AA0909700009|",
		"97AZFEF5",
		withChecksum("35"+d+"AODK-799000|AA0101700001|", 7),
	} {
		f.Add([]byte(s))
	}
	s, err := DemoSeed()
	if err != nil {
		f.Fatal(err)
	}
	lib, err := New(s, nil)
	if err != nil {
		f.Fatal(err)
	}
	srv := NewServer(lib, DefaultOptions())
	sess := &session{loggedIn: true}
	f.Fuzz(func(t *testing.T, frame []byte) {
		out, _, _ := srv.process(sess, 1, frame, sip2.UTF8)
		if out == nil {
			return
		}
		if _, err := sip2.Decode(out, sip2.DecodeOptions{VerifyChecksum: true}); err != nil {
			t.Fatalf("answer to %q does not decode: %v\n%s", frame, err, out)
		}
	})
}
