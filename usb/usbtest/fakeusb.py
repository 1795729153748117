#!/usr/bin/python3
"""Emulated USB devices for the kiosk's gousb tests (umockdev + GObject introspection).

Usage: /usr/bin/python3 fakeusb.py SPEC.json -- COMMAND [ARGS...]

The spec (written by the Go package usbtest) lists devices, each with a
umockdev record (sysfs attributes and descriptors), a device node and a model
that decides how the device answers. The script builds a umockdev testbed,
attaches a stateful usbdevfs ioctl handler to every device node, runs COMMAND
with the umockdev preload library and exits with COMMAND's exit status.

While COMMAND runs, it can steer the devices through a Unix socket (path in the
spec, one command per line, answered by one line "ok ..." or "err ..."):

  unplug ID            remove the device; pending transfers end with ENODEV
  replug ID            add the device again (fresh state, kernel driver bound)
  in ID HEX            queue bytes the device sends on its next IN transfer
  type ID TEXT         queue HID boot-keyboard reports typing TEXT ("\\n" = Enter)
  set ID KEY VALUE     change a model parameter (e.g. "set printer paper out")
  stall ID EP          make the next transfer on endpoint EP (decimal) stall
  hold ID on|off       hold back IN answers (a transfer stays pending)
  wedge ID on|off      cancelled transfers never complete (until off)
  received ID          hex of all bytes received on OUT endpoints so far
  driver ID            the kernel driver bound to interface 0 ("" when none)
  pending ID           how many IN transfers are waiting for data

Only Debian's /usr/bin/python3 has the gi module; the pyenv python does not.
"""

import json
import os
import socket
import struct
import subprocess
import sys

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

# usbdevfs ioctl numbers (the low byte of the request; the type byte is 'U').
SUBMITURB = 10
DISCARDURB = 11
REAPURB = 12
REAPURBNDELAY = 13
GETDRIVER = 8
SETINTERFACE = 4
SETCONFIGURATION = 5
RESETEP = 3
CLAIMINTERFACE = 15
RELEASEINTERFACE = 16
CONNECTINFO = 17
USBDEVFS_IOCTL = 18
RESET = 20
CLEAR_HALT = 21
DISCONNECT = 22
CONNECT = 23
GET_CAPABILITIES = 26
DISCONNECT_CLAIM = 27
DROP_PRIVILEGES = 30
GET_SPEED = 31

ENOENT = 2
EAGAIN = 11
EINVAL = 22
ENODEV = 19
ENODATA = 61
ENOTTY = 25
EPIPE = 32

URB_TYPE_INTERRUPT = 1
URB_TYPE_CONTROL = 2
URB_TYPE_BULK = 3

# usbdevfs capabilities: zero-length packets, bulk continuation, no packet
# size limit, reap after disconnect.
CAPS = 0x01 | 0x02 | 0x04 | 0x10


def log(*args):
    if os.environ.get("FAKEUSB_DEBUG"):
        print("fakeusb:", *args, file=sys.stderr, flush=True)


def crc16_mcrf4xx(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ 0x8408
            else:
                crc >>= 1
    return crc


def feig_frame(adr, cmd, status, data=b""):
    """A standard response frame: LEN COM-ADR CMD STATUS DATA CRC_lo CRC_hi."""
    body = bytes([len(data) + 6, adr, cmd, status]) + bytes(data)
    crc = crc16_mcrf4xx(body)
    return body + bytes([crc & 0xFF, crc >> 8])


# HID usage ids of the US boot keyboard layout, which is what barcode
# scanners emulate by default.
_HID_PLAIN = {}
_HID_SHIFT = {}
for i, c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    _HID_PLAIN[c] = 0x04 + i
    _HID_SHIFT[c.upper()] = 0x04 + i
for i, c in enumerate("1234567890"):
    _HID_PLAIN[c] = 0x1E + i
for i, c in enumerate("!@#$%^&*()"):
    _HID_SHIFT[c] = 0x1E + i
_HID_PLAIN.update({"\n": 0x28, "\t": 0x2B, " ": 0x2C, "-": 0x2D, "=": 0x2E, "[": 0x2F,
                   "]": 0x30, "\\": 0x31, ";": 0x33, "'": 0x34, "`": 0x35, ",": 0x36,
                   ".": 0x37, "/": 0x38})
_HID_SHIFT.update({"_": 0x2D, "+": 0x2E, "{": 0x2F, "}": 0x30, "|": 0x31, ":": 0x33,
                   '"': 0x34, "~": 0x35, "<": 0x36, ">": 0x37, "?": 0x38})


def keyboard_reports(text):
    """Boot-keyboard reports for text: a key press and a release per character."""
    out = []
    for c in text:
        if c in _HID_PLAIN:
            mod, code = 0, _HID_PLAIN[c]
        elif c in _HID_SHIFT:
            mod, code = 0x02, _HID_SHIFT[c]  # left shift
        else:
            raise ValueError("no key for %r" % c)
        out.append(bytes([mod, 0, code, 0, 0, 0, 0, 0]))
        out.append(bytes(8))
    return out


class Model:
    """How a device answers bulk and interrupt transfers."""

    def __init__(self, dev):
        self.dev = dev

    def on_out(self, ep, data):
        pass

    def on_class_request(self, setup, wlength):
        """Answer a class or vendor control request: (status, bytes)."""
        return 0, b""


class Echo(Model):
    def on_out(self, ep, data):
        self.dev.queue_in(bytes(data))


class Printer(Model):
    """An ESC/POS receipt printer answering DLE EOT n and GS r 1."""

    def __init__(self, dev):
        super().__init__(dev)
        self.pending = b""

    def on_out(self, ep, data):
        buf = self.pending + bytes(data)
        i = 0
        while i < len(buf):
            if buf[i] == 0x10:
                if i + 2 >= len(buf):
                    break
                if buf[i + 1] == 0x04:
                    self.dev.queue_in(bytes([self.status(buf[i + 2])]))
                    i += 3
                    continue
            if buf[i] == 0x1D and i + 1 < len(buf) and buf[i + 1] == 0x72:
                if i + 2 >= len(buf):
                    break
                out = self.dev.params.get("paper", "ok") == "out"
                near = self.dev.params.get("paper", "ok") == "near"
                self.dev.queue_in(bytes([0x0C if out else (0x03 if near else 0x00)]))
                i += 3
                continue
            i += 1
        self.pending = buf[i:]

    def status(self, n):
        paper = self.dev.params.get("paper", "ok")
        if n == 4:
            if paper == "out":
                return 0x72
            if paper == "near":
                return 0x1E
            return 0x12
        if n == 1:
            return 0x1E if paper == "out" else 0x16  # bit 3: offline
        if n == 2:
            return 0x32 if paper == "out" else 0x12
        return 0x12

    def on_class_request(self, setup, wlength):
        bm, req = setup[0], setup[1]
        if bm == 0xA1 and req == 1:  # GET_PORT_STATUS
            st = 0x18
            if self.dev.params.get("paper", "ok") == "out":
                st |= 0x20
            return 0, bytes([st])
        if bm == 0xA1 and req == 0:  # GET_DEVICE_ID
            ident = self.dev.params.get("device_id", "MFG:EPSON;CMD:ESCPOS;MDL:TM-T20;CLS:PRINTER;").encode()
            return 0, struct.pack(">H", len(ident) + 2) + ident
        if bm == 0x21 and req == 2:  # SOFT_RESET
            return 0, b""
        return -EPIPE, b""


class Feig(Model):
    """A FEIG ISO-host reader: standard frames with CRC-16/MCRF4XX."""

    def __init__(self, dev):
        super().__init__(dev)
        self.buf = b""

    def on_out(self, ep, data):
        self.buf += bytes(data)
        while self.buf:
            if self.buf[0] == 0x02 and len(self.buf) >= 3:  # advanced frame
                n = (self.buf[1] << 8) | self.buf[2]
                if len(self.buf) < n:
                    return
                frame, self.buf = self.buf[:n], self.buf[n:]
                self.answer(frame, advanced=True)
                continue
            n = self.buf[0]
            if n < 5:
                self.buf = b""
                return
            if len(self.buf) < n:
                return
            frame, self.buf = self.buf[:n], self.buf[n:]
            self.answer(frame, advanced=False)

    def answer(self, frame, advanced):
        crc = crc16_mcrf4xx(frame[:-2])
        if frame[-2] != crc & 0xFF or frame[-1] != crc >> 8:
            log("feig: bad CRC, no answer", frame.hex())
            return  # a real reader stays silent on a corrupt frame
        if advanced:
            adr, cmd, data = frame[3], frame[4], frame[5:-2]
        else:
            adr, cmd, data = frame[1], frame[2], frame[3:-2]
        status, payload = self.command(cmd, bytes(data))
        if advanced:
            body = bytes([0x02, 0, 0, 0 if adr == 0xFF else adr, cmd, status]) + payload
            n = len(body) + 2
            body = bytes([0x02, n >> 8, n & 0xFF]) + body[3:]
            c = crc16_mcrf4xx(body)
            self.dev.queue_in(body + bytes([c & 0xFF, c >> 8]))
        else:
            self.dev.queue_in(feig_frame(0 if adr == 0xFF else adr, cmd, status, payload))

    def command(self, cmd, data):
        if cmd == 0x65:  # get software version
            return 0x00, bytes.fromhex(self.dev.params.get("version", "0301004a0000"))
        if cmd == 0x69:  # RF reset
            return 0x00, b""
        if cmd == 0xB0 and data[:1] == b"\x01":  # inventory
            uids = [u for u in self.dev.params.get("tags", "").split(",") if u]
            if not uids:
                return 0x01, b""
            out = bytes([len(uids)])
            for u in uids:
                out += b"\x03\x00" + bytes.fromhex(u)
            return 0x00, out
        return 0x80, b""


class Keyboard(Model):
    """A HID boot keyboard (barcode scanner): reports only on interrupt IN."""

    def on_class_request(self, setup, wlength):
        # SET_IDLE, SET_PROTOCOL, SET_REPORT: accept; GET_PROTOCOL: boot.
        bm, req = setup[0], setup[1]
        if bm == 0xA1 and req == 0x03:
            return 0, b"\x00"
        return 0, b""


MODELS = {"echo": Echo, "printer": Printer, "feig": Feig, "hid": Keyboard}


class Device:
    def __init__(self, testbed, spec):
        self.testbed = testbed
        self.id = spec["id"]
        self.syspath = spec["syspath"]
        self.devnode = spec["devnode"]
        self.record = spec["record"]
        self.strings = {int(k): v for k, v in spec.get("strings", {}).items()}
        self.initial_params = dict(spec.get("params", {}))
        self.initial_driver = spec.get("driver", "")
        self.iface_syspath = spec.get("iface_syspath", "")
        self.model_name = spec.get("model", "echo")
        self.paths = [line[3:].strip() for line in self.record.splitlines() if line.startswith("P: ")]
        self.generation = 0
        self.present = False
        self.received = b""
        self.clients = {}
        self.client_gen = {}
        self.reset_state()
        self.handler = UMockdev.IoctlBase()
        self.handler.connect("handle-ioctl", self.handle_ioctl)
        if not testbed.attach_ioctl(self.devnode, self.handler):
            raise SystemExit("fakeusb: attach_ioctl %s failed" % self.devnode)

    def reset_state(self):
        self.params = dict(self.initial_params)
        self.model = MODELS[self.model_name](self)
        self.in_queue = []  # bytes waiting for an IN transfer
        self.pending_in = []  # (client, urb, buf, ep, length) waiting for data
        self.done = {}  # client key -> list of (urb, status, actual, data)
        self.stalls = set()
        self.hold = False
        self.wedged = False
        self.held_discards = []  # (client, urb, buf) discarded while wedged
        self.driver = self.initial_driver

    def plug(self):
        self.generation += 1
        self.reset_state()
        # add_from_string sends the "add" uevents itself.
        self.testbed.add_from_string(self.record)
        self.set_driver_link(self.driver)
        self.present = True
        log("plugged", self.id)

    def unplug(self):
        self.present = False
        # The kernel completes every URB of a vanished device with ENODEV.
        for (client, urb, buf, ep, length) in self.pending_in:
            self.done.setdefault(client, []).append((urb, buf, -ENODEV, 0, b""))
        self.pending_in = []
        self.testbed.uevent("/sys" + self.syspath, "remove")
        # Children first: remove_device leaves their /sys/bus links behind.
        for path in reversed(self.paths):
            self.testbed.remove_device("/sys" + path)
        log("unplugged", self.id)

    def set_driver_link(self, name):
        if not self.iface_syspath:
            return
        link = os.path.join(self.testbed.get_root_dir(), "sys", self.iface_syspath.lstrip("/"), "driver")
        try:
            os.unlink(link)
        except FileNotFoundError:
            pass
        if name:
            if os.path.isdir(os.path.dirname(link)):
                os.symlink("../../../../../../bus/usb/drivers/" + name, link)

    def queue_in(self, data):
        self.in_queue.append(bytes(data))
        self.pump()

    def pump(self):
        while self.pending_in and self.in_queue and not self.hold:
            client, urb, buf, ep, length = self.pending_in.pop(0)
            data = self.in_queue.pop(0)
            if len(data) > length:
                self.in_queue.insert(0, data[length:])
                data = data[:length]
            self.done.setdefault(client, []).append((urb, buf, 0, len(data), data))

    # ioctl handling

    def handle_ioctl(self, handler, client):
        req = client.get_request()
        nr = req & 0xFF
        arg = client.get_arg()
        key = hash(client)
        # Pin the wrapper so its identity (the key of its URBs) is stable,
        # and remember which plug-in the open file belongs to: after a
        # replug the old handle only gets ENODEV.
        gen = self.client_gen.get(key)
        if gen is None:
            self.clients[key] = client
            self.client_gen[key] = gen = self.generation
        stale = (not self.present) or gen != self.generation
        try:
            return self._handle(client, key, nr, arg, stale)
        except Exception as e:  # keep the main loop alive, fail the ioctl
            print("fakeusb: ioctl %d failed: %r" % (nr, e), file=sys.stderr, flush=True)
            client.complete(-1, EINVAL)
            return True

    def _handle(self, client, key, nr, arg, stale):
        if nr in (REAPURB, REAPURBNDELAY):
            done = self.done.get(key)
            if done:
                urb, buf, status, actual, data = done.pop(0)
                urb.update(4, list(struct.pack("<i", status)))
                urb.update(28, list(struct.pack("<i", actual)))
                if data and buf is not None:
                    buf.update(0, list(data))
                ptr = arg.resolve(0, 8)
                ptr.set_ptr(0, urb)
                client.complete(0, 0)
                return True
            client.complete(-1, ENODEV if stale else EAGAIN)
            return True
        if stale:
            client.complete(-1, ENODEV)
            return True
        if nr == GET_CAPABILITIES:
            d = arg.resolve(0, 4)
            d.update(0, list(struct.pack("<I", CAPS)))
            client.complete(0, 0)
            return True
        if nr in (CLAIMINTERFACE, RELEASEINTERFACE, SETINTERFACE, SETCONFIGURATION,
                  CLEAR_HALT, RESETEP, RESET, DROP_PRIVILEGES):
            client.complete(0, 0)
            return True
        if nr == DISCONNECT_CLAIM:
            self.driver = ""
            self.set_driver_link("")
            client.complete(0, 0)
            return True
        if nr == GETDRIVER:
            if not self.driver:
                client.complete(-1, ENODATA)
                return True
            d = arg.resolve(0, 260)
            name = self.driver.encode()[:255] + b"\0"
            d.update(4, list(name))
            client.complete(0, 0)
            return True
        if nr == USBDEVFS_IOCTL:
            d = arg.resolve(0, 16)
            raw = bytes(d.retrieve())
            _ifno, code = struct.unpack("<ii", raw[:8])
            sub = code & 0xFF
            if sub == DISCONNECT:
                if not self.driver:
                    client.complete(-1, ENODATA)
                    return True
                self.driver = ""
                self.set_driver_link("")
                client.complete(0, 0)
                return True
            if sub == CONNECT:
                self.driver = self.initial_driver
                self.set_driver_link(self.driver)
                client.complete(0, 0)
                return True
            client.complete(-1, ENOTTY)
            return True
        if nr == GET_SPEED:
            client.complete(3, 0)  # high speed
            return True
        if nr == CONNECTINFO:
            d = arg.resolve(0, 8)
            d.update(0, list(struct.pack("<IB3x", 2, 0)))
            client.complete(0, 0)
            return True
        if nr == SUBMITURB:
            return self.submit(client, key, arg)
        if nr == DISCARDURB:
            addr = int.from_bytes(bytes(arg.retrieve())[:8], "little")
            for i, (c, urb, buf, ep, length) in enumerate(self.pending_in):
                if c == key and urb.client_addr == addr:
                    del self.pending_in[i]
                    if self.wedged:
                        # A wedged device: the cancel is accepted but the
                        # URB never comes back until "wedge ID off".
                        self.held_discards.append((key, urb, buf))
                        client.complete(0, 0)
                        return True
                    self.done.setdefault(key, []).append((urb, buf, -ENOENT, 0, b""))
                    client.complete(0, 0)
                    return True
            client.complete(-1, EINVAL)
            return True
        log("unhandled ioctl", nr)
        client.complete(-1, ENOTTY)
        return True

    def submit(self, client, key, arg):
        urb = arg.resolve(0, 56)
        raw = bytes(urb.retrieve())
        utype, ep = raw[0], raw[1]
        length = struct.unpack("<i", raw[24:28])[0]
        buf = urb.resolve(16, length) if length > 0 else None
        data = bytes(buf.retrieve()) if buf is not None else b""
        log("submit type=%d ep=0x%02x len=%d" % (utype, ep, length), data.hex() if not ep & 0x80 else "")
        if ep in self.stalls:
            self.stalls.discard(ep)
            self.done.setdefault(key, []).append((urb, buf, -EPIPE, 0, b""))
            client.complete(0, 0)
            return True
        if utype == URB_TYPE_CONTROL:
            status, reply = self.control(data[:8], length - 8, data[8:])
            reply = reply[: max(0, length - 8)]
            self.done.setdefault(key, []).append(
                (urb, buf, status, len(reply), (data[:8] + reply) if reply else b""))
            client.complete(0, 0)
            return True
        if ep & 0x80:
            self.pending_in.append((key, urb, buf, ep, length))
            client.complete(0, 0)
            self.pump()
            return True
        self.received += data
        self.done.setdefault(key, []).append((urb, buf, 0, length, b""))
        client.complete(0, 0)
        self.model.on_out(ep, data)
        return True

    def control(self, setup, wlength, payload):
        bm, req, value, index, _ = struct.unpack("<BBHHH", setup)
        if bm == 0x80 and req == 6:  # GET_DESCRIPTOR
            dtype, didx = value >> 8, value & 0xFF
            if dtype == 3:
                if didx == 0:
                    return 0, bytes([4, 3, 0x09, 0x04])
                s = self.strings.get(didx)
                if s is None:
                    return -EPIPE, b""
                enc = s.encode("utf-16-le")
                return 0, bytes([len(enc) + 2, 3]) + enc
            return -EPIPE, b""
        if bm & 0x60:  # class or vendor request
            return self.model.on_class_request(setup, wlength)
        if bm == 0x00 and req in (9, 3, 1):  # SET_CONFIGURATION, SET/CLEAR_FEATURE
            return 0, b""
        if bm == 0x80 and req == 0:  # GET_STATUS
            return 0, b"\x00\x00"
        return -EPIPE, b""


class Control:
    """The line protocol on the control socket."""

    def __init__(self, path, devices):
        self.devices = devices
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        GLib.io_add_watch(self.sock.fileno(), GLib.IO_IN, self.accept)

    def accept(self, fd, cond):
        conn, _ = self.sock.accept()
        conn.setblocking(False)
        state = {"buf": b""}
        GLib.io_add_watch(conn.fileno(), GLib.IO_IN | GLib.IO_HUP, self.read, conn, state)
        return True

    def read(self, fd, cond, conn, state):
        try:
            chunk = conn.recv(65536)
        except BlockingIOError:
            return True
        if not chunk:
            conn.close()
            return False
        state["buf"] += chunk
        while b"\n" in state["buf"]:
            line, state["buf"] = state["buf"].split(b"\n", 1)
            try:
                reply = "ok " + self.command(line.decode())
            except Exception as e:
                reply = "err " + str(e)
            conn.setblocking(True)
            conn.sendall(reply.rstrip().encode() + b"\n")
            conn.setblocking(False)
        return True

    def command(self, line):
        parts = line.split(" ", 2)
        cmd = parts[0]
        dev = self.devices[parts[1]]
        rest = parts[2] if len(parts) > 2 else ""
        if cmd == "unplug":
            if dev.present:
                dev.unplug()
            return ""
        if cmd == "replug":
            if not dev.present:
                dev.plug()
            return ""
        if cmd == "in":
            dev.queue_in(bytes.fromhex(rest))
            return ""
        if cmd == "type":
            text = rest.replace("\\n", "\n")
            for r in keyboard_reports(text):
                dev.queue_in(r)
            return ""
        if cmd == "set":
            k, v = rest.split(" ", 1)
            dev.params[k] = v
            return ""
        if cmd == "stall":
            dev.stalls.add(int(rest))
            return ""
        if cmd == "hold":
            dev.hold = rest == "on"
            dev.pump()
            return ""
        if cmd == "wedge":
            dev.wedged = rest == "on"
            if not dev.wedged:
                for (key, urb, buf) in dev.held_discards:
                    dev.done.setdefault(key, []).append((urb, buf, -ENOENT, 0, b""))
                dev.held_discards = []
            return ""
        if cmd == "received":
            return dev.received.hex()
        if cmd == "driver":
            return dev.driver
        if cmd == "pending":
            return str(len(dev.pending_in))
        raise ValueError("unknown command " + cmd)


def main():
    # The testbed's uevent sender looks devices up with libudev in this
    # process, so it must see the emulated /sys too (as umockdev-wrapper does).
    if "libumockdev-preload" not in os.environ.get("LD_PRELOAD", ""):
        env = dict(os.environ)
        env["LD_PRELOAD"] = "libumockdev-preload.so.0" + (
            ":" + env["LD_PRELOAD"] if env.get("LD_PRELOAD") else "")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    argv = sys.argv[1:]
    if "--" not in argv or argv.index("--") != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        spec = json.load(f)
    command = argv[2:]

    testbed = UMockdev.Testbed.new()
    devices = {}
    for d in spec["devices"]:
        dev = Device(testbed, d)
        devices[dev.id] = dev
        if d.get("present", True):
            dev.plug()
    if spec.get("control"):
        Control(spec["control"], devices)

    env = dict(os.environ)
    env["UMOCKDEV_DIR"] = testbed.get_root_dir()
    proc = subprocess.Popen(command, env=env)
    loop = GLib.MainLoop()
    result = {}

    def exited(pid, status):
        result["status"] = status
        loop.quit()

    GLib.child_watch_add(GLib.PRIORITY_DEFAULT, proc.pid, exited)
    loop.run()
    status = result.get("status", 1)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + (os.WTERMSIG(status) if os.WIFSIGNALED(status) else 1)


if __name__ == "__main__":
    sys.exit(main())
