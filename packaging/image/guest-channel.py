#!/usr/bin/env python3
"""Runs one line of /bin/sh in a guest booted by boot-test.sh or
update-test.sh, through the guest channel (a systemd.run= command reading
/dev/ttyS1, which QEMU connects to the UNIX socket SOCK).

Usage: guest-channel.py SOCK COMMAND TIMEOUT

Prints the command's output and exits with its status; 255 when the
channel did not answer within TIMEOUT seconds."""
import re
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
deadline = time.time() + float(sys.argv[3])
buf = b""
while time.time() < deadline:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        continue
    if not chunk:
        break
    buf += chunk
    m = re.search(rb"@@done (\d+)\n", buf)
    if m:
        sys.stdout.write(buf[:m.start()].decode(errors="replace"))
        sys.exit(int(m.group(1)))
sys.stdout.write(buf.decode(errors="replace"))
sys.exit(255)
