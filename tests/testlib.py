"""testlib.py: helpers shared by mpeek's end-to-end tests.

A tiny check counter (each test file ends with "NAME: N passed, N failed"),
process helpers with hard time limits, and board helpers: start QEMU's
micro:bit or the fake board on a pty, and ask a board whether it is back at
its friendly prompt.
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE_HEX = "/usr/share/firmware-microbit-micropython/firmware.hex"
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))


class Checks:
    """Counts checks; prints one line per failure."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.current = ""

    def test(self, title):
        self.current = title
        print("-- %s" % title, flush=True)

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("  FAIL [%s] %s" % (self.current, what), flush=True)
        return cond

    def done(self):
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def stop_group(proc):
    """Stop a process started with start_new_session=True, and its children."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def mpeek_bin():
    return os.environ.get("MPEEK", os.path.join(ROOT, "mpeek"))


def run(args, timeout=60, stdin=None, env=None):
    """Run a command; returns (rc, stdout bytes, stderr text, seconds).
    rc is None if it had to be killed at the time limit."""
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL if stdin is None else stdin,
                         env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        rc = None
    return rc, out, err.decode("utf-8", "replace"), time.monotonic() - t0


def mpeek(args, timeout=60, env=None):
    return run([mpeek_bin()] + list(args), timeout=timeout, env=env)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _read_pty_line(proc, timeout):
    """Read the child's output until QEMU's 'char device redirected' line."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            m = re.search(rb"(/dev/pts/\d+)", buf)
            if m:
                return m.group(1).decode()
    raise RuntimeError("no pty line from %r: %r" % (proc.args, buf))


class Qemu:
    """The BBC micro:bit in QEMU, running Debian's MicroPython firmware.

    Its flash is loaded from firmware.hex rendered over 0xFF (erased flash,
    as on a real micro:bit; QEMU alone would leave the gaps 0x00)."""

    def __init__(self, serial="pty", workdir=None):
        from ihex2bin import load
        self.workdir = workdir or tempfile.mkdtemp(prefix="mpeek-qemu-")
        self.flash = bytes(load(FIRMWARE_HEX, 0, 0x40000))
        self.flash_path = os.path.join(self.workdir, "flash.bin")
        with open(self.flash_path, "wb") as f:
            f.write(self.flash)
        self.tcp_port = None
        args = ["qemu-system-arm", "-M", "microbit", "-device",
                "loader,file=%s,addr=0" % self.flash_path,
                "-display", "none", "-monitor", "none"]
        if serial == "tcp":
            self.tcp_port = free_port()
            args += ["-serial", "tcp:127.0.0.1:%d,server=on,wait=off" % self.tcp_port]
        else:
            args += ["-serial", "pty"]
        # QEMU prints the pty it made on stdout.
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if serial == "tcp":
            self.port = "tcp:127.0.0.1:%d" % self.tcp_port
            time.sleep(0.3)
        else:
            try:
                self.pty = _read_pty_line(self.proc, 10)
            except RuntimeError:
                stop_group(self.proc)
                raise
            self.port = self.pty

    def stop(self):
        stop_group(self.proc)


def _open_port(port):
    if port.startswith("tcp:"):
        _, host, p = port.split(":")
        s = socket.create_connection((host, int(p)), timeout=3)
        return ("sock", s)
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    return ("fd", fd)


def talk(port, data, until, timeout=3.0):
    """Send data to the board and read until `until` (bytes, or a compiled
    bytes regex) appears or the time runs out.  Returns everything read."""
    kind, h = _open_port(port)
    got = b""
    try:
        if kind == "sock":
            h.sendall(data)
            h.setblocking(False)
        else:
            os.write(h, data)
        deadline = time.monotonic() + timeout
        def done():
            if isinstance(until, bytes):
                return until in got
            return until.search(got) is not None
        while time.monotonic() < deadline and not done():
            fd = h.fileno() if kind == "sock" else h
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    chunk = h.recv(4096) if kind == "sock" else os.read(h, 4096)
                except (BlockingIOError, OSError):
                    chunk = b""
                got += chunk
    finally:
        if kind == "sock":
            h.close()
        else:
            os.close(h)
    return got


def at_prompt(port, timeout=3.0):
    """True if the board answers a bare newline with its '>>> ' prompt."""
    return b">>> " in talk(port, b"\r", b">>> ", timeout)
