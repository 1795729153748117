#!/usr/bin/env python3
"""Relays one connection between stdin/stdout and a TCP port on the host.

QEMU's user network runs this once per guest connection
(-netdev user,restrict=on,guestfwd=tcp:10.0.2.2:6001-cmd:relay.py PORT): the
guest reaches the host's SIP2 simulator at 10.0.2.2:6001, and nothing else
of the host or beyond.
Usage: relay.py PORT
"""
import os
import socket
import sys
import threading

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))


def upstream():
    while True:
        b = os.read(0, 65536)
        if not b:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(b)


threading.Thread(target=upstream, daemon=True).start()
while True:
    b = s.recv(65536)
    if not b:
        break
    os.write(1, b)
