package sound

import (
	"bytes"
	"errors"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/danbib/kiosk/kiosk"
)

func TestSamplesCountAndNoClipping(t *testing.T) {
	for c, notes := range Notes {
		var d time.Duration
		for _, n := range notes {
			d += n.Dur
		}
		for _, vol := range []float64{0, 0.5, 1, 7} {
			s := Samples(notes, SampleRate, vol)
			if want := int(d.Seconds() * SampleRate); len(s) != want {
				t.Errorf("%v at %v: %d samples, want %d (%v at %d Hz)", c, vol, len(s), want, d, SampleRate)
			}
			lim := math.Round(min(vol, 1) * peak)
			var top float64
			for _, v := range s {
				top = max(top, math.Abs(float64(v)))
			}
			if top > lim || top >= math.MaxInt16 {
				t.Errorf("%v at volume %v: peak %v above %v", c, vol, top, lim)
			}
			if vol >= 0.5 && top < 0.9*lim {
				t.Errorf("%v at volume %v: peak %v, want near %v", c, vol, top, lim)
			}
		}
	}
}

func TestNotesStartAndEndSilent(t *testing.T) {
	// Each note fades in and out: its first and last samples are 0, so
	// no click between notes or at the end.
	notes := []Note{{1000, 50 * time.Millisecond}, {500, 50 * time.Millisecond}}
	s := Samples(notes, SampleRate, 1)
	k := samplesOf(50*time.Millisecond, SampleRate)
	for _, i := range []int{0, k - 1, k, 2*k - 1} {
		if s[i] != 0 {
			t.Errorf("sample %d = %d, want 0 at a note's edge", i, s[i])
		}
	}
	// Within a note it is a tone at the volume: 1000 Hz at 48 kHz peaks
	// at sample 12 of each period.
	if v := s[k/2-k/2%48+12]; math.Abs(float64(v)-peak) > 1 {
		t.Errorf("mid-note peak %d, want %v", v, peak)
	}
}

// fakeOut records what is played.
type fakeOut struct {
	mu     sync.Mutex
	played [][]byte
}

type fakePlaying struct{ paused *bool }

func (f fakePlaying) Play()  {}
func (f fakePlaying) Pause() { *f.paused = true }

func (o *fakeOut) NewPlayer(r io.Reader) Playing {
	b, _ := io.ReadAll(r)
	o.mu.Lock()
	o.played = append(o.played, b)
	o.mu.Unlock()
	return fakePlaying{paused: new(bool)}
}

// waitOpen waits until the player's background open has finished.
func waitOpen(t *testing.T, p *Player, opened <-chan struct{}) {
	t.Helper()
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("the device was never opened")
	}
	// open stores the output after the opener returned.
	for range 1000 {
		p.mu.Lock()
		done := p.out != nil
		p.mu.Unlock()
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPlayerPlaysEachCue(t *testing.T) {
	out := &fakeOut{}
	opened := make(chan struct{})
	p := New(1, func(rate int) (Output, error) {
		defer close(opened)
		if rate != SampleRate {
			t.Errorf("opened at %d Hz", rate)
		}
		return out, nil
	}, nil)
	waitOpen(t, p, opened)
	for _, c := range []kiosk.Cue{kiosk.CueAccepted, kiosk.CueRefused, kiosk.CueEnding} {
		p.Play(c)
	}
	p.Play(kiosk.Cue(99)) // no such cue: nothing
	if len(out.played) != 3 {
		t.Fatalf("%d sounds played, want 3", len(out.played))
	}
	if want := pcm(Samples(Notes[kiosk.CueRefused], SampleRate, 1)); !bytes.Equal(out.played[1], want) {
		t.Errorf("refused played %d bytes, want the refused tune's %d", len(out.played[1]), len(want))
	}
	if bytes.Equal(out.played[0], out.played[1]) {
		t.Error("accepted and refused sound the same")
	}
}

func TestNoDeviceIsNotAnError(t *testing.T) {
	log, hook := test.NewNullLogger()
	opened := make(chan struct{})
	p := New(0.5, func(int) (Output, error) {
		defer close(opened)
		return nil, errors.New("sound: ALSA error at snd_pcm_open: no such device")
	}, log)
	<-opened
	// Cues go nowhere, without a panic or a log line each.
	var entries []*logrus.Entry
	for range 100 {
		entries = hook.AllEntries()
		if len(entries) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 5 {
		p.Play(kiosk.CueAccepted)
	}
	entries = hook.AllEntries()
	if len(entries) != 1 || entries[0].Level != logrus.WarnLevel {
		t.Fatalf("log %v, want one warning", entries)
	}
}

// TestOtoDevice opens the real ALSA device through oto: on a machine
// without one (the build machine) the player logs one warning and stays
// silent; on one with sound it opens. Either way Play never fails.
func TestOtoDevice(t *testing.T) {
	log, hook := test.NewNullLogger()
	p := New(0.1, OpenOto, log)
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.mu.Lock()
		open := p.out != nil
		p.mu.Unlock()
		warned := len(hook.AllEntries())
		if open && warned > 0 || warned > 1 {
			t.Fatalf("device open %v with %d warnings", open, warned)
		}
		if open || warned == 1 {
			t.Logf("device open: %v", open)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("oto neither opened the device nor failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Play(kiosk.CueEnding)
	if n := len(hook.AllEntries()); n > 1 {
		t.Fatalf("%d log lines, want at most the one warning", n)
	}
}

// BenchmarkSamples renders the longest cue, as New does for each at start.
func BenchmarkSamples(b *testing.B) {
	for range b.N {
		Samples(Notes[kiosk.CueEnding], SampleRate, 0.5)
	}
}
