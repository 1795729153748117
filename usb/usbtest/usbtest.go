// Package usbtest runs tests against USB devices emulated with umockdev, so
// that the real gousb and libusb code path is exercised without hardware.
//
// A test declares its devices and calls Run. In the normal `go test` process
// Run re-executes the test binary for just that test under fakeusb.py (a
// Python umockdev handler, embedded here) and reports the child's result; in
// the child Run returns a *Bed that steers the devices (unplug, replug, queue
// answers, read what they received):
//
//	func TestPrinter(t *testing.T) {
//		bed := usbtest.Run(t, usbtest.Printer("printer"))
//		if bed == nil {
//			return // the test ran in a child process under umockdev
//		}
//		... open 0416:5011 with package usb and talk to it ...
//	}
//
// When umockdev, python3-gi or the Debian python are missing, Run fails the
// test, so that no run passes silently without the emulated devices (the
// project's setup installs them). KIOSK_SKIP_UMOCKDEV=1 turns the failure
// into a skip, for a machine where that is meant.
//
// This package does not import gousb; the tests that use it do.
//
// How the emulation works, and what was needed to make it work here
// (umockdev 0.17.16, libusb 1.0.26, gousb 1.1.3):
//   - fakeusb.py builds a UMockdev.Testbed from the records Device.Record
//     writes (sysfs attributes, the "descriptors" blob, one child record per
//     interface) and attaches a UMockdev.IoctlBase handler to each
//     /dev/bus/usb node. The handler answers usbdevfs ioctls: SUBMITURB
//     (parsing struct usbdevfs_urb, 56 bytes on x86-64), REAPURBNDELAY
//     (set_ptr of the completed URB), DISCARDURB, CLAIM/RELEASE,
//     GETDRIVER, USBDEVFS_IOCTL(DISCONNECT/CONNECT) and DISCONNECT_CLAIM
//     (so auto-detach works and the sysfs "driver" link really goes away and
//     comes back), GET_CAPABILITIES, and control transfers for string
//     descriptors and class requests (printer GET_PORT_STATUS/GET_DEVICE_ID,
//     HID SET_PROTOCOL/SET_IDLE).
//   - The script re-executes itself with the umockdev preload library:
//     Testbed.uevent looks the device up with libudev in the Python
//     process, which must see the emulated /sys (else "uevent_sender_send:
//     No such device"). add_from_string sends the "add" uevent itself; for
//     an unplug the script sends "remove" and removes the interface records
//     before the device, since remove_device leaves the children's
//     /sys/bus/usb/devices links behind and a replug then aborts.
//   - libusb's device list follows the emulated uevents, so polling
//     enumeration sees unplug and replug. Pending IN URBs of an unplugged
//     device complete with ENODEV (libusb: LIBUSB_TRANSFER_NO_DEVICE), and
//     every later ioctl on the old handle fails with ENODEV.
//   - Go reads files with raw system calls, so the preload library does not
//     redirect Go's own sysfs reads: use Bed.SysfsRoot for those.
package usbtest

import (
	"bufio"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed fakeusb.py
var fakeusbPy []byte

// Python is Debian's interpreter, the one that has the gi module (the
// pyenv python3 first in PATH on the build machines lacks it). The
// environment variable KIOSK_USBTEST_PYTHON overrides it.
var Python = "/usr/bin/python3"

func init() {
	if p := os.Getenv("KIOSK_USBTEST_PYTHON"); p != "" {
		Python = p
	}
}

// Environment variables of the harness.
const (
	// EnvSkip=1 makes missing umockdev a skip instead of a test failure.
	EnvSkip = "KIOSK_SKIP_UMOCKDEV"
	// envChild names the test a child process was started for.
	envChild = "KIOSK_USBTEST_CHILD"
	// envControl is the control socket of fakeusb.py.
	envControl = "KIOSK_USBTEST_CONTROL"
)

// Endpoint describes one endpoint of an emulated interface.
type Endpoint struct {
	Address   uint8  // e.g. 0x01 OUT, 0x82 IN
	Interrupt bool   // interrupt transfer type; bulk otherwise
	MaxPacket uint16 // 64 when zero
	Interval  uint8  // polling interval for interrupt endpoints
}

// Interface describes one interface (alternate setting 0) of an emulated device.
type Interface struct {
	Class, SubClass, Protocol uint8
	Endpoints                 []Endpoint
}

// Device declares an emulated USB device.
type Device struct {
	ID           string // name used with Bed methods, e.g. "printer"
	Port         int    // port on bus 1: sysfs name "1-<Port>", device number Port+1
	VID, PID     uint16
	Manufacturer string
	Product      string
	Serial       string
	Interfaces   []Interface
	// Model selects the behaviour in fakeusb.py: "printer" (ESC/POS DLE EOT,
	// GS r, printer class requests), "feig" (FEIG ISO-host frames), "hid"
	// (boot keyboard; reports queued with Bed.Type) or "echo".
	Model string
	// Driver is the kernel driver bound to interface 0 at plug-in ("usblp",
	// "usbhid"); empty when none. It is shown in sysfs and detaching it works.
	Driver string
	// Params are model parameters, e.g. "paper": "out" for the printer or
	// "tags": "E004015033860 7AE" (comma separated UIDs) for the reader.
	Params map[string]string
	// Absent devices are declared but not plugged in at the start.
	Absent bool
	// NoSysfsStrings leaves out the manufacturer/product/serial sysfs
	// attributes, so the strings can only be read with control transfers.
	NoSysfsStrings bool
}

// Printer is an ESC/POS receipt printer of USB printer class 7 (0416:5011,
// bulk OUT 0x01, bulk IN 0x82, bound to usblp) that answers DLE EOT n.
func Printer(id string) Device {
	return Device{
		ID: id, Port: 1, VID: 0x0416, PID: 0x5011,
		Manufacturer: "Kiosk Test", Product: "Receipt Printer", Serial: "PRN0001",
		Interfaces: []Interface{{Class: 7, SubClass: 1, Protocol: 2, Endpoints: []Endpoint{
			{Address: 0x01}, {Address: 0x82},
		}}},
		Model: "printer", Driver: "usblp", Params: map[string]string{"paper": "ok"},
	}
}

// FeigReader is a FEIG reader (0AB1:0002, vendor class, bulk 0x02/0x81) that
// answers ISO-host frames; the frames ride on the bulk endpoints unchanged.
func FeigReader(id string) Device {
	return Device{
		ID: id, Port: 2, VID: 0x0AB1, PID: 0x0002,
		Manufacturer: "FEIG ELECTRONIC GmbH", Product: "OBID RFID-Reader", Serial: "RDR0001",
		Interfaces: []Interface{{Class: 0xFF, Endpoints: []Endpoint{
			{Address: 0x02}, {Address: 0x81},
		}}},
		Model: "feig", Params: map[string]string{},
	}
}

// Keyboard is a HID boot-keyboard barcode scanner (05F9:2206, interrupt IN
// 0x81, bound to usbhid) whose scans are queued with Bed.Type.
func Keyboard(id string) Device {
	return Device{
		ID: id, Port: 3, VID: 0x05F9, PID: 0x2206,
		Manufacturer: "Datalogic", Product: "Gryphon", Serial: "SCN0001",
		Interfaces: []Interface{{Class: 3, SubClass: 1, Protocol: 1, Endpoints: []Endpoint{
			{Address: 0x81, Interrupt: true, MaxPacket: 8, Interval: 10},
		}}},
		Model: "hid", Driver: "usbhid",
	}
}

// Bus and device numbers of an emulated device.
func (d Device) busnum() int { return 1 }
func (d Device) devnum() int { return d.Port + 1 }

// SysName is the sysfs name of the device, e.g. "1-1".
func (d Device) SysName() string { return fmt.Sprintf("%d-%d", d.busnum(), d.Port) }

func (d Device) syspath() string {
	return "/devices/pci0000:00/0000:00:14.0/usb1/" + d.SysName()
}

func (d Device) devnode() string {
	return fmt.Sprintf("/dev/bus/usb/%03d/%03d", d.busnum(), d.devnum())
}

// Descriptors returns the device and configuration descriptors as the
// kernel exposes them in sysfs "descriptors".
func (d Device) Descriptors() []byte {
	le := func(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }
	idx := func(s string, i byte) byte {
		if s == "" {
			return 0
		}
		return i
	}
	dev := []byte{18, 1, 0x00, 0x02, 0, 0, 0, 64}
	dev = append(dev, le(d.VID)...)
	dev = append(dev, le(d.PID)...)
	dev = append(dev, 0x00, 0x01, idx(d.Manufacturer, 1), idx(d.Product, 2), idx(d.Serial, 3), 1)

	var body []byte
	for n, in := range d.Interfaces {
		body = append(body, 9, 4, byte(n), 0, byte(len(in.Endpoints)), in.Class, in.SubClass, in.Protocol, 0)
		if in.Class == 3 {
			// HID descriptor: HID 1.11, one report descriptor of 63 bytes.
			body = append(body, 9, 0x21, 0x11, 0x01, 0, 1, 0x22, 63, 0)
		}
		for _, ep := range in.Endpoints {
			attr := byte(2)
			if ep.Interrupt {
				attr = 3
			}
			mp := ep.MaxPacket
			if mp == 0 {
				mp = 64
			}
			body = append(body, 7, 5, ep.Address, attr)
			body = append(body, le(mp)...)
			body = append(body, ep.Interval)
		}
	}
	total := uint16(9 + len(body))
	cfg := []byte{9, 2}
	cfg = append(cfg, le(total)...)
	cfg = append(cfg, byte(len(d.Interfaces)), 1, 0, 0xC0, 50)
	out := append(dev, cfg...)
	return append(out, body...)
}

// Record returns the umockdev description of the device and its interfaces.
func (d Device) Record() string {
	var b strings.Builder
	p := d.syspath()
	fmt.Fprintf(&b, "P: %s\n", p)
	fmt.Fprintf(&b, "N: %s\n", strings.TrimPrefix(d.devnode(), "/dev/"))
	fmt.Fprintf(&b, "E: BUSNUM=%03d\nE: DEVNUM=%03d\nE: DEVNAME=%s\n", d.busnum(), d.devnum(), d.devnode())
	fmt.Fprintf(&b, "E: DEVTYPE=usb_device\nE: DRIVER=usb\nE: SUBSYSTEM=usb\n")
	fmt.Fprintf(&b, "E: PRODUCT=%x/%x/100\n", d.VID, d.PID)
	fmt.Fprintf(&b, "A: bConfigurationValue=1\\n\nA: bNumConfigurations=1\\n\nA: busnum=%d\\n\nA: devnum=%d\\n\n", d.busnum(), d.devnum())
	fmt.Fprintf(&b, "A: devpath=%d\\n\nA: idVendor=%04x\\n\nA: idProduct=%04x\\n\nA: speed=480\\n\n", d.Port, d.VID, d.PID)
	if !d.NoSysfsStrings {
		for _, kv := range [][2]string{{"manufacturer", d.Manufacturer}, {"product", d.Product}, {"serial", d.Serial}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "A: %s=%s\\n\n", kv[0], kv[1])
			}
		}
	}
	fmt.Fprintf(&b, "H: descriptors=%s\n\n", strings.ToUpper(hex.EncodeToString(d.Descriptors())))
	for n, in := range d.Interfaces {
		fmt.Fprintf(&b, "P: %s/%s:1.%d\n", p, d.SysName(), n)
		fmt.Fprintf(&b, "E: DEVTYPE=usb_interface\nE: SUBSYSTEM=usb\n")
		fmt.Fprintf(&b, "A: bInterfaceClass=%02x\\n\nA: bInterfaceSubClass=%02x\\n\nA: bInterfaceProtocol=%02x\\n\n", in.Class, in.SubClass, in.Protocol)
		fmt.Fprintf(&b, "A: bInterfaceNumber=%02x\\n\nA: bAlternateSetting= 0\\n\nA: bNumEndpoints=%02x\\n\n\n", n, len(in.Endpoints))
	}
	return b.String()
}

type specDevice struct {
	ID           string            `json:"id"`
	Syspath      string            `json:"syspath"`
	IfaceSyspath string            `json:"iface_syspath"`
	Devnode      string            `json:"devnode"`
	Record       string            `json:"record"`
	Strings      map[string]string `json:"strings"`
	Params       map[string]string `json:"params"`
	Driver       string            `json:"driver"`
	Model        string            `json:"model"`
	Present      bool              `json:"present"`
}

type spec struct {
	Control string       `json:"control"`
	Devices []specDevice `json:"devices"`
}

// Available reports whether the emulation can run here, and why not.
func Available() (bool, string) {
	if _, err := os.Stat(Python); err != nil {
		return false, Python + " not found"
	}
	out, err := exec.Command(Python, "-c",
		"import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev").CombinedOutput()
	if err != nil {
		return false, fmt.Sprintf("python3-gi / gir1.2-umockdev-1.0 missing: %v: %s", err, strings.TrimSpace(string(out)))
	}
	found := false
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/usr/lib64"} {
		if _, err := os.Stat(filepath.Join(dir, "libumockdev-preload.so.0")); err == nil {
			found = true
			break
		}
	}
	if !found {
		return false, "libumockdev-preload.so.0 not found (apt-get install umockdev)"
	}
	return true, ""
}

var availOnce struct {
	sync.Once
	ok  bool
	why string
}

// unavailable decides what a test does when the emulation is missing: an
// empty msg means it is there; otherwise the test fails with msg, or skips
// when the skip variable is "1".
func unavailable(ok bool, why, skipEnv string) (skip bool, msg string) {
	if ok {
		return false, ""
	}
	if skipEnv == "1" {
		return true, fmt.Sprintf("usbtest: skipping, umockdev emulation unavailable (%s) and %s=1", why, EnvSkip)
	}
	return false, fmt.Sprintf("usbtest: umockdev emulation unavailable (%s): install umockdev gir1.2-umockdev-1.0 python3-gi "+
		"(make setup does), or set %s=1 to skip the emulated-USB tests on purpose", why, EnvSkip)
}

// Run starts the test under emulated devices; see the package comment. It
// returns nil in the parent process, which has then already reported the
// child's result, and a *Bed in the child.
func Run(t *testing.T, devices ...Device) *Bed {
	t.Helper()
	if os.Getenv(envChild) != "" {
		if os.Getenv(envChild) != t.Name() {
			t.Skipf("usbtest: child process for %s", os.Getenv(envChild))
		}
		return &Bed{t: t, control: os.Getenv(envControl), devices: devices}
	}
	availOnce.Do(func() { availOnce.ok, availOnce.why = Available() })
	if skip, msg := unavailable(availOnce.ok, availOnce.why, os.Getenv(EnvSkip)); msg != "" {
		if skip {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}

	dir := t.TempDir()
	script := filepath.Join(dir, "fakeusb.py")
	if err := os.WriteFile(script, fakeusbPy, 0o644); err != nil {
		t.Fatal(err)
	}
	// Unix socket paths are limited to 108 bytes; TempDir can be long.
	sockDir, err := os.MkdirTemp("", "usbtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sp := spec{Control: filepath.Join(sockDir, "ctl")}
	for _, d := range devices {
		sd := specDevice{
			ID: d.ID, Syspath: d.syspath(), Devnode: d.devnode(), Record: d.Record(),
			Strings: map[string]string{}, Params: d.Params, Driver: d.Driver, Model: d.Model,
			Present: !d.Absent,
		}
		if len(d.Interfaces) > 0 {
			sd.IfaceSyspath = fmt.Sprintf("%s/%s:1.0", d.syspath(), d.SysName())
		}
		for i, s := range []string{d.Manufacturer, d.Product, d.Serial} {
			if s != "" {
				sd.Strings[fmt.Sprint(i+1)] = s
			}
		}
		if sd.Params == nil {
			sd.Params = map[string]string{}
		}
		sp.Devices = append(sp.Devices, sd)
	}
	specPath := filepath.Join(dir, "spec.json")
	js, _ := json.Marshal(sp)
	if err := os.WriteFile(specPath, js, 0o644); err != nil {
		t.Fatal(err)
	}

	args := []string{script, specPath, "--", os.Args[0], "-test.run=" + runPattern(t.Name()), "-test.count=1", "-test.timeout=120s", "-test.v"}
	cmd := exec.Command(Python, args...)
	cmd.Env = append(os.Environ(), envChild+"="+t.Name(), envControl+"="+sp.Control)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("usbtest: %s under umockdev failed: %v\n%s", t.Name(), err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("usbtest: %s under umockdev did not pass:\n%s", t.Name(), out)
	}
	if testing.Verbose() {
		t.Logf("child output:\n%s", out)
	}
	return nil
}

func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// Bed steers the emulated devices from inside the child test process.
type Bed struct {
	t       *testing.T
	control string
	devices []Device

	mu   sync.Mutex
	conn net.Conn
	rd   *bufio.Reader
}

// SysfsRoot is the emulated /sys. Go does not go through libc, so the
// umockdev preload library does not redirect its file access; code that
// reads sysfs (the inventory's driver state) must be pointed here.
func (b *Bed) SysfsRoot() string {
	return filepath.Join(os.Getenv("UMOCKDEV_DIR"), "sys")
}

// Device returns the declaration of the device with the given id.
func (b *Bed) Device(id string) Device {
	for _, d := range b.devices {
		if d.ID == id {
			return d
		}
	}
	b.t.Fatalf("usbtest: no device %q", id)
	return Device{}
}

// Do sends one command line to fakeusb.py and returns its answer.
func (b *Bed) Do(cmd string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == nil {
		c, err := net.DialTimeout("unix", b.control, 5*time.Second)
		if err != nil {
			return "", fmt.Errorf("usbtest: control socket: %w", err)
		}
		b.conn, b.rd = c, bufio.NewReader(c)
		b.t.Cleanup(func() { c.Close() })
	}
	// The deadline only guards against a wedged helper process.
	b.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(b.conn, "%s\n", cmd); err != nil {
		return "", err
	}
	line, err := b.rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\n")
	if rest, ok := strings.CutPrefix(line, "ok"); ok {
		return strings.TrimSpace(rest), nil
	}
	return "", fmt.Errorf("usbtest: %s: %s", cmd, line)
}

func (b *Bed) must(cmd string) string {
	b.t.Helper()
	s, err := b.Do(cmd)
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// Unplug removes the device; its pending transfers end with ENODEV.
func (b *Bed) Unplug(id string) { b.t.Helper(); b.must("unplug " + id) }

// Replug plugs the device in again with fresh state.
func (b *Bed) Replug(id string) { b.t.Helper(); b.must("replug " + id) }

// Queue makes the device send data on its next IN transfer.
func (b *Bed) Queue(id string, data []byte) {
	b.t.Helper()
	b.must("in " + id + " " + hex.EncodeToString(data))
}

// Type queues HID boot-keyboard reports (press and release) typing text on
// a "hid" device; '\n' is Enter. Letters and symbols follow the US layout.
func (b *Bed) Type(id, text string) {
	b.t.Helper()
	b.must("type " + id + " " + strings.ReplaceAll(text, "\n", `\n`))
}

// Set changes a model parameter, e.g. Set("printer", "paper", "out").
func (b *Bed) Set(id, key, value string) { b.t.Helper(); b.must("set " + id + " " + key + " " + value) }

// Stall makes the next transfer on endpoint ep stall.
func (b *Bed) Stall(id string, ep uint8) { b.t.Helper(); b.must(fmt.Sprintf("stall %s %d", id, ep)) }

// Hold keeps IN transfers pending (no answer) until Hold(id, false).
func (b *Bed) Hold(id string, on bool) {
	b.t.Helper()
	if on {
		b.must("hold " + id + " on")
	} else {
		b.must("hold " + id + " off")
	}
}

// Received returns every byte the device got on its OUT endpoints.
func (b *Bed) Received(id string) []byte {
	b.t.Helper()
	s := b.must("received " + id)
	p, err := hex.DecodeString(s)
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

// Driver returns the kernel driver the emulation has bound to interface 0.
func (b *Bed) Driver(id string) string { b.t.Helper(); return b.must("driver " + id) }

// Pending returns how many IN transfers the device holds unanswered.
func (b *Bed) Pending(id string) int {
	b.t.Helper()
	var n int
	if _, err := fmt.Sscan(b.must("pending "+id), &n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// WaitPending polls until at least n IN transfers are pending on the
// device, so a test can unplug it in the middle of a transfer. It gives up
// after 10 s (a broken test, not a slow one).
func (b *Bed) WaitPending(id string, n int) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Pending(id) < n {
		if time.Now().After(deadline) {
			b.t.Fatalf("usbtest: %s: no pending IN transfer", id)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Wedge makes cancelled transfers never complete, like a firmware that
// hangs, until Wedge(id, false) lets them finish.
func (b *Bed) Wedge(id string, on bool) {
	b.t.Helper()
	if on {
		b.must("wedge " + id + " on")
	} else {
		b.must("wedge " + id + " off")
	}
}
