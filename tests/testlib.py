"""testlib.py: helpers shared by mpeek's end-to-end tests.

A tiny test runner (each test file lists its tests as (name, function)
pairs and ends with "NAME: N passed, N failed", counting tests; -k picks
tests by name, --list names them), process helpers with hard time limits,
and board helpers: start QEMU's micro:bit or the fake board on a pty, and ask
a board whether it is back at its friendly prompt.
"""
import argparse
import fnmatch
import inspect
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
import traceback
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE_HEX = "/usr/share/firmware-microbit-micropython/firmware.hex"
# Modern MicroPython for QEMU's micro:bit: test data, not installed by any
# package.  Tests that need it skip, saying so, when it is absent.
# It lives in shared/firmware/ beside the project's folder.
MODERN_FIRMWARE = os.environ.get(
    "MPEEK_MODERN_FIRMWARE",
    os.path.join(os.path.dirname(ROOT), "shared", "firmware",
                 "micropython-1.29-qemu-microbit.elf"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))


class Skip(Exception):
    """Raised by Checks.skip(): the test cannot run here."""


class Checks:
    """Counts tests (a test passes when all its checks pass); prints one
    line per failed check.  run_tests() starts and ends each test."""

    def __init__(self, name):
        self.name = name
        self.passed = 0    # tests
        self.failed = 0
        self.skipped = 0
        self.current = ""
        self.checks_failed = 0
        self._mark = 0     # checks_failed when the running test began

    def test(self, title):
        """A heading inside a test; failed checks name it."""
        self.current = title
        print("-- %s" % title, flush=True)

    def record(self, cond):
        """Count a check whose failure the caller reports itself."""
        if not cond:
            self.checks_failed += 1
        return cond

    def check(self, cond, what):
        if not self.record(cond):
            print("  FAIL [%s] %s" % (self.current, what), flush=True)
        return cond

    def skip(self, why):
        """End the running test as skipped, saying why (e.g. what is missing)."""
        raise Skip(why)

    def begin(self, name):
        self.current = name
        self._mark = self.checks_failed
        print("== %s" % name, flush=True)

    def end(self, name, skipped=None):
        if self.checks_failed != self._mark:
            self.failed += 1
            print("FAILED %s" % name, flush=True)
        elif skipped is not None:
            self.skipped += 1
            print("SKIPPED %s: %s" % (name, skipped), flush=True)
        else:
            self.passed += 1
        self._mark = self.checks_failed

    def done(self):
        # Checks that failed outside any test (a missing tool) fail one more.
        if self.checks_failed != self._mark:
            self.failed += 1
            self._mark = self.checks_failed
        line = "%s: %d passed, %d failed" % (self.name, self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        print(line, flush=True)
        return 0 if self.failed == 0 else 1


def name_matches(expr, name):
    """pytest's -k: words are case-insensitive substrings of the test's name
    (or glob patterns when they hold * ? or [), joined by and, or, not and
    parentheses.  Raises ValueError for an expression that does not parse."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr)
    if not tokens:
        raise ValueError("empty -k expression")
    out = []
    for t in tokens:
        if t in ("(", ")", "and", "or", "not"):
            out.append(t)
        elif any(ch in t for ch in "*?["):
            out.append(repr(fnmatch.fnmatchcase(name.lower(), t.lower())))
        else:
            out.append(repr(t.lower() in name.lower()))
    try:
        return bool(eval(" ".join(out), {"__builtins__": {}}, {}))
    except SyntaxError:
        raise ValueError("-k %r: use words joined by and, or, not" % expr)


class Fixture:
    """Something tests share, made the first time a test asks for it (by a
    parameter of that name) and stopped after the last test that asks."""

    def __init__(self, make, stop=None):
        self.make = make
        self.stop = stop


def run_tests(name, tests, fixtures=None, before=None, argv=None, checks=None,
              after_each=None):
    """Run the (name, function) pairs in order and return the exit status.

    Each function's parameters name what it gets: c is the Checks object,
    any other name a Fixture from fixtures.  Command line: -k EXPR (see
    name_matches; several -k must all match), --list.  before(c), when
    given, runs once before the first test; False from it ends the run.
    checks: a Checks object to count with (one the file made already);
    after_each(), when given, runs after every test (cleaning up)."""
    fixtures = fixtures or {}
    prog = os.path.basename(sys.argv[0])
    ap = argparse.ArgumentParser(prog=prog, description="%s tests" % name)
    ap.add_argument("-k", dest="k", action="append", default=[], metavar="EXPR",
                    help="run the tests whose name matches EXPR (a substring or a"
                    " glob, with and/or/not)")
    ap.add_argument("--list", action="store_true", help="name the tests and exit")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    names = [n for n, _ in tests]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        print("%s: tests listed twice: %s" % (prog, ", ".join(dup)), file=sys.stderr)
        return 2
    try:
        chosen = [(n, f) for n, f in tests if all(name_matches(k, n) for k in args.k)]
    except ValueError as e:
        print("%s: %s" % (prog, e), file=sys.stderr)
        return 2
    if args.list:
        for n in (n for n, _ in chosen):
            print(n)
        return 0
    if not chosen:
        print("%s: no test matches -k %s; the tests are:\n  %s"
              % (prog, " -k ".join(repr(k) for k in args.k), "\n  ".join(names)),
              file=sys.stderr)
        return 2
    c = checks or Checks(name)
    made = {}
    # A fixture is stopped after the last chosen test that asks for it.
    last_use = {}
    for i, (n, f) in enumerate(chosen):
        for p in inspect.signature(f).parameters:
            last_use[p] = i

    def stop(p):
        v = made.pop(p)
        if fixtures[p].stop is not None:
            try:
                fixtures[p].stop(v)
            except Exception:
                c.check(False, "stopping %s:\n%s" % (p, traceback.format_exc()))

    try:
        if before is not None and before(c) is False:
            return c.done()
        for i, (n, f) in enumerate(chosen):
            c.begin(n)
            skipped = None
            try:
                kw = {}
                for p in inspect.signature(f).parameters:
                    if p == "c":
                        kw[p] = c
                    elif p in fixtures:
                        if p not in made:
                            made[p] = fixtures[p].make()
                        kw[p] = made[p]
                    else:
                        raise TypeError("%s wants %r, which is no fixture" % (n, p))
                f(**kw)
            except Skip as e:
                skipped = str(e)
            except Exception:
                c.check(False, "exception:\n%s" % traceback.format_exc())
            finally:
                if after_each is not None:
                    after_each()
                for p in [p for p in made if last_use.get(p) == i]:
                    stop(p)
            c.end(n, skipped)
    finally:
        for p in reversed(list(made)):
            stop(p)
    return c.done()


def need_modern_firmware(c):
    """Skip the running test, saying so, when the modern firmware is absent."""
    if not os.path.exists(MODERN_FIRMWARE):
        c.skip("needs the modern MicroPython firmware %s (absent; set "
               "MPEEK_MODERN_FIRMWARE to its path)" % MODERN_FIRMWARE)
    return MODERN_FIRMWARE


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


def wait_listening(port, timeout):
    """Wait until something listens on the local TCP port (read from
    /proc/net/tcp: no connection is made, so the listener sees nothing)."""
    want = ":%04X " % port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/net/tcp") as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if len(fields) > 3 and (fields[1] + " ").endswith(want) and fields[3] == "0A":
                        return True
        except OSError:
            time.sleep(0.3)
            return False
        time.sleep(0.02)
    return False


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
            wait_listening(self.tcp_port, 10)
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


# A user's own globals named like mpeek's: they must survive every command.
USER_GLOBALS = b"_mpk=11;_mpkp=12;_mpkd=13;_mpkv=14\r"
USER_VALUES = {"_mpk": "11", "_mpkp": "12", "_mpkd": "13", "_mpkv": "14"}


def settle(port, quiet=1.0, most=20.0):
    """Wait until the board has sent nothing for `quiet` seconds (it may
    still be working through keys queued while it was stopped)."""
    end = time.monotonic() + most
    while time.monotonic() < end:
        if not talk(port, b"", re.compile(b"(?!)"), quiet):
            return


def ask_board(port, code, timeout=5.0):
    """Run code in the board's raw REPL (from its friendly prompt) and
    return what it printed, or None; the board is left at >>> again."""
    got = talk(port, b"\x03\r\x01", b"raw REPL; CTRL-B to exit\r\n>", timeout)
    if not got.endswith(b"raw REPL; CTRL-B to exit\r\n>"):
        return None
    got = talk(port, code.encode() + b"\x04", b"\x04>", timeout)
    talk(port, b"\r\x02", b">>> ", timeout)
    if not got.startswith(b"OK") or b"\x04" not in got:
        return None
    return got[2:got.index(b"\x04")].decode(errors="replace")


def wire_text(path, direction="<"):
    """What a --log file says went one way ("<" received, ">" sent), the
    pieces joined (the log has one line per read or write, which may cut a
    word in two).  Escapes stay as the log writes them."""
    parts = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                fields = line.rstrip("\n").split(" ", 3)
                if len(fields) == 4 and fields[1] == direction:
                    parts.append(fields[3])
    except OSError:
        return ""
    return "".join(parts)


# A read request as mpeek sends it: the helper's call, or the same behind
# the check of this session's marker (the read sent right behind the warm
# probe).
# (Lines as the --log writes them: a newline is \x0a.)
READ_REQ = r"(?:if globals\(\)\.get\('_mpk[0-9a-f]{4}m'\)==\d+:\\x0a )?_mpk[0-9a-f]{4}\("


def sent_ahead(log, addr, length):
    """Whether the read of addr, length went out before the warm probe's
    answer came in: the line of the --log where the request starts against
    the line where "warm=1" is complete (each way's pieces joined: a write
    or a read may cut a word in two)."""
    req = re.compile(READ_REQ + r"%d,%d," % (addr, length))
    try:
        with open(log, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    text = {">": "", "<": ""}
    starts = {">": [], "<": []}
    for i, ln in enumerate(lines):
        fields = ln.split(" ", 3)
        if len(fields) < 4 or fields[1] not in text:
            continue
        starts[fields[1]].append((len(text[fields[1]]), i))
        text[fields[1]] += fields[3]

    def line_of(way, pos):
        return max((i for at, i in starts[way] if at <= pos), default=None)

    m = req.search(text[">"])
    w = text["<"].find("warm=1")
    if m is None or w < 0:
        return False
    return line_of(">", m.start()) < line_of("<", w + len("warm=1") - 1)


def mpk_globals(port):
    """The board's globals whose names start with _mpk, as {name: repr}."""
    out = ask_board(port, "print('\\n'.join(k+' '+repr(globals()[k]) for k in "
                          "sorted(globals()) if k[:4]=='_mpk'))")
    if out is None:
        return None
    res = {}
    for line in out.splitlines():
        if line.strip():
            k, _, v = line.strip().partition(" ")
            res[k] = v
    return res
