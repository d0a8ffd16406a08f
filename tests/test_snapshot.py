#!/usr/bin/env python3
"""test_snapshot.py: mpeek snapshot FILE, and the board explored from it.

On MicroPython 1.9.2 (Debian's micro:bit firmware) and 1.29 (the modern
firmware; skipped, saying so, when absent) in QEMU: objects are made at
the REPL and the board prints id() and repr() of each; `mpeek snapshot`
records the board; the board is stopped; then with no board `obj ID`
gives the value the board's repr() printed, and `where`, `heap` and
`regions` say what they said with the board.  Without any board: a
snapshot that is damaged, truncated or of another version is refused
with one line naming the file.  Every QEMU is started here on a free pty
and stopped at the end.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import (at_prompt, Fixture, mpeek, mpeek_bin, Qemu, run_tests, settle,  # noqa: E402
                     talk)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "tests", "fuzz", "corpus", "snapshot", "microbit")

# Objects made at the board's REPL, and the line that prints id() and
# repr() of each.
MAKE = (b"x=[1,'ab',(2,3.5),None,True]\r"
        b"d={'key':7}\r"
        b"t=('snap',-5,2**40)\r"
        b"bb=b'\\x00\\xffhi'\r")
SHOW = (b"print('\\n'.join('ID=%d R=%r'%(id(o),o) for o in (x,d,t,bb))+'\\nEND')\r")


def make_objects(c, port):
    """Make the objects; returns [(id, repr)] as the board printed them."""
    settle(port, quiet=0.5, most=10)
    c.check(at_prompt(port, timeout=10), "the board answers >>>")
    for line in MAKE.split(b"\r")[:-1]:
        talk(port, line + b"\r", b">>> ", 5)
    got = talk(port, SHOW, re.compile(rb"\r\nEND\r\n>>> "), 10).decode(errors="replace")
    objs = re.findall(r"ID=(-?\d+) R=(.*?)\r\n", got)
    c.check(len(objs) == 4, "the board printed id and repr of 4 objects: %r" % got)
    return [(int(i) & 0xffffffff, r) for i, r in objs]


def snapshot_memory(path):
    """The memory blocks of a snapshot, {address: bytes}, read by the
    format as README.md describes it (not by mpeek)."""
    d = open(path, "rb").read()
    assert d[:8] == b"MPEEKSNP" and struct.unpack_from("<I", d, 8)[0] == 1
    assert struct.unpack_from("<Q", d, 16)[0] == len(d)
    assert hashlib.sha256(d[:-32]).digest() == d[-32:]
    pos, blocks = 24, {}
    while pos < len(d) - 32:
        tag, n = d[pos:pos + 4], struct.unpack_from("<Q", d, pos + 8)[0]
        if tag == b"MEM ":
            blocks[struct.unpack_from("<I", d, pos + 16)[0]] = d[pos + 20:pos + 16 + n]
        pos += 16 + n
    return blocks


def snapshot_bytes(blocks, addr, n):
    for a, b in blocks.items():
        if a <= addr and addr + n <= a + len(b):
            return b[addr - a:addr - a + n]
    return None


def tmux(*args):
    return subprocess.run(["tmux", "-L", "mpeek-snap-%d" % os.getpid()] + list(args),
                          capture_output=True, text=True, timeout=20)


def explorer(c, snap, addr, label):
    """mpeek open SNAP ADDR in tmux: the row at ADDR holds the snapshot's
    bytes, the status line names the heap object there."""
    if shutil.which("tmux") is None:
        c.check(False, "tmux is installed")
        return
    c.test("%s: mpeek open SNAP shows the recorded board" % label)
    tmux("kill-server")
    tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "30",
         "TERM=xterm-256color %s open %s 0x%08x; echo EXITED $?; sleep 30"
         % (mpeek_bin(), snap, addr))
    want = "%08x " % addr
    end, screen = time.monotonic() + 15, ""
    while time.monotonic() < end:
        screen = tmux("capture-pane", "-p", "-t", "t").stdout
        if "heap: list 0x%08x" % addr in screen:
            break
        time.sleep(0.1)
    rows = [line for line in screen.splitlines() if line.startswith(want)]
    data = snapshot_bytes(snapshot_memory(snap), addr, 16)
    shown = bytes(int(x, 16) for x in re.findall(r"\b[0-9a-f]{2}\b", rows[0][10:60])) \
        if rows else None
    c.check(data is not None and shown == data, "the row at 0x%08x: %r, the file holds %r"
            % (addr, rows, data))
    c.check("heap: list 0x%08x" % addr in screen and
            "snapshot %s" % os.path.basename(snap) in screen,
            "the status line: the list there, a snapshot: %r" % screen[-400:])
    tmux("send-keys", "-t", "t", "q")
    end = time.monotonic() + 10
    while time.monotonic() < end and "EXITED" not in screen:
        screen = tmux("capture-pane", "-p", "-t", "t").stdout
        time.sleep(0.1)
    c.check("EXITED 0" in screen, "q quits cleanly: %r" % screen[-200:])
    tmux("kill-server")


def csv_rows(text):
    """regions --format csv: name, start, end, size, attributes, kind (the
    source of a region two sources agree on depends on whether the board
    answered the port's own queries that time, the notes on the heap's
    use at that moment)."""
    return [",".join(line.split(",")[:6]) for line in text.splitlines()]


def area_lines(text):
    return [line for line in text.splitlines() if line.startswith("area ")]


def record_and_explore(c, port, stop, tmp, label):
    """Objects, a snapshot, the board stopped, then everything offline."""
    snap = os.path.join(tmp, "%s.mpk" % label)
    objs = make_objects(c, port)
    rc, live_regions, err, _ = mpeek(["--port", port, "regions", "--format", "csv"],
                                     timeout=60)
    c.check(rc == 0, "%s: regions with the board (%r)" % (label, err))
    rc, live_heap, err, _ = mpeek(["--port", port, "heap"], timeout=60)
    c.check(rc == 0, "%s: heap with the board (%r)" % (label, err))
    rc, live_info, err, _ = mpeek(["--port", port, "info"], timeout=60)
    c.check(rc == 0, "%s: info with the board (%r)" % (label, err))

    c.test("%s: mpeek snapshot into a folder that does not exist" % label)
    bad = os.path.join(tmp, "no-such-folder", "x.mpk")
    rc, out, err, _ = mpeek(["--port", port, "snapshot", bad], timeout=60)
    c.check(rc == 1 and bad in err and err.count("\n") == 1 and not os.path.exists(bad),
            "one line naming the file (rc=%r, %r)" % (rc, err))

    c.test("%s: mpeek snapshot" % label)
    rc, out, err, _ = mpeek(["--port", port, "--no-progress", "snapshot", snap], timeout=300)
    text = out.decode(errors="replace")
    c.check(rc == 0 and os.path.exists(snap), "snapshot exits 0 (rc=%r, %r)" % (rc, err))
    c.check(text.startswith(snap + ": ") and "the heap map" in text,
            "it says what it recorded: %r" % text)
    c.check(at_prompt(port, timeout=5), "the board is back at >>> after the snapshot")

    c.test("%s: verify SNAP: flash equal, RAM that changed since is not a difference" % label)
    talk(port, b"x_since = [0] * 40\r", b">>> ")
    rc, out, err, _ = mpeek(["--port", port, "--no-progress", "verify", snap], timeout=300)
    text = out.decode(errors="replace")
    flash = [ln for ln in text.splitlines() if ln.startswith("segment") and " 0x00000000 " in ln]
    c.check(rc == 0 and flash and flash[0].endswith("equal") and "DIFFERENT" not in text and
            "RAM part changed (expected)" in text and "changed since (RAM, expected)" in text,
            "verify: %r (rc=%r, %r)" % (text, rc, err))
    stop()

    c.test("%s: obj ADDR with no board gives the value repr() printed" % label)
    for word, want in objs:
        rc, out, err, _ = mpeek(["--offline", "--image", snap, "obj", "0x%08x" % word],
                                timeout=60)
        text = out.decode(errors="replace")
        values = [line[len("value: "):] for line in text.splitlines()
                  if line.startswith("value: ")]
        c.check(rc == 0 and values == [want], "obj 0x%08x: %r, board said %r (rc=%r, %r)"
                % (word, values, want, rc, err))
    rc, out, err, _ = mpeek(["--offline", "--image", snap, "obj", "x"], timeout=60)
    c.check(rc == 1 and "not an expression" in err and err.count("\n") == 1,
            "an expression needs the board, in one line: %r" % err)

    c.test("%s: info with no board says what the snapshot recorded" % label)
    rc, out, err, _ = mpeek(["--offline", "--image", snap, "info"], timeout=60)
    text = out.decode(errors="replace")
    keys = ("implementation", "version", "firmware", "machine", "platform")

    def fields(t):
        return [ln for ln in t.splitlines() if ln.split(":")[0] in keys]
    c.check(rc == 0 and text.startswith("snapshot: %s\n" % snap) and
            fields(text) == fields(live_info.decode(errors="replace")) and
            len(fields(text)) >= 4 and "recorded: " in text,
            "info: %r, the board said %r (%r)" % (text, live_info, err))

    c.test("%s: where, heap and regions with no board" % label)
    word = objs[0][0]
    rc, out, err, _ = mpeek(["--image", snap, "where", "0x%08x" % word], timeout=60)
    text = out.decode(errors="replace")
    c.check(rc == 0 and text.startswith("gc-heap +0x") and
            ("heap: block" in text and "0x%08x, offset 0" % word in text),
            "where: the heap object at the list: %r (%r)" % (text, err))
    rc, out, err, _ = mpeek(["--image", snap, "heap"], timeout=60)
    text = out.decode(errors="replace")
    c.check(rc == 0 and area_lines(text) and
            area_lines(text) == area_lines(live_heap.decode(errors="replace")),
            "heap: the areas the board gave: %r vs %r (%r)" % (text, live_heap, err))
    rc, out, err, _ = mpeek(["--offline", "--image", snap, "regions", "--format", "csv"],
                            timeout=60)
    c.check(rc == 0 and csv_rows(out.decode()) == csv_rows(live_regions.decode()),
            "regions: the board's map: %r vs %r (%r)" % (out, live_regions, err))
    rc, out, err, _ = mpeek(["--image", snap, "regions"], timeout=60)
    c.check(rc == 0 and "note: snapshot %s: recorded " % snap in out.decode(),
            "regions says when it was recorded: %r" % out.decode()[-600:])
    explorer(c, snap, word, label)


def microbit_192(c, tmp):
    q = Qemu("pty")
    try:
        record_and_explore(c, q.port, q.stop, tmp, "microbit-1.9.2")
    finally:
        q.stop()


def modern_129(c, tmp):
    from test_qemu import ModernQemu, need_modern_firmware
    need_modern_firmware(c)
    q = ModernQemu()
    try:
        record_and_explore(c, q.port, q.stop, tmp, "micropython-1.29")
    finally:
        q.stop()


def broken_files(c, tmp):
    """No board: a snapshot that is not whole is refused in one line."""
    data = open(SEED, "rb").read()
    c.test("a whole snapshot opens with no board")
    rc, out, err, _ = mpeek(["--image", SEED, "regions", "--format", "csv"])
    c.check(rc == 0 and "gc-heap,0x200004a0" in out.decode(), "regions: %r %r" % (out, err))
    rc, out, err, _ = mpeek(["--image", SEED, "heap"])
    c.check(rc == 0 and "area 1: 0x200004a0" in out.decode(), "heap: %r %r" % (out, err))

    def refused(name, content, want):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(content)
        for args in (["--image", path, "regions"], ["--image", path, "where", "0"],
                     ["--offline", "--image", path, "obj", "0x20000000"]):
            rc, out, err, _ = mpeek(args)
            c.check(rc == 1 and err.startswith("mpeek: %s: " % path) and want in err and
                    err.count("\n") == 1, "%s (%s): %r" % (name, args[0], err))

    c.test("truncated, altered, another version, trailing bytes")
    refused("cut.mpk", data[:-10], "truncated")
    refused("header.mpk", data[:12], "truncated")
    altered = bytearray(data)
    altered[100] ^= 1
    refused("altered.mpk", bytes(altered), "damaged")
    newer = bytearray(data)
    newer[8:12] = struct.pack("<I", 7)
    newer[-32:] = hashlib.sha256(bytes(newer[:-32])).digest()
    refused("newer.mpk", bytes(newer), "version 7")
    refused("longer.mpk", data + b"\0\0", "2 bytes after the end")

    c.test("one snapshot at a time")
    rc, out, err, _ = mpeek(["--image", SEED, "--image", SEED, "regions"])
    c.check(rc == 1 and "one snapshot at a time" in err and err.count("\n") == 1,
            "two snapshots: %r" % err)

    c.test("without a board, heap and obj need a snapshot")
    rc, out, err, _ = mpeek(["--offline", "heap"])
    c.check(rc == 1 and "needs a snapshot" in err, "heap: %r" % err)
    rc, out, err, _ = mpeek(["--offline", "obj", "0x20000000"])
    c.check(rc == 1 and "needs a snapshot" in err, "obj: %r" % err)
    rc, out, err, _ = mpeek(["snapshot"])
    c.check(rc == 1 and "snapshot takes one FILE" in err, "snapshot with no FILE: %r" % err)
    rc, out, err, _ = mpeek(["--offline", "info"])
    c.check(rc == 1 and "info reads a snapshot" in err and err.count("\n") == 1,
            "info with no board and no snapshot: %r" % err)
    elf = os.path.join(ROOT, "build", "fixtures", "frozen_v119.elf")
    if os.path.exists(elf):
        rc, out, err, _ = mpeek(["--offline", "--image", elf, "info"])
        c.check(rc == 1 and "info reads a snapshot" in err and elf in err and
                err.count("\n") == 1, "info of an ELF with no board: %r" % err)
    rc, out, err, _ = mpeek(["--offline", "--image", SEED, "info"])
    c.check(rc == 0 and out.decode().startswith("snapshot: %s" % SEED) and
            b"version: 1.9.2" in out, "info of the seed snapshot: %r %r" % (out, err))


def make_tmp():
    return tempfile.mkdtemp(prefix="mpeek-snap-")


FIXTURES = {"tmp": Fixture(make_tmp, lambda d: shutil.rmtree(d, ignore_errors=True))}

TESTS = [
    ("broken_files", broken_files),
    ("microbit_192", microbit_192),
    ("modern_129", modern_129),
]


def main():
    return run_tests("snapshot", TESTS, FIXTURES)


if __name__ == "__main__":
    sys.exit(main())
