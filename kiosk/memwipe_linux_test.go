//go:build linux && !race

// The race detector maps terabytes of shadow memory read-write, which this
// test would have to read; it runs in the ordinary pass only.

package kiosk

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// memwipeGODEBUG is the runtime setting the memory test runs under.
const memwipeGODEBUG = "asyncpreemptoff=1"

// memwipeChildEnv makes the test binary the library-system simulator for
// TestMemwipeNothingSurvives: the canary patron's seed then lives in that
// process, not in the one whose memory is searched.
const memwipeChildEnv = "KIOSK_MEMWIPE_SIMULATOR"

// memCanary is a synthetic patron assembled at run time, so that none of
// its values is a literal in the test binary: a CPR number of someone born
// in the 2030s (synthetic: nobody has it yet), an 8-digit PIN, a name, a
// street and an e-mail address of random letters.
type memCanary struct {
	cpr, pin, first, last, name, street, email []byte
}

func newMemCanary() *memCanary {
	digits := func(b []byte, n int) []byte {
		for range n {
			b = append(b, byte('0'+rand.IntN(10)))
		}
		return b
	}
	letters := func(b []byte, n int) []byte {
		for range n {
			b = append(b, byte('a'+rand.IntN(26)))
		}
		return b
	}
	c := &memCanary{}
	// Day 10–28, month 01–09, year 30–36 and a 7th digit of 4 or 9: born
	// in 2030–2036 by the century rule, so valid in form and nobody's.
	c.cpr = make([]byte, 0, 10)
	c.cpr = append(c.cpr, byte('1'+rand.IntN(2)), byte('0'+rand.IntN(9)))
	c.cpr = append(c.cpr, '0', byte('1'+rand.IntN(9)))
	c.cpr = append(c.cpr, '3', byte('0'+rand.IntN(7)))
	c.cpr = append(c.cpr, "49"[rand.IntN(2)])
	c.cpr = digits(c.cpr, 3)
	c.pin = digits(make([]byte, 0, 8), 8)
	c.first = letters(append(make([]byte, 0, 12), 'K', 'a', 'n', 'a'), 8)
	c.last = letters(append(make([]byte, 0, 12), 'F', 'u', 'g', 'l'), 8)
	c.name = append(append(append(make([]byte, 0, 25), c.first...), ' '), c.last...)
	c.street = letters(append(make([]byte, 0, 20), 'V', 'e', 'j', ' '), 12)
	c.email = append(letters(make([]byte, 0, 40), 14), "@example.invalid"...)
	return c
}

func (c *memCanary) wipe() {
	for _, b := range [][]byte{c.cpr, c.pin, c.first, c.last, c.name, c.street, c.email} {
		clear(b)
	}
}

// memPattern is one form of a canary value to look for. The whole pattern
// is never in memory: lo is its first part and hiInv the rest with every
// bit inverted, so the search cannot find its own needle.
type memPattern struct {
	label     string
	lo, hiInv []byte
}

func newMemPattern(label, prefix string, v []byte) memPattern {
	k := len(v) / 2
	p := memPattern{label: label, lo: make([]byte, 0, len(prefix)+k), hiInv: make([]byte, len(v)-k)}
	p.lo = append(append(p.lo, prefix...), v[:k]...)
	for i, b := range v[k:] {
		p.hiInv[i] = ^b
	}
	return p
}

func (p memPattern) len() int { return len(p.lo) + len(p.hiInv) }

// count returns how often the pattern starts in buf[:limit].
func (p memPattern) count(buf []byte, limit int) int {
	n := 0
	for i := 0; i < limit; {
		j := bytes.Index(buf[i:], p.lo)
		if j < 0 || i+j >= limit {
			break
		}
		at := i + j
		rest := buf[at+len(p.lo):]
		if len(rest) >= len(p.hiInv) {
			match := true
			for k, b := range p.hiInv {
				if rest[k] != ^b {
					match = false
					break
				}
			}
			if match {
				n++
			}
		}
		i = at + 1
	}
	return n
}

func (c *memCanary) patterns() []memPattern {
	return []memPattern{
		newMemPattern("CPR", "", c.cpr),
		newMemPattern("AA<CPR>", "AA", c.cpr),
		newMemPattern("PIN", "", c.pin),
		newMemPattern("AD<PIN>", "AD", c.pin),
		newMemPattern("name", "", c.name),
		newMemPattern("AE<name>", "AE", c.name),
		newMemPattern("last name", "", c.last),
		newMemPattern("first name", "", c.first),
		newMemPattern("street", "", c.street),
		newMemPattern("e-mail", "", c.email),
	}
}

// scanOwnMemory counts each pattern in the process's writable private
// mappings (heap, stacks, anonymous maps, the data segments), read through
// /proc/self/mem. The read buffer is a mapping of its own, left out of
// the scan.
func scanOwnMemory(t *testing.T, pats []memPattern) (counts []int, scanned int64) {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	const chunk = 1 << 20
	overlap := 0
	for _, p := range pats {
		overlap = max(overlap, p.len())
	}
	buf, err := syscall.Mmap(-1, 0, chunk+overlap, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(buf)
	own := uint64(uintptr(unsafe.Pointer(&buf[0])))
	counts = make([]int, len(pats))
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || len(f[1]) != 4 || f[1][0] != 'r' || f[1][1] != 'w' || f[1][3] != 'p' {
			continue
		}
		if len(f) >= 6 && strings.HasPrefix(f[5], "[v") {
			continue // [vvar], [vsyscall]: kernel pages
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || start == own {
			continue
		}
		for off := start; off < end; off += chunk {
			n := int(min(uint64(chunk+overlap), end-off))
			got, _ := mem.ReadAt(buf[:n], int64(off))
			if got <= 0 {
				continue
			}
			scanned += int64(min(got, chunk))
			for i, p := range pats {
				counts[i] += p.count(buf[:got], min(got, chunk))
			}
		}
	}
	clear(buf)
	return counts, scanned
}

// startMemwipeSimulator runs the simulator in a child process (this test
// binary again) seeded with the canary, which it gets through a pipe.
func startMemwipeSimulator(t *testing.T, c *memCanary) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemwipeSimulatorProcess$")
	cmd.Env = append(os.Environ(), memwipeChildEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	// One write straight into the pipe, from a buffer zeroed at once.
	seed := make([]byte, 0, 256)
	for _, v := range [][]byte{c.cpr, c.pin, c.name, c.street, c.email} {
		seed = append(append(seed, v...), '\n')
	}
	_, err = stdin.Write(seed)
	clear(seed)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestMemwipeSimulatorProcess is the simulator side of the memory test; it
// does nothing unless started by startMemwipeSimulator.
func TestMemwipeSimulatorProcess(t *testing.T) {
	if os.Getenv(memwipeChildEnv) == "" {
		t.Skip("the simulator process of TestMemwipeNothingSurvives")
	}
	in := bufio.NewReader(os.Stdin)
	var v [5]string
	for i := range v {
		s, err := in.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		v[i] = strings.TrimSuffix(s, "\n")
	}
	seed, err := acs.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	seed.Patrons = append(seed.Patrons, acs.Patron{ID: v[0], PIN: v[1], Name: v[2], Group: "adult",
		Address: acs.Address{Street: v[3], Zip: "9999", City: "Testby"}, Email: v[4], Synthetic: true,
		Note: "memory test canary"})
	lib, err := acs.New(seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, addr := listenACS(t, lib)
	fmt.Println(addr)
	// Serve until the test closes the pipe.
	_, _ = io.Copy(io.Discard, in)
	srv.Close()
}

// memwipeSessions runs two whole sessions of the canary patron against the
// simulator at addr: log in (one wrong PIN first), borrow an item, renew
// all, look at the account (the 64 carries the name, street and e-mail),
// print the receipt; then returns once both 35s are over and the kiosk has
// collected its garbage.
func memwipeSessions(t *testing.T, c *memCanary, addr string, items []string) {
	t.Helper()
	e := startE2E(t, t.TempDir(), addr, func(o *Options) {
		// The greeting is on, as kiosk.greeting is by default; the
		// first name it shows is a string (see firstName), which the
		// test counts but does not hold against the kiosk.
		o.Greet = true
		o.PINLength = len(c.pin)
		o.GoodbyeFor = 50 * time.Millisecond
	})
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i, item := range items {
		e.k.Send(InChoose{Screen: ScreenLoan})
		// The number comes in as a barcode scanner in keyboard mode types
		// it, through the keystroke wedge; the kiosk takes over the
		// scanned bytes and zeroes them.
		w := scanner.NewWedge(scanner.DefaultWedgeOptions())
		at := time.Now()
		for _, d := range c.cpr {
			w.Feed(rune(d), at)
			at = at.Add(time.Millisecond)
		}
		scan, ok := w.Feed('\n', at)
		if !ok {
			t.Fatal("the wedge took the canary's number for typing")
		}
		e.k.Scan(scan.Text)
		e.eventually(t, "pin", func() bool { return e.k.View().Screen == ScreenPIN })
		if i == 0 {
			for range c.pin {
				e.k.Send(InKey{Key: '0'})
			}
			e.eventually(t, "wrong pin", func() bool { return e.k.View().Message.ID == MsgLoginWrongPIN })
		}
		for _, d := range c.pin {
			e.k.Send(InKey{Key: rune(d)})
		}
		e.eventually(t, "loan screen", func() bool { return e.k.View().Screen == ScreenLoan && !e.k.View().Busy })
		e.place(t, item, 1)
		e.eventually(t, "lent", func() bool { return viewDone(e.k.View(), 1) })
		e.renewAccountFinish(t, i+1)
		e.k.Send(InReceipt{Choice: "print"})
		e.eventually(t, "welcome", func() bool { return e.k.View().Screen == ScreenWelcome })
		e.eventually(t, "35 over", func() bool { return e.ended.Load() == int64(i+1) })
	}
	// The kiosk forces a GC after each 35 (GCAtSessionEnd); wait until the
	// last one has run, so the scan sees what a dump would.
	e.eventually(t, "forced GC", func() bool {
		var now runtime.MemStats
		runtime.ReadMemStats(&now)
		return now.NumForcedGC >= before.NumForcedGC+uint32(len(items))
	})
	if m := e.k.Model(); !m.Sec.Empty() || m.LoggedIn {
		t.Fatalf("the session is not over: %+v", m)
	}
}

// TestMemwipeNothingSurvives runs real sessions of a canary patron through
// the core and the SIP2 client against the simulator in another process,
// then searches this process's writable memory for the canary's CPR, PIN,
// name, street and e-mail, plain and as SIP2 fields. With wiping on it must
// find none; the control run with wiping off (sip2.SetWiping and the core's
// switch) must find the CPR, PIN and name, which shows the search works.
func TestMemwipeNothingSurvives(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a simulator process and reads the whole process memory")
	}
	if !strings.Contains(os.Getenv("GODEBUG"), memwipeGODEBUG) {
		// When the runtime preempts a goroutine in the middle of copying a
		// frame, it saves the vector registers, pieces of the frame, on
		// that goroutine's stack, where nothing zeroes them: about one
		// run in fifty then found one such copy of a request. The test
		// runs in a process of its own without asynchronous preemption,
		// so that it checks the kiosk's code rather than that chance.
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemwipeNothingSurvives$", "-test.v")
		cmd.Env = append(os.Environ(), "GODEBUG="+strings.TrimPrefix(os.Getenv("GODEBUG")+","+memwipeGODEBUG, ","))
		out, err := cmd.CombinedOutput()
		t.Logf("%s", out)
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestMemwipeNothingSurvives")) {
			t.Fatalf("the memory test process: %v", err)
		}
		return
	}
	lib, err := acs.Demo()
	if err != nil {
		t.Fatal(err)
	}
	items := availableItems(t, lib, 4)
	for _, wiping := range []bool{true, false} {
		name := "wiping on"
		if !wiping {
			name = "wiping off"
		}
		t.Run(name, func(t *testing.T) {
			sip2.SetWiping(wiping)
			wipingOff.Store(!wiping)
			defer func() {
				sip2.SetWiping(true)
				wipingOff.Store(false)
			}()
			c := newMemCanary()
			pats := c.patterns()
			addr := startMemwipeSimulator(t, c)
			memwipeSessions(t, c, addr, items[:2])
			items = items[2:]
			// The test's own copies go before the search.
			c.wipe()
			counts, scanned := scanOwnMemory(t, pats)
			var report []string
			for i, p := range pats {
				report = append(report, fmt.Sprintf("%s %d", p.label, counts[i]))
			}
			t.Logf("%s: copies found in %d MB of writable memory: %s", name, scanned>>20, strings.Join(report, ", "))
			for i, p := range pats {
				switch {
				case p.label == "first name":
					// Shown by the greeting: see firstName.
				case wiping && counts[i] > 0:
					t.Errorf("%d copies of the canary's %s survive the session", counts[i], p.label)
				case !wiping && counts[i] == 0 && (p.label == "CPR" || p.label == "PIN" || p.label == "name"):
					t.Errorf("wiping off, yet no copy of the canary's %s found: the search cannot be trusted", p.label)
				}
			}
		})
	}
}
