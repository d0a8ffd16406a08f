#!/usr/bin/env python3
"""rawexec.py PORT CODE: run CODE on a MicroPython board the way
`mpremote connect PORT resume exec CODE` does, as a baseline for benchmarks.

Steps (MicroPython's tools/mpremote transport_serial.py): Ctrl-C, drain
what is waiting (no sleep), \\r Ctrl-A and wait for the raw banner suffix,
the raw-paste handshake (standard raw mode when the firmware has none), the
code, its output to stdout, then \\r Ctrl-B (no wait, as mpremote).  PORT is
a serial device or pty.  Standard library only.
"""
import os
import select
import sys
import termios
import time
import tty

BANNER = b"raw REPL; CTRL-B to exit\r\n>"


class Link:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.buf = b""

    def write(self, data):
        while data:
            n = os.write(self.fd, data)
            data = data[n:]

    def fill(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            raise TimeoutError("no answer")
        self.buf += os.read(self.fd, 4096)

    def drain(self):
        while select.select([self.fd], [], [], 0)[0]:
            self.buf += os.read(self.fd, 4096)
        self.buf = b""

    def until(self, suffix, timeout=10):
        end = time.monotonic() + timeout
        while True:
            i = self.buf.find(suffix)
            if i >= 0:
                got, self.buf = self.buf[:i + len(suffix)], self.buf[i + len(suffix):]
                return got
            self.fill(max(0.0, end - time.monotonic()))

    def take(self, n, timeout=10):
        end = time.monotonic() + timeout
        while len(self.buf) < n:
            self.fill(max(0.0, end - time.monotonic()))
        got, self.buf = self.buf[:n], self.buf[n:]
        return got


def exec_raw(link, code):
    link.write(b"\x05A\x01")
    rep = link.take(2)
    if rep == b"R\x01":
        win = int.from_bytes(link.take(2), "little")
        link.take(1)
        left, pos = win, 0
        while pos < len(code):
            while left == 0 or link.buf or select.select([link.fd], [], [], 0)[0]:
                c = link.take(1)
                if c == b"\x01":
                    left += win
                elif c == b"\x04":
                    link.write(b"\x04")
                    pos = len(code)
                    break
            n = min(left, len(code) - pos)
            link.write(code[pos:pos + n])
            pos += n
            left -= n
        link.write(b"\x04")
        link.until(b"\x04")
    else:
        if rep == b"ra":
            link.until(b"w REPL; CTRL-B to exit\r\n>")
        elif rep == b"R\x00":
            link.until(b">")
        for i in range(0, len(code), 256):
            link.write(code[i:i + 256])
        link.write(b"\x04")
        if link.take(2) != b"OK":
            raise RuntimeError("no OK")
    out = link.until(b"\x04")[:-1]
    err = link.until(b"\x04")[:-1]
    link.take(1)  # the prompt
    return out, err


def main():
    port, code = sys.argv[1], sys.argv[2].encode()
    link = Link(port)
    link.write(b"\r\x03")
    link.drain()
    link.write(b"\r\x01")
    link.until(BANNER)
    out, err = exec_raw(link, code)
    link.write(b"\r\x02")
    termios.tcdrain(link.fd)
    sys.stdout.buffer.write(out)
    if err:
        sys.stderr.buffer.write(err)
        sys.exit(1)


if __name__ == "__main__":
    main()
