#!/usr/bin/env python3
"""test_qemu.py: mpeek against real MicroPython firmware.

Runs Debian's firmware-microbit-micropython (MicroPython 1.9.2 for the BBC
micro:bit) in QEMU and checks mpeek end to end: what `info` reports, that
`read` of the whole flash equals firmware.hex byte for byte, that the board
is left at its friendly prompt with its globals intact after every command,
and that a board which stops answering ends in a clear error in bounded
time.  Every QEMU is started here on a free pty or TCP port and stopped at
the end.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import (ask_board, wire_text, at_prompt, Fixture, mpeek, mpeek_bin, mpk_globals, Qemu, run_tests, sent_ahead, settle, talk, USER_GLOBALS, USER_VALUES)  # noqa: E402

FS_MARKER_ADDR = 0x3F800  # the micro:bit filesystem writes 0xFD here at boot


# ---------------------------------------------------------------------------
# The board is left as found, whatever happens to mpeek or to the board.



def check_found_as_left(c, port, what):
    settle(port)
    c.check(at_prompt(port, timeout=5), "%s: board answers >>> afterwards" % what)
    g = mpk_globals(port)
    c.check(g == USER_VALUES, "%s: the board's _mpk* globals are the user's own: %r"
            % (what, g))


def wait_exit(p, timeout):
    try:
        _, err = p.communicate(timeout=timeout)
        return p.returncode, err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None, ""


def spawn(args):
    return subprocess.Popen([mpeek_bin()] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def signals_qemu(c, tmp):
    q = Qemu("pty")
    try:
        talk(q.port, USER_GLOBALS, b">>> ")
        for delays, what in (([0.05], "a second SIGINT 0.05 s after the first"),
                             ([0.3], "a second SIGINT 0.3 s after the first")):
            c.test("micro:bit: %s during a read of the flash" % what)
            p = spawn(["--port", q.port, "read", "0", "0x40000",
                       "-o", os.path.join(tmp, "x.bin")])
            time.sleep(1.5)
            os.kill(p.pid, signal.SIGINT)
            for d in delays:
                time.sleep(d)
                os.kill(p.pid, signal.SIGINT)
            rc, err = wait_exit(p, 40)
            c.check(rc == 130, "exit status 130 (rc=%r, %r)" % (rc, err))
            c.check("interrupted; the board was left in its friendly REPL" in err,
                    "says the board was given back: %r" % err)
            check_found_as_left(c, q.port, what)
        c.test("micro:bit: SIGTERM exits 143")
        p = spawn(["--port", q.port, "read", "0", "0x40000", "-o", os.path.join(tmp, "x.bin")])
        time.sleep(1.5)
        os.kill(p.pid, signal.SIGTERM)
        rc, err = wait_exit(p, 40)
        c.check(rc == 143 and "terminated" in err, "143, terminated (rc=%r, %r)" % (rc, err))
        check_found_as_left(c, q.port, "SIGTERM")
    finally:
        q.stop()


def stalls_qemu(c, tmp):
    """QEMU stopped (kill -STOP) and resumed: the board ends at its friendly
    prompt without mpeek's helper, whether it wakes up while mpeek still
    waits or after mpeek gave up."""
    q = Qemu("pty")
    out = os.path.join(tmp, "stall.bin")
    try:
        talk(q.port, USER_GLOBALS, b">>> ")

        c.test("micro:bit stalls during a read and wakes after mpeek gave up")
        p = spawn(["--port", q.port, "--timeout", "2", "read", "0", "0x40000", "-o", out])
        time.sleep(2.0)
        os.kill(q.proc.pid, signal.SIGSTOP)
        rc, err = wait_exit(p, 60)
        c.check(rc == 1, "fails (rc=%r)" % rc)
        c.check(err.count("\n") == 1 and "unknown" in err and "reset it" in err
                and "friendly REPL" not in err.split("unknown")[0],
                "one line that says the state is unknown and how to restore it: %r" % err)
        os.kill(q.proc.pid, signal.SIGCONT)
        time.sleep(2.0)
        check_found_as_left(c, q.port, "stalled during a read, woken after")

        c.test("micro:bit stalls during a read and wakes while mpeek recovers")
        p = spawn(["--port", q.port, "--timeout", "2", "read", "0", "0x40000", "-o", out])
        time.sleep(2.0)
        os.kill(q.proc.pid, signal.SIGSTOP)
        time.sleep(3.0)
        os.kill(q.proc.pid, signal.SIGCONT)
        rc, err = wait_exit(p, 90)
        c.check(rc is not None, "ends (rc=%r, %r)" % (rc, err))
        if rc == 0:
            data = open(out, "rb").read()
            expect = bytearray(q.flash)
            expect[FS_MARKER_ADDR] = 0xFD
            c.check(data == bytes(expect), "what it read is the flash")
        else:
            c.check("friendly REPL" not in err, "claims nothing untrue: %r" % err)
        time.sleep(1.0)
        check_found_as_left(c, q.port, "stalled during a read, woken during recovery")

        c.test("micro:bit stalls during attach and wakes after mpeek gave up")
        os.kill(q.proc.pid, signal.SIGSTOP)
        p = spawn(["--port", q.port, "--timeout", "2", "info"])
        rc, err = wait_exit(p, 60)
        c.check(rc == 1 and err.count("\n") == 1, "fails with one line (rc=%r, %r)" % (rc, err))
        os.kill(q.proc.pid, signal.SIGCONT)
        time.sleep(2.0)
        check_found_as_left(c, q.port, "stalled during attach")

        c.test("micro:bit stalls during the probe and wakes after mpeek gave up")
        p = spawn(["--port", q.port, "--timeout", "2", "regions"])
        time.sleep(0.8)
        os.kill(q.proc.pid, signal.SIGSTOP)
        rc, err = wait_exit(p, 60)
        c.check(rc is not None, "ends (rc=%r, %r)" % (rc, err))
        os.kill(q.proc.pid, signal.SIGCONT)
        time.sleep(2.0)
        check_found_as_left(c, q.port, "stalled during the probe")
    finally:
        try:
            os.kill(q.proc.pid, signal.SIGCONT)
        except OSError:
            pass
        q.stop()


from testlib import MODERN_FIRMWARE as MODERN_ELF, need_modern_firmware  # noqa: E402


class ModernQemu:
    """QEMU's micro:bit running MicroPython 1.29 (raw-paste, uctypes,
    sys.stdout.buffer), on a pty."""

    def __init__(self):
        from testlib import _read_pty_line, stop_group
        self._stop = stop_group
        args = ["qemu-system-arm", "-machine", "microbit",
                "-global", "nrf51-soc.flash-size=1048576",
                "-global", "nrf51-soc.sram-size=262144",
                "-display", "none", "-monitor", "none", "-semihosting",
                "-serial", "pty", "-kernel", MODERN_ELF]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.port = _read_pty_line(self.proc, 10)
        except RuntimeError:
            stop_group(self.proc)
            raise
        time.sleep(0.5)

    def stop(self):
        self._stop(self.proc)


def modern_qemu(c, tmp):
    need_modern_firmware(c)
    q = ModernQemu()
    out = os.path.join(tmp, "modern.bin")
    try:
        talk(q.port, USER_GLOBALS, b">>> ")
        c.test("MicroPython 1.29: a second SIGINT 0.1 s after the first during a read")
        p = spawn(["--port", q.port, "--unsafe", "read", "0", "0x100000", "-o", out])
        time.sleep(1.2)
        os.kill(p.pid, signal.SIGINT)
        time.sleep(0.1)
        os.kill(p.pid, signal.SIGINT)
        rc, err = wait_exit(p, 40)
        c.check(rc == 130 and "left in its friendly REPL" in err, "130, given back (rc=%r, %r)"
                % (rc, err))
        check_found_as_left(c, q.port, "1.29, double SIGINT")

        c.test("MicroPython 1.29 stalls during a read and wakes after mpeek gave up")
        p = spawn(["--port", q.port, "--timeout", "2", "--unsafe", "read", "0", "0x100000",
                   "-o", out])
        time.sleep(1.2)
        os.kill(q.proc.pid, signal.SIGSTOP)
        rc, err = wait_exit(p, 60)
        os.kill(q.proc.pid, signal.SIGCONT)
        c.check(rc is not None, "ends (rc=%r, %r)" % (rc, err))
        if rc != 0:
            c.check("unknown" in err and "friendly REPL" not in err.split("unknown")[0],
                    "says the state is unknown: %r" % err)
        time.sleep(2.0)
        check_found_as_left(c, q.port, "1.29, stalled during a read")

        # The probe defines the helper behind the board's own check of the
        # names, before mpeek knows the answer: stopped right after it was
        # sent, the way back deletes mpeek's names only by its marker.
        c.test("MicroPython 1.29 stalls just after the probe (which defines the helper) was sent")
        log = os.path.join(tmp, "probe-stall.log")
        p = spawn(["--port", q.port, "--timeout", "2", "--log", log, "--unsafe", "read", "0",
                   "16", "-o", out])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(log) and "if[k for k in globals()" in open(log, errors="replace").read():
                break
            time.sleep(0.001)
        os.kill(q.proc.pid, signal.SIGSTOP)
        rc, err = wait_exit(p, 60)
        os.kill(q.proc.pid, signal.SIGCONT)
        c.check(rc is not None, "ends (rc=%r, %r)" % (rc, err))
        time.sleep(2.0)
        check_found_as_left(c, q.port, "1.29, stalled after the probe")

        # The attach cache: the second attach checks the board's identity
        # and defines the helper in one short paste.
        c.test("MicroPython 1.29: the second attach is the warm probe, same bytes")
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "warm-cache"))
        env.pop("MPEEK_NO_CACHE", None)
        logs = [os.path.join(tmp, "warm%d.log" % i) for i in range(2)]
        outs = []
        for lg in logs:
            rc, o, err, _ = mpeek(["--port", q.port, "--log", lg, "read", "0", "4096"], env=env)
            c.check(rc == 0, "read exits 0 (%s)" % err.strip())
            outs.append(o)
        first, second = (wire_text(lg) for lg in logs)
        c.check("warm=1" not in first and "bin=1" in first, "the first attach probes in full")
        c.check("warm=1" in second and "feat=" not in second,
                "the second is the warm probe, with no feature tests")
        c.check(outs[0] == outs[1] and len(outs[0]) > 4096, "the same dump both times")
        c.check(sent_ahead(logs[1], 0, 4096), "the second sent its read right behind the "
                "probe, before the answer (one round trip)")
        check_found_as_left(c, q.port, "1.29, after the warm attach")

        c.test("MicroPython 1.29, warm: a small read is one command that checks the board")
        lg = os.path.join(tmp, "warm-small.log")
        rc, o, err, _ = mpeek(["--port", q.port, "--log", lg, "read", "0", "16"], env=env)
        wire, sent = wire_text(lg), wire_text(lg, ">")
        c.check(rc == 0 and o.splitlines()[:1] == outs[0].splitlines()[:1],
                "the same 16 bytes (rc %d, %s)" % (rc, err.strip()))
        c.check("bytearray_at(0,16)" in sent and "warm=" not in wire and "_mpk" not in sent,
                "no probe, no helper, no name of mpeek's")
        check_found_as_left(c, q.port, "1.29, a small read before any probe")

        c.test("MicroPython 1.29, warm: a read outside the map is refused, never sent ahead")
        lg = os.path.join(tmp, "warm-outside.log")
        rc, o, err, _ = mpeek(["--port", q.port, "--log", lg, "read", "0x30000000", "16"],
                              env=env)
        c.check(rc == 1 and "0x30000000 is outside the memory known to be mapped" in err,
                "refused (rc %d, %s)" % (rc, err.strip()))
        c.check("warm=1" in wire_text(lg) and str(0x30000000) not in wire_text(lg, ">"),
                "the warm probe ran, and no read of it was sent")
        check_found_as_left(c, q.port, "1.29, a warm read outside the map")

        c.test("MicroPython 1.29 stalls just after the warm probe was sent")
        log = os.path.join(tmp, "warm-stall.log")
        p = subprocess.Popen([mpeek_bin(), "--port", q.port, "--timeout", "2", "--log", log,
                              "--unsafe", "read", "0", "16", "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                             start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "warm=0" in wire_text(log, ">"):
                break
            time.sleep(0.001)
        os.kill(q.proc.pid, signal.SIGSTOP)
        rc, err = wait_exit(p, 60)
        os.kill(q.proc.pid, signal.SIGCONT)
        c.check(rc is not None, "ends (rc=%r, %r)" % (rc, err))
        time.sleep(2.0)
        check_found_as_left(c, q.port, "1.29, stalled after the warm probe")
    finally:
        try:
            os.kill(q.proc.pid, signal.SIGCONT)
        except OSError:
            pass
        q.stop()


def modern_map(c, tmp):
    """MicroPython 1.29 on the emulated micro:bit: its profile is chosen from
    the chip its machine string names, with no option, and a profile whose
    RAM is too small for the heap the board reports is widened, saying so."""
    need_modern_firmware(c)
    q = ModernQemu()
    try:
        c.test("MicroPython 1.29: the map with no option has flash at 0 and RAM holding the heap")
        rc, out, err, _ = mpeek(["--port", q.port, "regions", "--format", "json"], timeout=30)
        c.check(rc == 0, "regions exits 0 (%r)" % err)
        regions = json.loads(out.decode()).get("regions", []) if rc == 0 else []
        byname = {r["name"]: r for r in regions}
        flash, ram, heap = byname.get("flash"), byname.get("ram"), byname.get("gc-heap")
        c.check(flash is not None and flash["start"] == 0, "flash at 0x0: %r" % flash)
        c.check(ram is not None and ram["start"] == 0x20000000,
                "RAM at 0x20000000: %r" % ram)
        c.check(heap is not None and ram is not None and
                ram["start"] <= heap["start"] and
                heap["end"] <= ram["end"],
                "the RAM region holds the whole heap: %r %r" % (ram, heap))
        rc, out, err, _ = mpeek(["--port", q.port, "regions"], timeout=30)
        text = out.decode()
        c.check("profile qemu-microbit" in text, "names the profile: %r" % text[-400:])
        c.check("FICR still says 256 KiB" in text, "says what QEMU's FICR keeps saying")
        rc, out, err, _ = mpeek(["--port", q.port, "read", "0", "16", "--format", "bin"],
                                timeout=30)
        elf_start = open(MODERN_ELF, "rb").read()[0x1000:0x1010]  # .isr_vector's file offset
        c.check(rc == 0 and out == elf_start, "a plain read of flash needs no option (%r)" % err)

        c.test("MicroPython 1.29 with --board nrf51-microbit: 16 KiB of RAM is widened to the heap")
        rc, out, err, _ = mpeek(["--port", q.port, "--board", "nrf51-microbit", "regions"],
                                timeout=30)
        text = out.decode()
        c.check(rc == 0 and "ends past the profile's ram (16 KiB): ram widened to" in text,
                "the widening is said: %r" % text[-600:])
    finally:
        q.stop()


def modern_gc_table(c, tmp):
    """MicroPython 1.29: the allocation and finaliser tables at the ELF's
    gc_heap (the array the port gives gc_init), the stack from
    mp_state_ctx's first words (stack_top, stack_limit)."""
    need_modern_firmware(c)
    if shutil.which("arm-none-eabi-nm") is None:
        c.skip("arm-none-eabi-nm is not installed")
    syms = {}
    for line in subprocess.run(["arm-none-eabi-nm", "-S", MODERN_ELF], capture_output=True,
                               text=True).stdout.splitlines():
        f = line.split()
        if len(f) == 4:
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
        elif len(f) == 3:
            syms[f[2]] = (int(f[0], 16), 0)
    q = ModernQemu()
    try:
        c.test("MicroPython 1.29: gc-atb, gc-ftb and stack where the ELF and the board say")
        byname = check_gc_regions(c, q.port, "1.29")
        atb, ftb, stack = byname.get("gc-atb"), byname.get("gc-ftb"), byname.get("stack")
        gc_heap = syms.get("gc_heap")
        c.check(atb is not None and gc_heap is not None and atb["start"] == gc_heap[0],
                "the table starts at gc_heap (%r): %r" % (gc_heap, atb))
        c.check(ftb is not None and atb is not None and ftb["start"] == atb["end"] + 1 and
                ftb["end"] - ftb["start"] == (atb["end"] - atb["start"]) // 2,
                "the finaliser table one byte after it, 1 bit a block: %r" % ftb)
        ctx = syms.get("mp_state_ctx")
        out = ask_board(q.port, "import machine\nprint(machine.mem32[%d],machine.mem32[%d])"
                        % (ctx[0], ctx[0] + 4)) if ctx else None
        words = [int(w) for w in out.split()] if out else []
        c.check(stack is not None and len(words) == 2 and stack["end"] == words[0] and
                stack["end"] - stack["start"] == words[1] and
                stack["end"] <= syms.get("_estack", (0,))[0],
                "the stack is mp_state_ctx's stack_top less its limit (%r): %r" % (words, stack))
    finally:
        q.stop()


def modern_own_helper(c, tmp):
    """MicroPython 1.29 (the probe defines mpeek's helper before the heap is
    read): the helper's objects are drawn as mpeek's, '@' with a legend
    line; the program's own objects are not."""
    need_modern_firmware(c)
    q = ModernQemu()
    try:
        c.test("MicroPython 1.29: mpeek's own helper is marked on the heap picture and by where")
        out = ask_board(q.port, "L=[1,2,3]\nU=bytearray(200)\nprint(id(L),id(U))")
        ids = [int(w) for w in out.split()] if out else []
        c.check(len(ids) == 2, "the program's objects: %r" % out)
        rc, out, err, _ = mpeek(["--port", q.port, "heap", "--map"], timeout=60)
        pic = out.decode()
        rows = [l for l in pic.splitlines() if re.match(r"^[0-9a-f]{8} ", l)]
        cells = [(int(r[:8], 16), r[9:]) for r in rows]
        at = [a for a, r in cells if "@" in r]
        c.check(rc == 0 and at, "heap --map draws '@' cells (%r): %r" % (err, pic[:300]))
        m = re.search(r"@ mpeek's own helper on the board \((\d+) objects? reachable only "
                      r"from its _mpk globals\)", pic)
        c.check(m is not None and int(m.group(1)) > 0, "and a legend line: %r" % pic[-400:])
        for i in ids:
            rc, out, err, _ = mpeek(["--port", q.port, "where", hex(i)], timeout=30)
            text = out.decode()
            c.check(rc == 0 and "heap: block" in text and "mpeek's" not in text,
                    "the program's object at 0x%x is not mpeek's: %r" % (i, text))
        rc, out, err, _ = mpeek(["--port", q.port, "heap"], timeout=30)
        row = re.search(r"^mpeek's helper +(\d+) +(\d+) +(\d+)$", out.decode(), re.M)
        c.check(rc == 0 and row is not None and int(row.group(1)) > 0,
                "heap counts mpeek's helper on its own row: %r" % out.decode())
    finally:
        q.stop()


def heap_picture(c, q):
    """heap --map: the board's own allocation table drawn, one cell per block."""
    c.test("heap --map draws the allocation table mem_info(1) prints")
    got = talk(q.port, b"import micropython; micropython.mem_info(1); print('E'+'ND')\r",
               b"\r\nEND\r\n", timeout=10)
    text = got.decode(errors="replace")
    m = re.search(r"GC: total: (\d+), used: (\d+), free: (\d+)", text)
    rows = re.findall(r"^([0-9a-f]{5}): ([.=a-zA-Z]+)\r?$", text, re.M)
    c.check(m is not None and rows, "the board's own mem_info: %r" % text[-300:])
    rc, out, err, _ = mpeek(["--port", q.port, "heap", "--map"], timeout=60)
    pic = out.decode()
    c.check(rc == 0, "heap --map exits 0 (%r)" % err)
    total = int(m.group(1)) // 16 if m else None
    c.check(total is not None and ("%d blocks of 16 bytes:" % total) in pic,
            "the summary counts the board's blocks (%r): %r" % (total, pic[-400:]))
    lines = [l.split(" ", 1)[1] for l in pic.splitlines() if re.match(r"^[0-9a-f]{8} ", l)]
    drawn = "".join(lines)
    c.check(total is not None and len(drawn) == total and set(drawn) <= set(".=hTLDSAFBMm@"),
            "one cell per block, mem_info's letters (and @ for mpeek's own): %d cells %r"
            % (len(drawn), sorted(set(drawn))))
    free = drawn.count(".")
    runs = len([r for r in re.split(r"[^.]+", drawn) if r])
    c.check(("%d free in %d run" % (free, runs)) in pic, "free blocks and runs: %r" % pic[-300:])
    longest = max((len(r) for r in re.findall(r"\.+", drawn)), default=0)
    c.check(("the largest %d blocks" % longest) in pic, "the largest free run")
    rc, out, err, _ = mpeek(["--port", q.port, "read", "0", "16", "--map"], timeout=30)
    c.check(rc != 0 and "--map only goes with heap" in err, "--map elsewhere is refused: %r" % err)


def info(c, q):
    c.test("info on the micro:bit")
    rc, out, err, secs = mpeek(["--port", q.port, "info"], timeout=30)
    text = out.decode()
    c.check(rc == 0, "info exits 0 (rc=%r, err=%r)" % (rc, err))
    c.check("version: 1.9.2" in text, "reports MicroPython 1.9.2: %r" % text)
    c.check("raw-paste: no" in text, "reports no raw-paste")
    c.check("implementation: micropython" in text, "implementation line")
    c.check("machine.mem32" in text, "memory access lists mem32")
    c.check("hashlib.sha256: no" in text, "no hashlib")
    c.check("helper heap:" in text, "helper heap reported")
    for line in text.splitlines():
        c.check(": " in line, "key: value line: %r" % line)
    c.check(at_prompt(q.port), "board answers >>> after info")


def globals_survive(c, q):
    c.test("globals survive (no soft reset)")
    got = talk(q.port, b"mpeek_canary=4242\r", b">>> ")
    c.check(b">>> " in got, "set a global on the board")
    rc, out, err, _ = mpeek(["--port", q.port, "read", "0", "64"], timeout=30)
    c.check(rc == 0, "small read ok (%r)" % err)
    got = talk(q.port, b"mpeek_canary\r", b"4242", timeout=3)
    c.check(b"4242" in got, "global still set after mpeek: %r" % got)
    got = talk(q.port, b"'_mpk' in globals()\r", b"False", timeout=3)
    c.check(b"False" in got and b"True" not in got,
            "helper removed from globals: %r" % got)


def interrupts_a_running_program(c, q):
    c.test("interrupts a running program (printing, then busy)")
    for loop, sign in ((b"while 1: print('spam')\r\r", b"spam\r\nspam"),
                       (b"while 1: pass\r\r", b"pass")):
        got = talk(q.port, loop, sign, timeout=5)
        c.check(sign in got, "the loop runs: %r" % got[-40:])
        rc, out, err, _ = mpeek(["--port", q.port, "read", "0", "16", "--format", "bin"],
                                timeout=30)
        c.check(rc == 0 and out == q.flash[:16], "attached and read (%r)" % err)
        c.check(at_prompt(q.port), "board answers >>> afterwards")


def read_whole_flash(c, q, tmp):
    c.test("read the whole flash equals firmware.hex")
    out_path = os.path.join(tmp, "flash.bin")
    rc, out, err, secs = mpeek(["--port", q.port, "read", "0", "0x40000",
                                "-o", out_path], timeout=120)
    c.check(rc == 0, "read exits 0 (%r)" % err)
    data = open(out_path, "rb").read() if os.path.exists(out_path) else b""
    c.check(len(data) == 0x40000, "256 KiB written (%d)" % len(data))
    expect = bytearray(q.flash)
    # The firmware marks its filesystem's last page on first boot; ask
    # the board itself what is there and expect exactly that.
    got = talk(q.port, b"import machine;machine.mem8[%d]\r" % FS_MARKER_ADDR,
               b">>> ", timeout=3)
    c.check(b"253" in got, "board says 0x3F800 holds 0xFD: %r" % got)
    expect[FS_MARKER_ADDR] = 0xFD
    diffs = [i for i in range(min(len(data), len(expect))) if data[i] != expect[i]]
    c.check(not diffs, "byte for byte equal to firmware.hex (first diffs %s)"
            % [hex(i) for i in diffs[:5]])
    c.check(at_prompt(q.port), "board answers >>> after the read")


def warm_attach(c, q, tmp):
    """The attach cache on the micro:bit's 1.9.2 (no raw-paste, 16 KiB of
    RAM): the second attach is one paced snippet that checks the identity
    and defines the helper; the bytes are the firmware's all the same."""
    c.test("micro:bit 1.9.2: the second attach is the warm probe, same bytes")
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "warm-cache-192"))
    env.pop("MPEEK_NO_CACHE", None)
    logs = [os.path.join(tmp, "warm192-%d.log" % i) for i in range(2)]
    outs = []
    for lg in logs:
        rc, o, err, _ = mpeek(["--port", q.port, "--log", lg, "read", "0", "0x800", "-o",
                               lg + ".bin"], env=env)
        c.check(rc == 0, "read exits 0 (%s)" % err.strip())
        outs.append(open(lg + ".bin", "rb").read() if rc == 0 else b"")
    first, second = (wire_text(lg) for lg in logs)
    c.check("warm=1" not in first and "feat=" in first, "the first attach probes in steps")
    c.check("warm=1" in second and "feat=" not in second,
            "the second is the warm probe, with no feature snippets")
    c.check(outs[0] == outs[1] == bytes(q.flash[:0x800]),
            "both equal firmware.hex")
    c.check(at_prompt(q.port, timeout=5), "the board answers >>> afterwards")
    c.check(mpk_globals(q.port) == {}, "no mpeek names left")


def qstrs_stay(c, q, tmp):
    """Names are qstrs, and qstrs are never freed: sessions after the first
    intern nothing new on the board (the same names every time)."""
    c.test("micro:bit 1.9.2: repeated sessions leave the qstr pools as they were")
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "qstr-stay-cache"))
    env.pop("MPEEK_NO_CACHE", None)

    def qstrs():
        out = ask_board(q.port, "import micropython;micropython.qstr_info()")
        m = re.search(r"n_qstr=(\d+), n_str_data_bytes=(\d+)", out or "")
        return (int(m.group(1)), int(m.group(2))) if m else None
    for args in (["read", "0", "16"], ["read", "0", "16"], ["info"]):
        rc, _, err, _ = mpeek(["--port", q.port] + args, env=env)
        c.check(rc == 0, "%s exits 0 (%s)" % (args[0], err.strip()))
    before = qstrs()
    for args in (["read", "0", "16"], ["read", "0x20000000", "64"], ["info"], ["read", "0", "16"]):
        rc, _, err, _ = mpeek(["--port", q.port] + args, env=env)
        c.check(rc == 0, "%s exits 0 (%s)" % (args[0], err.strip()))
    after = qstrs()
    c.check(before is not None and before == after,
            "qstr count and bytes unchanged: %r then %r" % (before, after))


def hex_dump(c, q):
    c.test("hex dump format")
    rc, out, err, _ = mpeek(["--port", q.port, "read", "0x100", "20"], timeout=30)
    lines = out.decode().splitlines()
    c.check(rc == 0 and len(lines) == 2, "two xxd lines: %r" % lines)
    exp = subprocess.run(["xxd", "-s", "0x100", "-l", "20", q.flash_path],
                         capture_output=True).stdout.decode().splitlines()
    c.check(lines == exp, "same as xxd: %r vs %r" % (lines, exp))


def read_ram(c, q):
    c.test("read RAM (GC heap) in binary to stdout")
    rc, out, err, _ = mpeek(["--port", q.port, "read", "0x20000000", "4K",
                             "--format", "bin"], timeout=30)
    c.check(rc == 0 and len(out) == 4096, "4 KiB of RAM (%r, %d)" % (err, len(out)))


def sigint_during_read(c, q, tmp):
    c.test("SIGINT during a read leaves the board at its prompt")
    p = subprocess.Popen([mpeek_bin(), "--port", q.port, "read", "0", "0x40000",
                          "-o", os.path.join(tmp, "x.bin")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.2)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=15)
        c.check(p.returncode != 0, "interrupted read exits non-zero")
        c.check(b"interrupted" in err, "says it was interrupted: %r" % err)
    except subprocess.TimeoutExpired:
        p.kill()
        c.check(False, "mpeek did not stop after SIGINT")
    c.check(at_prompt(q.port), "board answers >>> after SIGINT")


def bad_arguments(c):
    c.test("bad arguments are refused before anything is sent")
    for args, word in ((["read", "0x1_0000_0000", "4"], "ADDR"),
                       (["read", "zz", "4"], "ADDR"),
                       (["read", "0", "0"], "LEN"),
                       (["read", "0xfffffff0", "0x20"], "LEN"),
                       (["read", "0", "4", "--format", "oct"], "--format")):
        rc, out, err, secs = mpeek(["--port", "/dev/nonexistent-port"] + args, timeout=10)
        c.check(rc not in (0, None) and word in err and "nonexistent" not in err,
                "%s: one-line error naming %s, before opening the port: %r"
                % (args, word, err))
        c.check(err.count("\n") == 1, "one line: %r" % err)


def memory_map_and_where(c, q):
    c.test("the memory map of the micro:bit")
    got = talk(q.port, b"import micropython;micropython.mem_info(1)\r",
               re.compile(rb"from ([0-9a-f]+):"), 5)
    m = re.search(rb"from ([0-9a-f]+):", got)
    heap_from = int(m.group(1), 16) if m else None
    c.check(heap_from is not None, "the board's own mem_info gives the heap start")
    rc, out, err, _ = mpeek(["--port", q.port, "regions", "--format", "csv"], timeout=30)
    rows = {}
    lines = out.decode().splitlines()
    c.check(rc == 0 and lines and lines[0] == "name,start,end,size,attrs,kind,source,notes",
            "CSV header (%r, %r)" % (lines[:1], err))
    for line in lines[1:]:
        f = line.split(",", 7)
        rows.setdefault(f[0], []).append(f)
    fl = rows.get("flash", [[None] * 8])[0]
    c.check(fl[1:4] == ["0x00000000", "0x00040000", "0x40000"] and fl[6] == "board"
            and "CODESIZE" in fl[7], "flash 256 KiB from the FICR: %r" % fl)
    ram = rows.get("ram", [[None] * 8])[0]
    c.check(ram[1:4] == ["0x20000000", "0x20004000", "0x4000"] and ram[6] == "profile",
            "RAM 16 KiB from the profile: %r" % ram)
    heap = rows.get("gc-heap", [[None] * 8])[0]
    c.check(heap[1] is not None and heap_from is not None and int(heap[1], 16) == heap_from
            and heap[5] == "heap" and 0x20000000 <= int(heap[1], 16)
            and int(heap[2], 16) <= 0x20004000,
            "GC heap inside RAM at the mem_info address: %r" % heap)
    rc, out, err, _ = mpeek(["--port", q.port, "regions"], timeout=30)
    text = out.decode()
    c.check(rc == 0 and "NUMRAMBLOCK=0xffffffff" in text and "implausible" in text,
            "the implausible FICR RAM size is reported: %r" % text[-400:])
    c.check(re.search(r"\n    gc-heap +0x", text) is not None or "  gc-heap" in text,
            "the heap is shown nested inside RAM")
    c.check(at_prompt(q.port), "board answers >>> after regions")

    c.test("where an address is, and the heap by kind")
    if heap_from is not None:
        rc, out, err, _ = mpeek(["--port", q.port, "where", hex(heap_from + 0x10)], timeout=30)
        text = out.decode()
        c.check(rc == 0 and text.startswith("gc-heap +0x10: heap") and "\n  in ram +0x" in text
                and "heap: block 1:" in text, "where: region chain and heap block: %r" % text)
    rc, out, err, _ = mpeek(["--port", q.port, "heap"], timeout=30)
    text = out.decode()
    c.check(rc == 0 and "10048 bytes" in text and "free" in text and "stack:" in text,
            "heap summary with totals from mem_info: %r" % text)
    rc, out, err, _ = mpeek(["--port", q.port, "where", "0x30000000"], timeout=30)
    c.check(rc == 0 and b"in no known region" in out, "where of an unmapped address: %r" % out)


def reads_outside_the_map(c, q):
    c.test("reads outside the map are refused without touching the board")
    rc, out, err, secs = mpeek(["--port", q.port, "read", "0x30000000", "16"], timeout=30)
    c.check(rc not in (0, None) and "outside the memory known to be mapped" in err
            and "--unsafe" in err and "ram 0x20000000-0x20004000 below" in err,
            "refused, naming the nearest regions: %r" % err)
    c.check(err.count("\n") == 1 and not out, "one line, no data")
    c.check(at_prompt(q.port), "board still answers >>> (not hung)")
    rc, out, err, _ = mpeek(["--port", q.port, "read", "0x3fff0", "0x20"], timeout=30)
    c.check(rc not in (0, None) and "0x00040000" in err, "a read running past flash: %r" % err)


def verify_firmware_hex(c, q, tmp):
    c.test("verify firmware.hex against the board")
    hexfile = "/usr/share/firmware-microbit-micropython/firmware.hex"
    rc, out, err, secs = mpeek(["--port", q.port, "verify", hexfile], timeout=180)
    text = out.decode()
    c.check(re.search(r"segment 1 +0x00000000 .* equal", text) is not None,
            "the flash segment is equal: %r" % text)
    # firmware.hex also holds 28 bytes for the UICR (0x100010c0), which
    # QEMU never loads from an image: the emulated chip has 0xFF there,
    # and verify must say so (and exit 3), not call it equal.
    c.check(re.search(r"segment 2 +0x100010c0 .* DIFFERENT: \d+ bytes differ, first at "
                      r"0x100010c0 \(image 0x7c, board 0xff\)", text) is not None,
            "the UICR part differs on the emulator: %r" % text)
    c.check(rc == 3, "exit 3 as something differs (rc=%r, err=%r)" % (rc, err))
    m = re.search(r"\((\S+ \S+) matched by digest on the board, (\S+ \S+|\S+) read\)", text)
    c.check(m is not None and "KiB" in m.group(1), "most bytes matched by digest: %r" % text)
    c.check(at_prompt(q.port), "board answers >>> after verify")
    # One byte changed in a copy of the image: named, counted, exit 3.
    bad_hex = os.path.join(tmp, "changed.hex")
    lines = open(hexfile).read().splitlines()
    for i, line in enumerate(lines):
        if line[7:9] == "00" and int(line[1:3], 16) >= 16 and i > 100:
            raw = bytearray(bytes.fromhex(line[1:]))
            addr = (raw[1] << 8) | raw[2]
            raw[4 + 5] ^= 0x5A
            raw[-1] = (-sum(raw[:-1])) & 0xFF
            lines[i] = ":" + raw.hex().upper()
            changed_at = addr + 5  # the file's first 64 KiB: no base record yet
            break
    open(bad_hex, "w").write("\n".join(lines) + "\n")
    rc, out, err, secs = mpeek(["--port", q.port, "verify", bad_hex], timeout=180)
    text = out.decode()
    c.check(rc == 3, "verify exits 3 when a byte differs (rc=%r, err=%r)" % (rc, err))
    c.check("DIFFERENT: 1 byte differs, first at 0x%08x" % changed_at in text,
            "names the differing address 0x%x: %r" % (changed_at, text))
    c.check(at_prompt(q.port), "board answers >>> after a failed verify")


def frozen_modules(c, q):
    c.test("frozen modules of the micro:bit firmware")
    rc, out, err, secs = mpeek(["--port", q.port, "frozen"], timeout=180)
    text = out.decode()
    c.check(rc == 0 and text.startswith("no frozen modules:"),
            "a clear statement that it has none (rc=%r, err=%r, out=%r)" % (rc, err, text))
    c.check("microbit" not in err, "no error")
    c.check(at_prompt(q.port), "board answers >>> after frozen")


def stalled_board(c, q):
    c.test("a board that stops answering: bounded error")
    # An unmapped address hangs the nRF51 for good, as on real hardware.
    rc, out, err, secs = mpeek(["--port", q.port, "--timeout", "2", "--unsafe",
                                "read", "0x30000000", "16"], timeout=40)
    c.check(rc not in (0, None), "non-zero exit (%r)" % rc)
    c.check(secs < 20, "gave up within bounded time (%.1f s)" % secs)
    c.check("stopped answering" in err and err.count("\n") == 1,
            "one-line error that says so: %r" % err)
    c.check(not out, "no bytes shown as data")


def tcp_and_port_emu(c, tmp):
    c.test("tcp: transport and --port emu")
    q2 = Qemu("tcp")
    try:
        rc, out, err, _ = mpeek(["--port", q2.port, "read", "0", "256", "--format", "bin"],
                                timeout=30)
        c.check(rc == 0 and out == q2.flash[:256], "tcp read (%r)" % err)
        c.check(at_prompt(q2.port), "board answers >>> over tcp")
    finally:
        q2.stop()
    c.test("--port emu: the emulated micro:bit with erased flash as 0xFF")
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"))
    rc, out, err, _ = mpeek(["--port", "emu", "read", "0", "0x40000", "--format", "bin"],
                            timeout=90, env=env)
    c.check(rc == 0, "--port emu read works (%r)" % err)
    expect = bytearray(q2.flash)
    expect[FS_MARKER_ADDR] = 0xFD
    c.check(out == bytes(expect), "emu flash equals firmware.hex over 0xFF")


def board_table_states(c, port, atb, blocks):
    """The board's own word, in one snippet: mem_info(1)'s table and the
    bytes of the allocation table at atb, copied right after it (into a
    bytearray made before, so nothing allocates between the two).  Returns
    (table as printed, states decoded from the bytes), one character per
    block: '.' free, 'h' head, '=' tail, 'm' marked."""
    n = blocks // 4
    out = None
    for _ in range(3):
        # (again after a pause if a busy micro:bit lost the keys or the code)
        settle(port)
        out = ask_board(port, "import micropython,machine\nb=bytearray(%d)\nm=machine.mem8\n"
                              "i=0\nmicropython.mem_info(1)\nfor i in range(%d):b[i]=m[%d+i]\n"
                              "print('ATB=',end='')\nfor i in b:print('%%02x'%%i,end='')\n"
                              "print()" % (n, n, atb), timeout=20)
        if out is not None and "ATB=" in out:
            break
    c.check(out is not None and "ATB=" in out, "the board prints its table and bytes: %r"
            % (out or "")[-300:])
    if out is None or "ATB=" not in out:
        return None, None
    table = ""
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]{5,8}: ([.=a-zA-Z]+)\s*$", line)
        f = re.match(r"^\s+\((\d+) lines all free\)", line)
        if m:
            table += m.group(1)
        elif f:
            table += "." * (64 * int(f.group(1)))
    raw = bytes.fromhex(out.split("ATB=", 1)[1].split()[0])
    states = "".join(".h=m"[(raw[i // 4] >> (2 * (i % 4))) & 3] for i in range(blocks))
    table = "".join(ch if ch in ".=m" else "h" for ch in table)
    return table, states


def check_gc_regions(c, port, what):
    """regions lists gc-atb and stack where the board's own state says; the
    table's bytes there are mem_info's table; where names them."""
    rc, out, err, _ = mpeek(["--port", port, "regions", "--format", "json"], timeout=60)
    c.check(rc == 0, "%s: regions exits 0 (%r)" % (what, err))
    regions = json.loads(out.decode()).get("regions", []) if rc == 0 else []
    byname = {r["name"]: r for r in regions}
    atb, heap, stack = byname.get("gc-atb"), byname.get("gc-heap"), byname.get("stack")
    c.check(atb is not None and atb["kind"] == "gc-table" and heap is not None and
            atb["end"] <= heap["start"], "%s: gc-atb below the pool: %r %r" % (what, atb, heap))
    c.check(stack is not None and stack["kind"] == "stack", "%s: a stack region: %r" % (what, stack))
    if atb is None or heap is None:
        return byname
    blocks = (heap["end"] - heap["start"]) // 16
    c.check(atb["end"] - atb["start"] == blocks // 4, "%s: 2 bits a block" % what)
    table, states = board_table_states(c, port, atb["start"], blocks)
    c.check(table is not None and len(table) == blocks and table == states,
            "%s: the bytes at gc-atb are the board's own allocation table (%r / %r)"
            % (what, (table or "")[:80], (states or "")[:80]))
    for r in (atb, stack):
        if r is None:
            continue
        rc, out, err, _ = mpeek(["--port", port, "where", hex(r["start"] + 1)], timeout=30)
        c.check(rc == 0 and out.decode().startswith("%s +0x1: %s" % (r["name"], r["kind"])),
                "%s: where names %s: %r" % (what, r["name"], out[:200]))
    return byname


def gc_table_and_stack(c, q):
    """MicroPython 1.9.2: the allocation table (no finalisers here) and the
    stack MicroPython checks, from its state in RAM."""
    c.test("the micro:bit's GC allocation table and stack are regions of the map")
    settle(q.port)  # what an earlier test left streaming
    byname = check_gc_regions(c, q.port, "1.9.2")
    c.check("gc-ftb" not in byname, "no finaliser table on this build")
    stack = byname.get("stack")
    out = ask_board(q.port, "import micropython;micropython.mem_info()")
    m = re.search(r"stack: \d+ out of (\d+)", out or "")
    # the micro:bit's vector table: the initial stack pointer, the top of RAM
    sp = int.from_bytes(q.flash[0:4], "little")
    c.check(stack is not None and m is not None and stack["end"] == sp and
            stack["end"] - stack["start"] == int(m.group(1)),
            "the stack: mem_info's limit below the top (%x): %r %r" % (sp, stack, out))


def make_tmp():
    return tempfile.mkdtemp(prefix="mpeek-test-")


FIXTURES = {"q": Fixture(lambda: Qemu("pty"), lambda q: q.stop()),
            "tmp": Fixture(make_tmp)}

# stalled_board hangs the board for good: it is the last test that uses q.
TESTS = [
    ("info", info),
    ("heap_picture", heap_picture),
    ("globals_survive", globals_survive),
    ("interrupts_a_running_program", interrupts_a_running_program),
    ("read_whole_flash", read_whole_flash),
    ("hex_dump", hex_dump),
    ("warm_attach", warm_attach),
    ("qstrs_stay", qstrs_stay),
    ("read_ram", read_ram),
    ("sigint_during_read", sigint_during_read),
    ("bad_arguments", bad_arguments),
    ("memory_map_and_where", memory_map_and_where),
    ("gc_table_and_stack", gc_table_and_stack),
    ("reads_outside_the_map", reads_outside_the_map),
    ("verify_firmware_hex", verify_firmware_hex),
    ("frozen_modules", frozen_modules),
    ("stalled_board", stalled_board),
    ("tcp_and_port_emu", tcp_and_port_emu),
    ("signals", signals_qemu),
    ("stalls", stalls_qemu),
    ("modern", modern_qemu),
    ("modern_map", modern_map),
    ("modern_gc_table", modern_gc_table),
    ("modern_own_helper", modern_own_helper),
]


def main():
    return run_tests("qemu", TESTS, FIXTURES)


if __name__ == "__main__":
    sys.exit(main())
