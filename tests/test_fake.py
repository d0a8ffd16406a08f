#!/usr/bin/env python3
"""test_fake.py: mpeek end to end against the fake board.

The fake board (tests/fakeboard.py) speaks the REPL protocol byte for byte
and executes mpeek's snippets in CPython over a simulated memory, so every
firmware generation and every fault can be tried: newest firmware
(raw-paste with flow control, uctypes, hashlib, binary stdout), the old
micro:bit firmware, base64-only, hex-only and words-only boards, a link that
is not 8-bit clean, dropped/garbled bytes, a reset in the middle of a read,
silence, a disconnect, garbage before the REPL, a device that is not
MicroPython, a tiny heap, and busy/missing/forbidden ports.
"""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import (ask_board, at_prompt, mpeek, mpeek_bin, mpk_globals, ROOT, run_tests, settle, stop_group, talk, USER_GLOBALS, USER_VALUES, wire_text)  # noqa: E402

FAKE = os.path.join(ROOT, "tests", "fakeboard.py")
TMP = tempfile.mkdtemp(prefix="mpeek-fake-")


class Fake:
    """One fake board on a pty, with its memory dumped for comparison."""

    n = 0

    def __init__(self, *args, dump=True):
        Fake.n += 1
        self.log = os.path.join(TMP, "fake%d.log" % Fake.n)
        self.dump = os.path.join(TMP, "fake%d.bin" % Fake.n)
        self.link = os.path.join(TMP, "tty%d" % Fake.n)
        cmd = ["python3", FAKE, "--log", self.log, "--link", self.link] + list(args)
        if dump:
            cmd += ["--dump-mem", "0:0x40000:%s" % self.dump]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        line = self.proc.stderr.readline().decode()
        m = re.search(r"(/dev/pts/\d+)", line)
        if not m:
            raise RuntimeError("fake board did not start: %r" % line)
        self.pty = m.group(1)
        # The dump is written at start-up; wait for it.
        deadline = time.monotonic() + 5
        while dump and not os.path.exists(self.dump) and time.monotonic() < deadline:
            time.sleep(0.02)

    def memory(self, addr=0, size=0x40000):
        with open(self.dump, "rb") as f:
            return f.read()[addr:addr + size]

    def events(self):
        try:
            with open(self.log) as f:
                return [line.strip() for line in f]
        except OSError:
            return []

    def stop(self):
        stop_group(self.proc)


def left_clean(c, fb, what):
    """The board is back at >>>, was never soft-reset, window respected."""
    c.check(at_prompt(fb.pty), "%s: board answers >>> afterwards" % what)
    ev = fb.events()
    c.check("soft-reset" not in ev, "%s: never soft-reset the board" % what)
    c.check("window-overflow" not in ev, "%s: raw-paste window respected" % what)
    modes = [e for e in ev if e.startswith("mode ")]
    c.check(modes and modes[-1] == "mode friendly", "%s: left in the friendly REPL (%s)"
            % (what, modes[-1:]))


def read_check(c, fb, what, addr=0, size=0x40000, extra=(), timeout=120, guard=False):
    """Read and compare with the board's memory.  The fake board's generic
    presets lay memory out like no real chip, so protocol tests read with
    --unsafe; guard=True keeps the region check (presets with a profile)."""
    out = os.path.join(TMP, "out.bin")
    if os.path.exists(out):
        os.unlink(out)
    rc, _, err, secs = mpeek(["--port", fb.pty] + list(extra) + ([] if guard else ["--unsafe"]) +
                             ["read", hex(addr), hex(size), "-o", out], timeout=timeout)
    c.check(rc == 0, "%s: read exits 0 (rc=%r, %s)" % (what, rc, err.strip()))
    data = open(out, "rb").read() if os.path.exists(out) else b""
    c.check(data == fb.memory(addr, size), "%s: %d bytes equal the board's memory"
            % (what, size))
    return err


def presets(c):
    expect = {
        "new": ("raw-paste: yes", "binary via sys.stdout.buffer, uctypes.bytearray_at, verified by sha256"),
        "old": ("raw-paste: no", "binary via microbit.uart, machine.mem8, verified by int.from_bytes mod p"),
        "nrf": ("raw-paste: yes", "base64 via print, machine.mem8, verified by int.from_bytes mod p"),
        "hexonly": ("raw-paste: yes", "hex via print"),
        "words": ("raw-paste: yes", "hex words via print, machine.mem32, verified by word checksum"),
    }
    for preset, (paste, method) in expect.items():
        c.test("preset %s" % preset)
        fb = Fake("--preset", preset)
        try:
            rc, out, err, _ = mpeek(["--port", fb.pty, "info"], timeout=60)
            text = out.decode()
            c.check(rc == 0, "info exits 0 (%s)" % err.strip())
            c.check(paste in text, "%s: %r" % (paste, text))
            c.check(method in text, "method %r in %r" % (method, text))
            heap = re.search(r"helper heap: (\d+) bytes", text)
            c.check(heap and 0 < int(heap.group(1)) < 2048,
                    "helper heap reported and small: %r" % (heap and heap.group(1)))
            read_check(c, fb, preset, guard=preset == "old")
            # Unaligned start and odd length (words method must trim).
            read_check(c, fb, preset + " unaligned", addr=0x1233, size=1001,
                       guard=preset == "old")
            left_clean(c, fb, preset)
            if preset == "new":
                c.check("raw-paste-start" in fb.events(), "raw-paste used on new firmware")
        finally:
            fb.stop()


def links(c):
    c.test("a link that is not 8-bit clean falls back to base64")
    fb = Fake("--preset", "new", "--line7bit")
    try:
        rc, out, err, _ = mpeek(["--port", fb.pty, "info"], timeout=60)
        text = out.decode()
        # A 7-bit link mangles the board's text too, so only the choice of
        # method matters here.
        c.check("not 8-bit clean" in text and "read method: base64" in text,
                "binary refused, base64 chosen: %r %r" % (text, err))
        c.check("raw-paste: no" in text, "a mangled raw-paste window is not used")
        read_check(c, fb, "7-bit link", size=0x8000)
        left_clean(c, fb, "7-bit link")
    finally:
        fb.stop()

    c.test("a progress bar when stderr is a terminal, none otherwise")
    fb = Fake("--preset", "new", "--baud", "230400")
    try:
        import pty as ptymod
        master, slave = ptymod.openpty()
        p = subprocess.Popen([mpeek_bin(), "--port", fb.pty, "--unsafe", "read", "0", "48K", "-o",
                              os.path.join(TMP, "prog.bin")], stdout=subprocess.DEVNULL,
                             stderr=slave)
        os.close(slave)
        seen = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        p.wait(10)
        os.close(master)
        c.check(p.returncode == 0, "read through a terminal stderr exits 0")
        c.check(b"%" in seen and b"KiB/s" in seen and b"[#" in seen,
                "progress bar drawn: %r" % seen[-120:])
        rc, out, err, _ = mpeek(["--port", fb.pty, "--unsafe", "read", "0", "48K", "-o",
                                 os.path.join(TMP, "prog.bin")])
        c.check(rc == 0 and err == "", "no progress bar into a pipe: %r" % err)
    finally:
        fb.stop()

    c.test("forced methods on the newest firmware")
    fb = Fake("--preset", "new")
    try:
        for m in ("b64", "hex", "words", "bin"):
            read_check(c, fb, "--method " + m, addr=0x1FF00, size=0x2300,
                       extra=["--method", m])
        rc, out, err, _ = mpeek(["--port", fb.pty, "--method", "nope", "info"])
        c.check(rc not in (0, None) and "--method" in err, "bad --method refused: %r" % err)
        left_clean(c, fb, "forced methods")
    finally:
        fb.stop()


def faults(c):
    for kind, n, what in (("garble", 5000, "a garbled byte"),
                          ("drop", 7000, "a dropped byte"),
                          ("garble", 3000, "three garbled bytes", )):
        c.test("recovers from %s" % what)
        spec = "%s:%d" % (kind, n) + (":3" if "three" in what else "")
        fb = Fake("--preset", "new", "--fault", spec)
        wire = os.path.join(TMP, "wire-%s-%d.log" % (kind, n))
        try:
            read_check(c, fb, what, size=0x20000, extra=["--log", wire])
            log = open(wire, errors="replace").read() if os.path.exists(wire) else ""
            calls = re.findall(r"> \d+ _mpk[0-9a-f]{4}\((\d+),(\d+),(\d+)\)", log)
            c.check(len(calls) > 0x20000 // (16 * 4096),
                    "some chunk was read again (%d requests)" % len(calls))
            left_clean(c, fb, what)
        finally:
            fb.stop()

    for preset in ("new", "old"):
        c.test("a reset in the middle of a read (%s firmware)" % preset)
        fb = Fake("--preset", preset, "--fault", "reset:9000")
        try:
            read_check(c, fb, "reset mid-read", size=0x10000)
            c.check("reset-injected" in fb.events(), "the reset happened")
            c.check(at_prompt(fb.pty), "board at >>> afterwards")
        finally:
            fb.stop()

    c.test("a board that goes silent mid-read")
    fb = Fake("--preset", "new", "--fault", "silence:20000")
    try:
        rc, out, err, secs = mpeek(["--port", fb.pty, "--timeout", "2", "--unsafe", "read", "0", "0x40000",
                                    "-o", os.path.join(TMP, "silent.bin")], timeout=60)
        c.check(rc not in (0, None), "non-zero exit (rc=%r)" % rc)
        c.check(secs < 20, "bounded time (%.1f s)" % secs)
        c.check("stopped answering" in err and err.count("\n") == 1, "one-line error: %r" % err)
        c.check(not os.path.exists(os.path.join(TMP, "silent.bin")),
                "no partial file written")
    finally:
        fb.stop()

    c.test("a board that disconnects mid-read")
    fb = Fake("--preset", "new", "--fault", "disconnect:20000")
    try:
        rc, out, err, secs = mpeek(["--port", fb.pty, "--unsafe", "read", "0", "0x40000", "--format", "bin"],
                                   timeout=60)
        c.check(rc not in (0, None), "non-zero exit (rc=%r)" % rc)
        c.check(secs < 15, "bounded time (%.1f s)" % secs)
        c.check("lost the board" in err and err.count("\n") == 1, "one-line error: %r" % err)
        c.check(not out, "nothing shown as data")
    finally:
        fb.stop()

    c.test("garbage on the line before the REPL")
    fb = Fake("--preset", "new", "--fault", "noise:3000")
    try:
        read_check(c, fb, "after noise", size=0x1000)
    finally:
        fb.stop()

    c.test("interrupts a program running on the board")
    fb = Fake("--preset", "new")
    try:
        got = talk(fb.pty, b"while 1: print('spam')\r\r", b"spam\r\nspam", timeout=5)
        c.check(b"spam\r\nspam" in got, "the loop runs: %r" % got[-40:])
        read_check(c, fb, "after interrupting", size=0x100)
        c.check("kbd-interrupt" in fb.events(), "it was interrupted with Ctrl-C")
        left_clean(c, fb, "interrupted program")
    finally:
        fb.stop()

    c.test("a device that is not MicroPython")
    fb = Fake("--preset", "notpython")
    try:
        rc, out, err, secs = mpeek(["--port", fb.pty, "info"], timeout=30)
        c.check(rc not in (0, None) and "does not answer like a MicroPython REPL" in err,
                "clear error: %r" % err)
        c.check(secs < 15, "bounded time (%.1f s)" % secs)
    finally:
        fb.stop()

    c.test("a tiny heap: MemoryError halves the chunk")
    fb = Fake("--preset", "old")
    wire = os.path.join(TMP, "wire-heap.log")
    try:
        read_check(c, fb, "chunks too big for the heap", size=0x8000,
                   extra=["--log", wire, "--chunk", "8K"])
        log = open(wire, errors="replace").read() if os.path.exists(wire) else ""
        # (what was sent, joined: the log cuts old firmware's input into
        # 32-byte slices, which may cut a request in two)
        sizes = [int(x) for x in re.findall(r"_mpk[0-9a-f]{4}\(\d+,\d+,(\d+)\)",
                                            wire_text(wire, ">"))]
        c.check("MemoryError" in log, "the board ran out of heap")
        c.check(sizes and sizes[0] == 8192 and min(sizes) < 8192,
                "the chunk was halved: %s" % sorted(set(sizes)))
        left_clean(c, fb, "tiny heap")
    finally:
        fb.stop()
    for heap in ("3000", "5000"):
        fb = Fake("--preset", "old", "--heap", heap)
        try:
            read_check(c, fb, "a %s-byte heap" % heap, size=0x2000)
        finally:
            fb.stop()


def regions_csv(c, fb, what):
    rc, out, err, _ = mpeek(["--port", fb.pty, "regions", "--format", "csv"], timeout=60)
    c.check(rc == 0, "%s: regions exits 0 (%s)" % (what, err.strip()))
    rows = {}
    for line in out.decode().splitlines()[1:]:
        f = line.split(",", 7)
        rows.setdefault(f[0], []).append(f)
    rc, out, err, _ = mpeek(["--port", fb.pty, "regions"], timeout=60)
    return rows, out.decode()


def dump_of(fb, start, size):
    path = os.path.join(TMP, "dump-%x-%x.bin" % (start, size))
    return path, ["--dump-mem", "%#x:%#x:%s" % (start, size, path)]


def port_maps(c):
    c.test("esp8266: discovery, word reads on the instruction bus")
    iram, iram_args = dump_of(None, 0x40100000, 0x100)
    fb = Fake("--preset", "esp8266", *iram_args, dump=False)
    try:
        rows, text = regions_csv(c, fb, "esp8266")
        fw = rows.get("firmware", [[None] * 8])[0]
        c.check(fw[1:3] == ["0x40200000", "0x40300000"] and fw[6] == "board",
                "firmware window from esp.flash_user_start: %r" % fw)
        c.check("flash chip: 4 MiB" in text and "beyond the memory-mapped first 1 MiB" in text,
                "flash size and the unmapped filesystem noted: %r" % text[-600:])
        heap = rows.get("gc-heap", [[None] * 8])[0]
        c.check(heap[1] == "0x3ffef0c0" and heap[5] == "heap", "GC heap in DRAM: %r" % heap)
        out = os.path.join(TMP, "iram.bin")
        rc, _, err, _ = mpeek(["--port", fb.pty, "read", "0x40100000", "0x100", "-o", out])
        c.check(rc == 0 and open(out, "rb").read() == open(iram, "rb").read(),
                "IRAM read with word loads (%s)" % err.strip())
        c.check(not any(e.startswith("fault") for e in fb.events()),
                "the board did not fault: %r" % [e for e in fb.events() if "fault" in e])
        rc, _, err, _ = mpeek(["--port", fb.pty, "read", "0x60000000", "4"])
        c.check(rc not in (0, None) and "not safe to read" in err, "peripherals refused: %r" % err)
        left_clean(c, fb, "esp8266")
    finally:
        fb.stop()

    c.test("esp32: partitions and a split heap")
    fb = Fake("--preset", "esp32", dump=False)
    try:
        rows, text = regions_csv(c, fb, "esp32")
        for part in ("partition factory: app/0x00 at flash offset 0x10000",
                     "partition nvs: data/0x02 at flash offset 0x9000",
                     "partition vfs: data/0x81 at flash offset 0x200000, 2 MiB"):
            c.check(part in text, "%s: %r" % (part, text[-800:]))
        c.check("gc-heap-1" in rows and "gc-heap-2" in rows, "two heap areas: %r" % list(rows))
        c.check(rows.get("gc-heap-2", [[None] * 8])[0][1] == "0x3ffd70d0",
                "second area where mem_info says")
        rc, _, err, _ = mpeek(["--port", fb.pty, "read", "0x3f400000", "16"])
        c.check(rc not in (0, None) and "not safe to read" in err,
                "the flash data window is refused: %r" % err)
        left_clean(c, fb, "esp32")
    finally:
        fb.stop()

    c.test("rp2: the filesystem and flash size from rp2.Flash")
    xip, xip_args = dump_of(None, 0x10000000, 0x1000)
    fb = Fake("--preset", "rp2", *xip_args, dump=False)
    try:
        rows, text = regions_csv(c, fb, "rp2")
        fs = rows.get("filesystem", [[None] * 8])[0]
        fl = rows.get("flash", [[None] * 8])[0]
        c.check(fs[1:3] == ["0x100a0000", "0x10200000"] and fs[6] == "board",
                "filesystem from rp2.Flash: %r" % fs)
        c.check(fl[1:3] == ["0x10000000", "0x10200000"] and fl[6] == "board",
                "flash 2 MiB: %r" % fl)
        out = os.path.join(TMP, "xip.bin")
        rc, _, err, _ = mpeek(["--port", fb.pty, "read", "0x10000000", "0x1000", "-o", out])
        c.check(rc == 0 and open(out, "rb").read() == open(xip, "rb").read(),
                "XIP flash read (%s)" % err.strip())
        rc, _, err, _ = mpeek(["--port", fb.pty, "read", "0x18000000", "4"])
        c.check(rc not in (0, None) and "not safe to read" in err and "SSI" in err,
                "the SSI is refused with its reason: %r" % err)
        c.check(not any(e.startswith("fault") for e in fb.events()), "no fault on the board")
        left_clean(c, fb, "rp2")
    finally:
        fb.stop()

    c.test("micro:bit firmware (fake): FICR sizes, implausible RAM noted")
    fb = Fake("--preset", "old")
    try:
        rows, text = regions_csv(c, fb, "old")
        fl = rows.get("flash", [[None] * 8])[0]
        c.check(fl[1:4] == ["0x00000000", "0x00040000", "0x40000"] and fl[6] == "board", "%r" % fl)
        c.check("implausible" in text, "implausible FICR RAM noted")
    finally:
        fb.stop()
    fb = Fake("--preset", "old", "--ficr", "real")
    try:
        rows, text = regions_csv(c, fb, "old real FICR")
        ram = rows.get("ram", [[None] * 8])[0]
        c.check(ram[1:3] == ["0x20000000", "0x20004000"] and ram[6] == "board"
                and "profile agrees" in ram[7], "RAM measured and confirmed: %r" % ram)
    finally:
        fb.stop()


def ports(c):
    c.test("a missing port")
    rc, out, err, secs = mpeek(["--port", "/dev/ttyNOPE9", "info"], timeout=10)
    c.check(rc not in (0, None) and "no such port /dev/ttyNOPE9" in err and "mpeek ports" in err,
            "names the port and the fix: %r" % err)

    c.test("a busy port")
    fb = Fake("--preset", "new")
    try:
        fd = os.open(fb.pty, os.O_RDWR | os.O_NOCTTY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, out, err, secs = mpeek(["--port", fb.pty, "info"], timeout=10)
        c.check(rc not in (0, None) and "busy" in err and ("pid %d" % os.getpid()) in err,
                "busy, names the holder: %r" % err)
        os.close(fd)
        rc, out, err, secs = mpeek(["--port", fb.link, "info"], timeout=30)
        c.check(rc == 0, "works through a symlink once free (%r)" % err)
    finally:
        fb.stop()

    c.test("a port without permission")
    runuser = shutil.which("runuser") or shutil.which("setpriv")
    if os.getuid() == 0 and runuser:
        fb = Fake("--preset", "new")
        try:
            os.chmod(fb.pty, 0o600)
            # A copy the other user can run, wherever this tree lives.
            pubdir = tempfile.mkdtemp(prefix="mpeek-perm-")
            os.chmod(pubdir, 0o755)
            binary = os.path.join(pubdir, "mpeek")
            shutil.copy(mpeek_bin(), binary)
            os.chmod(binary, 0o755)
            if "runuser" in runuser:
                cmd = [runuser, "-u", "nobody", "--", binary]
            else:
                cmd = [runuser, "--reuid=65534", "--regid=65534", "--clear-groups", binary]
            p = subprocess.run(cmd + ["--port", fb.pty, "info"], capture_output=True,
                               timeout=20, text=True)
            c.check(p.returncode != 0 and "permission denied" in p.stderr and "dialout" in p.stderr,
                    "names the port and the dialout group: %r" % p.stderr)
            shutil.rmtree(pubdir, ignore_errors=True)
        finally:
            fb.stop()
    else:
        print("  (not root: permission test skipped)")

    c.test("signals leave the board in the friendly REPL")
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        fb = Fake("--preset", "new", "--baud", "230400")
        try:
            p = subprocess.Popen([mpeek_bin(), "--port", fb.pty, "--unsafe", "read", "0", "0x40000",
                                  "-o", os.path.join(TMP, "sig.bin")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(2.0)
            p.send_signal(sig)
            try:
                _, err = p.communicate(timeout=20)
                c.check(p.returncode != 0, "%s: non-zero exit" % sig.name)
            except subprocess.TimeoutExpired:
                p.kill()
                c.check(False, "%s: mpeek did not stop" % sig.name)
            left_clean(c, fb, sig.name)
        finally:
            fb.stop()

FIX = os.path.join(ROOT, "build", "fixtures")


def images(c):
    """verify and frozen against boards of every method."""
    for preset, extra in (("new", ["--unsafe"]), ("old", []), ("words", ["--unsafe"])):
        c.test("verify a flash image (%s firmware)" % preset)
        fb = Fake("--preset", preset)
        try:
            flash = fb.memory(0, 0x40000)
            good = os.path.join(TMP, "flash-%s.bin" % preset)
            with open(good, "wb") as f:
                f.write(flash[:0x20000])
            rc, out, err, _ = mpeek(["--port", fb.pty] + extra +
                                    ["verify", "--base", "0", good], timeout=180)
            text = out.decode()
            c.check(rc == 0, "%s: equal image exits 0 (rc=%r, %s, %r)" % (preset, rc, err, text))
            c.check("128 KiB matched by digest on the board, 0 bytes read" in text,
                    "%s: matched by digest alone, nothing read: %r" % (preset, text))
            bad = os.path.join(TMP, "flash-%s-bad.bin" % preset)
            changed = bytearray(flash[:0x20000])
            changed[0x1234] ^= 0xFF
            changed[0x1240] ^= 0x01
            with open(bad, "wb") as f:
                f.write(changed)
            rc, out, err, _ = mpeek(["--port", fb.pty] + extra +
                                    ["verify", "%s@0" % bad], timeout=180)
            text = out.decode()
            c.check(rc == 3, "%s: changed image exits 3 (rc=%r, %s)" % (preset, rc, err))
            c.check("DIFFERENT: 2 bytes differ, first at 0x00001234 (image 0x%02x, board 0x%02x)"
                    % (changed[0x1234], flash[0x1234]) in text, "%s: %r" % (preset, text))
            m = re.search(r"matched by digest on the board, (.*) read\)", text)
            nread = -1
            if m is not None:
                num, unit = (m.group(1).split() + ["bytes"])[:2]
                nread = float(num) * (1024 if unit == "KiB" else 1)
            c.check(0 < nread <= 4096, "%s: only the differing block was read: %r"
                    % (preset, m and m.group(1)))
            left_clean(c, fb, "verify " + preset)
        finally:
            fb.stop()

    c.test("frozen modules without an ELF: the names in the board's flash")
    fb = Fake("--preset", "rp2", dump=False)
    try:
        rc, out, err, _ = mpeek(["--port", fb.pty, "frozen"], timeout=180)
        text = out.decode()
        c.check(rc == 0 and text.startswith("13 frozen modules named in the board's flash "
                                            "(name table at 0x10040100)"),
                "the table is found (rc=%r, %r, %r)" % (rc, err, text[:200]))
        for name in ("_boot.py", "asyncio/__init__.py", "rp2.py", "neopixel.py"):
            c.check(re.search(r"^  %s$" % re.escape(name), text, re.M) is not None,
                    "%s listed" % name)
        c.check("mpeek frozen --image firmware.elf" in text, "says what gives addresses and digests")
        rc, out, err, _ = mpeek(["--port", fb.pty, "frozen", "--format", "csv"], timeout=180)
        c.check(rc not in (0, None) and "--image" in err and err.count("\n") == 1,
                "a manifest needs the ELF: %r" % err)
        left_clean(c, fb, "frozen scan")
    finally:
        fb.stop()

    c.test("verify on the ESP8266 instruction bus: word reads only")
    fb = Fake("--preset", "esp8266", dump=False)
    try:
        img = os.path.join(TMP, "irom.bin")
        rc, _, err, _ = mpeek(["--port", fb.pty, "read", "0x40200000", "0x4000", "-o", img],
                              timeout=120)
        c.check(rc == 0, "read the mapped flash (%s)" % err)
        rc, out, err, _ = mpeek(["--port", fb.pty, "verify", img + "@0x40200000"], timeout=120)
        c.check(rc == 0 and b"16 KiB matched by digest on the board, 0 bytes read" in out,
                "equal by word digests (rc=%r, %r, %r)" % (rc, err, out))
        data = bytearray(open(img, "rb").read())
        data[0x123] ^= 1
        with open(img, "wb") as f:
            f.write(data)
        rc, out, err, _ = mpeek(["--port", fb.pty, "verify", img + "@0x40200000"], timeout=120)
        c.check(rc == 3 and b"DIFFERENT: 1 byte differs, first at 0x40200123" in out,
                "the changed byte found (rc=%r, %r)" % (rc, out))
        rc, out, err, _ = mpeek(["--port", fb.pty, "frozen"], timeout=180)
        c.check(rc == 0 and out.startswith(b"no frozen modules"), "frozen scan: %r %r"
                % (out[:100], err))
        c.check(not any(e.startswith("fault") for e in fb.events()),
                "no byte load on the instruction bus (no fault): %r"
                % [e for e in fb.events() if e.startswith("fault")][:3])
        left_clean(c, fb, "esp8266 verify")
    finally:
        fb.stop()

    elf = os.path.join(FIX, "frozen_v119.elf")
    binf = os.path.join(FIX, "frozen_v119.bin")
    c.test("frozen modules read from the board at the ELF's addresses")
    rc, want, err, _ = mpeek(["frozen", "--image", elf, "--format", "csv"], timeout=30)
    c.check(rc == 0 and want.count(b"\n") >= 3, "offline manifest (%r, %r)" % (err, want))
    manifest = os.path.join(TMP, "manifest.csv")
    with open(manifest, "wb") as f:
        f.write(want)
    fb = Fake("--preset", "new", "--mem", "flash:0:0x40000:file=%s" % binf,
              "--mem", "ram:0x20000000:0x10000:zero", dump=False)
    try:
        rc, out, err, _ = mpeek(["--port", fb.pty, "--unsafe", "--image", elf, "frozen",
                                 "--format", "csv"], timeout=120)
        c.check(rc == 0 and out == want, "the board's manifest equals the image's (%r, %r)"
                % (err, out))
        rc, out, err, _ = mpeek(["--port", fb.pty, "--unsafe", "--image", elf, "frozen",
                                 "--compare", manifest], timeout=120)
        c.check(rc == 0 and b"changed" not in out.replace(b"0 changed", b""),
                "compare: all same (rc=%r, %r)" % (rc, out))
        left_clean(c, fb, "frozen")
    finally:
        fb.stop()
    # The same board with one byte of the first bytecode module changed.
    rows = [r.split(",") for r in want.decode().splitlines()[1:]]
    data = bytearray(open(binf, "rb").read())
    target = int(rows[0][1], 16) if rows else 0
    data[target] ^= 0x01
    changed = os.path.join(TMP, "frozen-changed.bin")
    with open(changed, "wb") as f:
        f.write(data)
    fb = Fake("--preset", "new", "--mem", "flash:0:0x40000:file=%s" % changed,
              "--mem", "ram:0x20000000:0x10000:zero", dump=False)
    try:
        rc, out, err, _ = mpeek(["--port", fb.pty, "--unsafe", "--image", elf, "frozen",
                                 "--compare", manifest], timeout=120)
        text = out.decode()
        c.check(rc == 3 and re.search(r"^changed +%s" % re.escape(rows[0][0]), text, re.M),
                "compare names the changed module %s (rc=%r, %r, %r)"
                % (rows and rows[0][0], rc, text, err))
    finally:
        fb.stop()


def out_file(c):
    """-o FILE is the whole result or left as it was."""
    import resource
    c.test("-o FILE: a failed write leaves the old file")
    old = b"the old contents\n"
    out = os.path.join(TMP, "kept.bin")

    def small_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100000, 100000))

    fb = Fake("--preset", "new")
    try:
        open(out, "wb").write(old)
        p = subprocess.run([mpeek_bin(), "--port", fb.pty, "--unsafe", "read", "0", "0x40000",
                            "-o", out], capture_output=True, timeout=120, preexec_fn=small_limit)
        err = p.stderr.decode("utf-8", "replace")
        c.check(p.returncode == 1, "exits 1, not killed by SIGXFSZ (rc=%r)" % p.returncode)
        c.check(out in err and "too large" in err and err.count("\n") == 1,
                "one line naming the file and the reason: %r" % err)
        c.check(open(out, "rb").read() == old, "the old file is untouched")
        c.check(sorted(os.listdir(TMP)).count("kept.bin") == 1 and
                not [n for n in os.listdir(TMP) if n.startswith(".kept.bin.")],
                "no temporary file left: %r" % os.listdir(TMP))
        left_clean(c, fb, "size limit")
        p = subprocess.run([mpeek_bin(), "--port", fb.pty, "--unsafe", "read", "0", "0x1000",
                            "-o", "/dev/full"], capture_output=True, timeout=60)
        err = p.stderr.decode("utf-8", "replace")
        c.check(p.returncode == 1 and "/dev/full" in err, "/dev/full: an error: %r" % err)
        p = subprocess.run([mpeek_bin(), "--port", fb.pty, "--unsafe", "read", "0", "0x1000",
                            "-o", out], capture_output=True, timeout=60)
        c.check(p.returncode == 0 and open(out, "rb").read() == fb.memory(0, 0x1000),
                "a good read replaces it whole (rc=%r)" % p.returncode)
        c.check(not [n for n in os.listdir(TMP) if n.startswith(".kept.bin.")],
                "no temporary file left after success")
    finally:
        fb.stop()

    c.test("-o FILE: Ctrl-C leaves the old file")
    fb = Fake("--preset", "new", "--baud", "230400")
    try:
        open(out, "wb").write(old)
        p = subprocess.Popen([mpeek_bin(), "--port", fb.pty, "--unsafe", "read", "0", "0x40000",
                              "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(2.0)
        p.send_signal(signal.SIGINT)
        try:
            p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        c.check(p.returncode != 0, "non-zero exit (rc=%r)" % p.returncode)
        c.check(open(out, "rb").read() == old, "the old file is untouched")
        c.check(not [n for n in os.listdir(TMP) if n.startswith(".kept.bin.")],
                "no temporary file left")
    finally:
        fb.stop()


def terminal_safe(data):
    """No control bytes but newlines (and no DEL, no C1) in what mpeek printed."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return not any((ord(ch) < 0x20 and ch != "\n") or 0x7f <= ord(ch) <= 0x9f for ch in data)


def hostile_board(c):
    """A board whose machine and firmware strings hold terminal control
    sequences: every command shows them escaped."""
    c.test("a board's hostile machine and firmware strings are shown escaped")
    machine = "\x1b[2J\x1b[Hevil\x1b]0;pwned\x07 with RP2040"
    firmware = "\x1b[31mv9\u009b2J"
    fb = Fake("--preset", "new", "--machine", machine, "--firmware", firmware)
    try:
        rc, out, err, _ = mpeek(["--port", fb.pty, "info"], timeout=60)
        text = out.decode("utf-8", "replace")
        c.check(rc == 0, "info exits 0 (rc=%r, %r)" % (rc, err))
        c.check(terminal_safe(out) and terminal_safe(err), "info: no raw control bytes: %r" % text)
        c.check("machine: \\x1b[2J\\x1b[Hevil\\x1b]0;pwned\\x07 with RP2040" in text,
                "the machine string, escaped: %r" % text)
        c.check("firmware: \\x1b[31mv9\\xc2\\x9b2J" in text, "the firmware string, escaped: %r"
                % text)
        for args in (["regions"], ["regions", "--format", "csv"], ["regions", "--format", "json"],
                     ["heap"], ["where", "0x20001000"]):
            rc, out, err, _ = mpeek(["--port", fb.pty] + args, timeout=60)
            c.check(rc == 0 and terminal_safe(out) and terminal_safe(err),
                    "%s: no raw control bytes (rc=%r): %r %r" % (args, rc, out[-300:], err))
        left_clean(c, fb, "hostile strings")
    finally:
        fb.stop()


# ---------------------------------------------------------------------------
# The board is left as found; nothing the board sends can take over.



def check_found_as_left(c, fb, what, user=True):
    """At >>> in the friendly REPL, mpeek's names gone, the user's kept."""
    settle(fb.pty)
    c.check(at_prompt(fb.pty), "%s: board answers >>> afterwards" % what)
    g = mpk_globals(fb.pty)
    want = dict(USER_VALUES) if user else {}
    c.check(g == want, "%s: the board's _mpk* globals are the user's own: %r" % (what, g))


def spawn_mpeek(args):
    return subprocess.Popen([mpeek_bin()] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def finish(p, timeout):
    """Wait for mpeek; returns (rc, stderr text, max RSS in KiB) or rc None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # os.kill, not p.send_signal (it may reap the child) keeps wait4's
        # resource use.
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            err = p.stderr.read().decode(errors="replace")
            p.stdout.read()
            return p.returncode, err, ru.ru_maxrss
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    return None, "", 0


def user_globals(c):
    c.test("a user's own globals named like mpeek's survive every command")
    fb = Fake("--preset", "rp2", dump=False)
    try:
        got = talk(fb.pty, USER_GLOBALS, b">>> ")
        c.check(mpk_globals(fb.pty) == USER_VALUES, "the user's globals are set")
        for args in (["info"], ["regions"], ["read", "0x20000000", "4K", "--format", "bin"],
                     ["--method", "words", "read", "0x20000000", "256", "--format", "bin"]):
            rc, out, err, _ = mpeek(["--port", fb.pty] + args, timeout=60)
            c.check(rc == 0, "%s exits 0 (%s)" % (args, err.strip()))
            check_found_as_left(c, fb, " ".join(args))
        ev = fb.events()
        c.check("soft-reset" not in ev, "never soft-reset the board")
    finally:
        fb.stop()


def signals(c):
    out = os.path.join(TMP, "sig.bin")
    # A second (and third) Ctrl-C 0.05-0.3 s after the first: the clean-up
    # still finishes, or is abandoned (third) and says so.
    for delays, what in (([0.05], "a second SIGINT 0.05 s after the first"),
                         ([0.3], "a second SIGINT 0.3 s after the first"),
                         ([0.1, 0.1], "a third SIGINT"),
                         ([], "one SIGINT")):
        c.test("%s during a long read" % what)
        fb = Fake("--preset", "new", "--baud", "115200", dump=False)
        try:
            talk(fb.pty, USER_GLOBALS, b">>> ")
            p = spawn_mpeek(["--port", fb.pty, "--unsafe", "read", "0", "0x40000", "-o", out])
            time.sleep(1.5)
            os.kill(p.pid, signal.SIGINT)
            for d in delays:
                time.sleep(d)
                os.kill(p.pid, signal.SIGINT)
            rc, err, _ = finish(p, 40)
            c.check(rc == 130, "exit status 130 (rc=%r, %r)" % (rc, err))
            c.check(err.count("\n") == 1 and err.startswith("mpeek: interrupted"),
                    "one line that says it was interrupted: %r" % err)
            if len(delays) < 2:
                c.check("the board was left in its friendly REPL" in err,
                        "says the board was given back: %r" % err)
            else:
                c.check("abandoned" in err and "unknown" in err
                        and "left in its friendly REPL" not in err,
                        "says the clean-up was abandoned, nothing more: %r" % err)
            # Even abandoned, the keys that restore the board were sent.
            check_found_as_left(c, fb, what)
        finally:
            fb.stop()

    for sig, code, word in ((signal.SIGTERM, 143, "terminated"),
                            (signal.SIGHUP, 129, "hung up")):
        c.test("%s exits %d" % (sig.name, code))
        fb = Fake("--preset", "new", "--baud", "115200", dump=False)
        try:
            p = spawn_mpeek(["--port", fb.pty, "--unsafe", "read", "0", "0x40000", "-o", out])
            time.sleep(1.5)
            os.kill(p.pid, sig)
            rc, err, _ = finish(p, 40)
            c.check(rc == code, "exit status %d (rc=%r, %r)" % (code, rc, err))
            c.check(err.startswith("mpeek: " + word) and "friendly REPL" in err,
                    "says %s and that the board was given back: %r" % (word, err))
            check_found_as_left(c, fb, sig.name, user=False)
        finally:
            fb.stop()

    c.test("Ctrl-C while the board does not answer")
    fb = Fake("--preset", "new", "--fault", "silence:30000", dump=False)
    try:
        p = spawn_mpeek(["--port", fb.pty, "--timeout", "4", "--unsafe", "read", "0",
                         "0x40000", "-o", out])
        deadline = time.monotonic() + 20
        while "silence-injected" not in fb.events() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(p.pid, signal.SIGINT)
        rc, err, _ = finish(p, 40)
        c.check(rc == 130, "exit status 130 (rc=%r)" % rc)
        c.check(err.startswith("mpeek: interrupted") and "unknown" in err
                and "left in its friendly REPL" not in err and "reset it" in err,
                "says the state is unknown and how to restore it: %r" % err)
        c.check(err.count("\n") == 1, "one line: %r" % err)
    finally:
        fb.stop()


def runaway(c):
    out = os.path.join(TMP, "runaway.bin")
    for fault, args, what in (
            ("stream:0", ["info"], "streams without end while answering a probe"),
            ("stream:30000", ["--unsafe", "read", "0", "0x40000", "-o", out],
             "streams without end in the middle of a read"),
            ("trickle:0", ["info"], "trickles a byte every 0.5 s from its first answer"),
            ("trickle:30000", ["--chunk", "1K", "--unsafe", "read", "0", "0x40000", "-o", out],
             "trickles a byte every 0.5 s in the middle of a read")):
        c.test("a board that " + what)
        fb = Fake("--preset", "new", "--fault", fault, dump=False)
        try:
            p = spawn_mpeek(["--port", fb.pty, "--timeout", "2"] + args)
            rc, err, rss = finish(p, 150)
            c.check(rc not in (0, None), "ends, with an error (rc=%r)" % rc)
            c.check(err.count("\n") == 1 and ("did not finish its answer" in err
                                              or "more than" in err
                                              or "stopped answering" in err
                                              or "garbled" in err),
                    "one line that says what the board did: %r" % err)
            c.check(rss < 200 * 1024, "memory stays bounded (max RSS %d KiB)" % rss)
            c.check(not os.path.exists(out), "no partial file")
        finally:
            fb.stop()

    c.test("Ctrl-C stops a board that trickles")
    fb = Fake("--preset", "new", "--fault", "trickle:30000", dump=False)
    try:
        p = spawn_mpeek(["--port", fb.pty, "--timeout", "30", "--unsafe", "read", "0",
                         "0x40000", "-o", out])
        deadline = time.monotonic() + 20
        while "trickle-injected" not in fb.events() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(p.pid, signal.SIGINT)
        time.sleep(0.2)
        os.kill(p.pid, signal.SIGINT)
        time.sleep(0.2)
        os.kill(p.pid, signal.SIGINT)
        rc, err, rss = finish(p, 20)
        c.check(rc == 130, "exit status 130 (rc=%r, %r)" % (rc, err))
        c.check("interrupted" in err and "abandoned" in err and "unknown" in err,
                "says so: %r" % err)
    finally:
        fb.stop()


def garbled_text(c):
    for preset, method in (("hexonly", "hex"), ("words", "words")):
        c.test("%s: 20 garbled bytes 3000 apart are read again, as in binary" % method)
        # Paced like a real line, so that an interrupt stops the board's
        # output at once and the next garbled byte hits the chunk read again.
        fb = Fake("--preset", preset, "--baud", "115200", "--fault", "garble:3000:20")
        try:
            read_check(c, fb, "%s with 20 garbled bytes" % method, size=0x10000)
            left_clean(c, fb, "%s garbled" % method)
        finally:
            fb.stop()
        c.test("%s: a line that garbles everything" % method)
        fb = Fake("--preset", preset, "--fault", "garble:700:100000", dump=False)
        try:
            rc, out, err, _ = mpeek(["--port", fb.pty, "--unsafe", "read", "0", "0x8000",
                                     "-o", os.path.join(TMP, "garbled.bin")], timeout=120)
            c.check(rc == 1, "fails (rc=%r)" % rc)
            c.check("corrupting data" in err and "--baud" in err and "cable" in err
                    and "unexpected byte" not in err,
                    "says what binary mode says: %r" % err)
        finally:
            fb.stop()


def snapshot_old(c):
    c.test("snapshot of the micro:bit preset (its UICR included), then info and regions with no board")
    fb = Fake("--preset", "old")
    snap = os.path.join(TMP, "old.mpk")
    try:
        rc, out, err, _ = mpeek(["--port", fb.pty, "--no-progress", "snapshot", snap], timeout=120)
        c.check(rc == 0 and os.path.exists(snap), "snapshot exits 0 (rc=%r, %s)" % (rc, err.strip()))
        left_clean(c, fb, "snapshot")
    finally:
        fb.stop()
    rc, out, err, _ = mpeek(["--offline", "--image", snap, "info"])
    c.check(rc == 0 and b"version: 1.9.2" in out, "info of it: %r %s" % (out, err.strip()))
    rc, out, err, _ = mpeek(["--offline", "--image", snap, "regions", "--format", "csv"])
    c.check(rc == 0 and b"uicr,0x10001000" in out, "its map has the UICR: %r %s"
            % (out[-400:], err.strip()))


TESTS = [
    ("presets", presets),
    ("links", links),
    ("faults", faults),
    ("port_maps", port_maps),
    ("ports", ports),
    ("images", images),
    ("out_file", out_file),
    ("hostile_board", hostile_board),
    ("user_globals", user_globals),
    ("signals", signals),
    ("runaway", runaway),
    ("garbled_text", garbled_text),
    ("snapshot_old", snapshot_old),
]


def main():
    try:
        return run_tests("fake", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
