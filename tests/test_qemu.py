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
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks, Qemu, at_prompt, mpeek, talk, mpeek_bin  # noqa: E402

FS_MARKER_ADDR = 0x3F800  # the micro:bit filesystem writes 0xFD here at boot


def main():
    c = Checks("qemu")
    tmp = tempfile.mkdtemp(prefix="mpeek-test-")
    q = Qemu("pty")
    try:
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

        c.test("interrupts a running program (printing, then busy)")
        for loop, sign in ((b"while 1: print('spam')\r\r", b"spam\r\nspam"),
                           (b"while 1: pass\r\r", b"pass")):
            got = talk(q.port, loop, sign, timeout=5)
            c.check(sign in got, "the loop runs: %r" % got[-40:])
            rc, out, err, _ = mpeek(["--port", q.port, "read", "0", "16", "--format", "bin"],
                                    timeout=30)
            c.check(rc == 0 and out == q.flash[:16], "attached and read (%r)" % err)
            c.check(at_prompt(q.port), "board answers >>> afterwards")

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

        c.test("hex dump format")
        rc, out, err, _ = mpeek(["--port", q.port, "read", "0x100", "20"], timeout=30)
        lines = out.decode().splitlines()
        c.check(rc == 0 and len(lines) == 2, "two xxd lines: %r" % lines)
        exp = subprocess.run(["xxd", "-s", "0x100", "-l", "20", q.flash_path],
                             capture_output=True).stdout.decode().splitlines()
        c.check(lines == exp, "same as xxd: %r vs %r" % (lines, exp))

        c.test("read RAM (GC heap) in binary to stdout")
        rc, out, err, _ = mpeek(["--port", q.port, "read", "0x20000000", "4K",
                                 "--format", "bin"], timeout=30)
        c.check(rc == 0 and len(out) == 4096, "4 KiB of RAM (%r, %d)" % (err, len(out)))

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

        c.test("a board that stops answering: bounded error")
        # An unmapped address hangs the nRF51 for good, as on real hardware.
        rc, out, err, secs = mpeek(["--port", q.port, "--timeout", "2", "read",
                                    "0x30000000", "16"], timeout=40)
        c.check(rc not in (0, None), "non-zero exit (%r)" % rc)
        c.check(secs < 20, "gave up within bounded time (%.1f s)" % secs)
        c.check("stopped answering" in err and err.count("\n") == 1,
                "one-line error that says so: %r" % err)
        c.check(not out, "no bytes shown as data")
    finally:
        q.stop()

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
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
