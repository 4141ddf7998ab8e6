#!/usr/bin/env python3
"""Open N PostgreSQL client connections, finish startup + auth, then sit idle.

    idle_clients.py HOST PORT N USER PASSWORD DATABASE

Speaks just enough of the v3 protocol: StartupMessage, then trust (AuthenticationOk),
cleartext or MD5 password, until the first ReadyForQuery. No TLS, no SCRAM.
Prints one line "READY ok=<n> failed=<n> seconds=<s>" when every connection has either
reached ReadyForQuery or failed, then idles until SIGTERM/SIGINT.
"""
import errno
import hashlib
import selectors
import signal
import socket
import struct
import sys
import time

IN_FLIGHT = 200          # handshakes in progress at once (keeps listen backlogs happy)
DEADLINE_SECONDS = 300


def startup_packet(user, database):
    body = struct.pack("!i", 196608)
    body += b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
    return struct.pack("!i", len(body) + 4) + body


def password_message(secret):
    return b"p" + struct.pack("!i", len(secret) + 5) + secret + b"\0"


def md5_secret(user, password, salt):
    inner = hashlib.md5((password + user).encode()).hexdigest().encode()
    return b"md5" + hashlib.md5(inner + salt).hexdigest().encode()


class Conn:
    __slots__ = ("sock", "buf", "connected")

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.connected = False


def main():
    host, port, n, user, password, database = sys.argv[1:7]
    port, n = int(port), int(n)
    sel = selectors.DefaultSelector()
    ready, failed, started = [], 0, 0
    packet = startup_packet(user, database)
    t0 = time.monotonic()

    def open_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            return False
        sel.register(s, selectors.EVENT_WRITE, Conn(s))
        return True

    def finish(conn, ok):
        nonlocal failed
        sel.unregister(conn.sock)
        if ok:
            ready.append(conn.sock)
        else:
            failed += 1
            conn.sock.close()

    while len(ready) + failed < n:
        while started < n and started - len(ready) - failed < IN_FLIGHT:
            started += 1
            if not open_one():
                failed += 1
        if time.monotonic() - t0 > DEADLINE_SECONDS:
            failed += started - len(ready) - failed
            break
        for key, _ in sel.select(timeout=1.0):
            conn = key.data
            try:
                if not conn.connected:
                    err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        finish(conn, False)
                        continue
                    conn.connected = True
                    conn.sock.sendall(packet)
                    sel.modify(conn.sock, selectors.EVENT_READ, conn)
                    continue
                data = conn.sock.recv(65536)
                if not data:
                    finish(conn, False)
                    continue
                conn.buf += data
                done = None
                while len(conn.buf) >= 5 and done is None:
                    kind = conn.buf[0:1]
                    length = struct.unpack("!i", conn.buf[1:5])[0]
                    if len(conn.buf) < 1 + length:
                        break
                    body = conn.buf[5:1 + length]
                    conn.buf = conn.buf[1 + length:]
                    if kind == b"R":
                        code = struct.unpack("!i", body[:4])[0]
                        if code == 5:
                            conn.sock.sendall(password_message(md5_secret(user, password, body[4:8])))
                        elif code == 3:
                            conn.sock.sendall(password_message(password.encode()))
                        elif code != 0:
                            done = False
                    elif kind == b"E":
                        done = False
                    elif kind == b"Z":
                        done = True
                if done is not None:
                    finish(conn, done)
            except OSError:
                finish(conn, False)

    print("READY ok=%d failed=%d seconds=%.1f" % (len(ready), failed, time.monotonic() - t0), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
