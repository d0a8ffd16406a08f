#!/usr/bin/env python3
"""test_obj.py: `mpeek obj` against real MicroPython in QEMU: objects made
at the board's REPL, decoded by mpeek from memory, must print the same
`value:` line as the board's own repr() (both emulated firmwares: the
micro:bit's 1.9.2, and 1.29 from ../shared/firmware when it is there).
Also the limits (--depth, --max-items), JSON, and bad input.
"""
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Qemu, mpeek, need_modern_firmware, run_tests, settle, talk  # noqa: E402

# name, definition lines typed at the REPL (each ends a statement)
OBJECTS = [
    ("mixed", ["mixed = [1, 'two', None, 4.5, -7, True, (1, 2)]"]),
    ("dct", ["dct = {'a': 1, 2: 'b', 'c': [3]}"]),
    ("hstr", ["hstr = 'heap ' + 'string' * 3"]),
    ("byts", ["byts = b'\\x00ab\\xff\\n'"]),
    ("barr", ["barr = bytearray(b'xyz\\x01')"]),
    ("tup", ["tup = (1, 'a', None)"]),
    ("flt", ["flt = 1 / 3"]),
    ("big", ["big = 2 ** 100 + 12345"]),
    ("nbig", ["nbig = -(3 ** 70)"]),
    ("neg", ["neg = -5"]),
    ("st", ["st = {1, 2, 3}"]),
    ("fst", ["fst = frozenset((4, 5))"]),
    ("fn", ["def fn(a):", "    return a", ""]),
    ("Cls", ["class Cls:", "    def m(self):", "        return 1", ""]),
    ("inst", ["inst = Cls()"]),
    ("meth", ["meth = inst.m"]),
    ("gen", ["gen = (i for i in range(3))"]),
    ("empty", ["empty = []"]),
    ("one", ["one = (1,)"]),
    ("edict", ["edict = {}"]),
    ("nested", ["nested = [[1, [2, [3]]]]"]),
    ("qs", ["qs = 'print'"]),
    ("none", ["none = None"]),
    ("tr", ["tr = True"]),
    ("flist", ["flist = [0.5, -2.25, 1e10, 1.5e-5]"]),
    ("mod", ["import micropython as mod"]),
    ("typ", ["typ = list"]),
    ("ell", ["ell = ..."]),
]


def define(port, lines):
    """Type the lines at the friendly REPL: one statement as it is, more
    through paste mode (Ctrl-E ... Ctrl-D: no auto-indent)."""
    lines = [l for l in lines if l]
    if not lines:
        return
    if len(lines) == 1:
        talk(port, lines[0].encode() + b"\r", b"\r\n>>> ", timeout=5)
        return
    talk(port, b"\x05", b"=== ", timeout=5)
    talk(port, b"\r\n".join(l.encode() for l in lines) + b"\r\n\x04", b"\r\n>>> ",
         timeout=5)


def board_repr(port, name):
    for _ in range(2):  # the first answer after boot may come with the banner
        out = talk(port, b"print('R=' + repr(%s) + '=R')\r" % name.encode(), b"=R\r\n",
                   timeout=5)
        m = re.search(rb"\r\nR=(.*)=R\r\n", out, re.S)
        if m:
            return m.group(1).decode(errors="replace")
        settle(port)
    return None


def compare_all(c, port, label, extra=()):
    """Each object made, compared, and deleted again (the micro:bit's heap is
    10 KiB); Cls stays for inst and meth."""
    for name, lines in [(n, l) for n, l in OBJECTS] + [(n, []) for n in extra]:
        define(port, lines)
        want = board_repr(port, name)
        rc, out, err, _ = mpeek(["--port", port, "obj", name], timeout=120)
        text = out.decode(errors="replace")
        got = re.search(r"^value: (.*)$", text, re.M)
        c.check(rc == 0 and want is not None and got is not None and got.group(1) == want,
                "%s: obj %s prints the board's repr %r: %r %r" % (label, name, want,
                                                                   got and got.group(1),
                                                                   err[-300:]))
        if name not in ("Cls", "inst", "dct", "nested", "mixed"):
            define(port, ["del %s" % name])
        talk(port, b"import gc; gc.collect()\r", b">>> ", timeout=5)


def limits_and_json(c, port, label):
    c.test("%s: --depth and --max-items cut with '...', --format json" % label)
    define(port, ["longl = list(range(40))"])
    rc, out, err, _ = mpeek(["--port", port, "obj", "nested", "--depth", "2"], timeout=120)
    c.check(rc == 0 and re.search(r"^value: \[\[1, \[\.\.\., \.\.\.\]\]\]$", out.decode(), re.M),
            "depth 2: %r" % out.decode()[-200:])
    rc, out, err, _ = mpeek(["--port", port, "obj", "nested"], timeout=120)
    c.check(rc == 0 and "value: [[1, [2, [3]]]]" in out.decode(), "depth 4 (the default) reaches "
            "the 3: %r" % out.decode()[-200:])
    rc, out, err, _ = mpeek(["--port", port, "obj", "longl", "--max-items", "3"], timeout=120)
    text = out.decode()
    c.check(rc == 0 and "value: [0, 1, 2, ...]" in text and "(40 in all" in text,
            "max-items 3: %r" % text[-300:])
    rc, out, err, _ = mpeek(["--port", port, "obj", "dct", "--format", "json"], timeout=120)
    try:
        j = json.loads(out.decode())
    except ValueError:
        j = None
    c.check(rc == 0 and j is not None and j["object"]["type"] == "dict" and
            j["object"]["value"] == board_repr(port, "dct"), "json: %r" % out[:300])


def bad_input(c, port, label):
    c.test("%s: bad input gives one clear line" % label)
    rc, out, err, _ = mpeek(["--port", port, "obj", "no_such_name"], timeout=60)
    e = err
    c.check(rc == 1 and "NameError" in e and e.count("\n") == 1, "a bad name: %r" % e)
    rc, out, err, _ = mpeek(["--port", port, "obj", "0"], timeout=60)
    e = err
    c.check(rc == 1 and "NULL" in e and e.count("\n") == 1, "address 0: %r" % e)
    rc, out, err, _ = mpeek(["--port", port, "obj", "0x30000000"], timeout=60)
    e = err
    c.check(rc == 1 and e.count("\n") == 1 and "0x30000000" in e and not out,
            "an address outside the map is refused, not read: %r" % e)
    rc, out, err, _ = mpeek(["--port", port, "obj", "x\ny"], timeout=60)
    c.check(rc == 1 and "one line" in err, "a two-line expression: %r" % err)
    rc, out, err, _ = mpeek(["--port", port, "obj", "mixed", "--depth", "x"], timeout=60)
    c.check(rc == 1 and "--depth takes a number" in err, "--depth x: %r" % err)
    # the board is left as it was: its prompt answers and mpeek's names are gone
    got = talk(port, b"print([k for k in globals() if k.startswith('_mpk')])\r", b"]\r\n", timeout=5)
    c.check(b"[]" in got, "no mpeek names left: %r" % got[-80:])


def microbit(c):
    q = Qemu("pty")
    try:
        c.test("micro:bit 1.9.2: obj prints what repr() prints, for every type made at the REPL")
        settle(q.port)
        compare_all(c, q.port, "1.9.2")
        limits_and_json(c, q.port, "1.9.2")
        bad_input(c, q.port, "1.9.2")
    finally:
        q.stop()


def modern(c):
    need_modern_firmware(c)
    from test_qemu import ModernQemu
    q = ModernQemu()
    try:
        c.test("MicroPython 1.29: obj prints what repr() prints, for every type made at the REPL")
        define(q.port, ["import array", "arr = array.array('h', [1, -2, 3])",
                        "mv = memoryview(b'abc')",
                        "def outer(a):", "    def inner():", "        return a",
                        "    return inner", "", "clo = outer(5)"])
        compare_all(c, q.port, "1.29", extra=("arr", "clo"))
        limits_and_json(c, q.port, "1.29")
        bad_input(c, q.port, "1.29")
    finally:
        q.stop()


def own_cache(fn):
    """Run fn with a qstr cache of its own (a temporary XDG_CACHE_HOME): the
    runs of one firmware share it, so only the first searches the board."""
    def run(c):
        old = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="mpeek-obj-cache-")
        try:
            return fn(c)
        finally:
            shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
            if old is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = old
    return run


def cache_lines(log):
    if not os.path.exists(log):
        return []
    with open(log, errors="replace") as f:
        lines = [l.strip() for l in f if l.startswith("# qstr cache: ")]
    open(log, "w").close()
    return lines


def cache_used(c, port, label):
    """A second obj uses the cache (its --log says so) and prints the same;
    --no-cache neither reads nor writes it; a damaged file costs a search
    and a note, and is written again."""
    c.test("%s: obj keeps the qstr pools in the cache and uses them the next time" % label)
    tmp = tempfile.mkdtemp(prefix="mpeek-obj-qcache-")
    env = dict(os.environ, XDG_CACHE_HOME=tmp)
    log = os.path.join(tmp, "wire.log")
    qdir = os.path.join(tmp, "mpeek", "qstr")
    try:
        define(port, ["cachelist = [1, 'cached', None, len]"])
        want = board_repr(port, "cachelist")
        rc, out0, err, _ = mpeek(["--port", port, "--log", log, "--no-cache", "obj",
                                  "cachelist"], timeout=180, env=env)
        lines = cache_lines(log)
        c.check(rc == 0 and lines == ["# qstr cache: off (--no-cache)"] and
                not os.path.exists(qdir), "--no-cache: %r %r" % (lines, err[-200:]))
        value = re.search(r"^value: (.*)$", out0.decode(errors="replace"), re.M)
        c.check(value is not None and value.group(1) == want, "--no-cache value %r, repr %r"
                % (value and value.group(1), want))
        rc, out1, err, _ = mpeek(["--port", port, "--log", log, "obj", "cachelist"],
                                 timeout=180, env=env)
        lines = cache_lines(log)
        files = os.listdir(qdir) if os.path.isdir(qdir) else []
        c.check(rc == 0 and len(lines) == 2 and lines[0].startswith("# qstr cache: miss") and
                lines[1].startswith("# qstr cache: wrote ") and len(files) == 1,
                "first run: %r %r %r" % (lines, files, err[-200:]))
        rc, out2, err, _ = mpeek(["--port", port, "--log", log, "obj", "cachelist"],
                                 timeout=180, env=env)
        lines = cache_lines(log)
        c.check(rc == 0 and len(lines) == 1 and
                lines[0].startswith("# qstr cache: hit: const pools and last_pool from ") and
                err == "", "second run: %r %r" % (lines, err[-200:]))
        c.check(out2 == out0 and out1 == out0, "the same output with and without the cache: "
                "%r %r" % (out0[-120:], out2[-120:]))
        # a damaged file: a note, a search, the file written again
        if files:
            path = os.path.join(qdir, files[0])
            data = bytearray(open(path, "rb").read())
            data[80] ^= 0xff
            open(path, "wb").write(bytes(data))
        rc, out3, err, _ = mpeek(["--port", port, "--log", log, "obj", "cachelist"],
                                 timeout=180, env=env)
        lines = cache_lines(log)
        c.check(rc == 0 and out3 == out0 and "checksum does not match" in err and
                err.count("\n") == 1 and any(l.startswith("# qstr cache: wrote") for l in lines),
                "damaged file: %r %r" % (lines, err))
        rc, out4, err, _ = mpeek(["--port", port, "--log", log, "obj", "cachelist"],
                                 timeout=180, env=env)
        lines = cache_lines(log)
        c.check(rc == 0 and out4 == out0 and len(lines) == 1 and "hit" in lines[0],
                "after the rewrite: %r" % lines)
        # a file that reads well but no longer fits (the pool moved): the
        # board is searched again, the names are right, the file rewritten
        if files:
            path = os.path.join(qdir, files[0])
            data = bytearray(open(path, "rb").read())
            struct.pack_into("<I", data, 104, struct.unpack_from("<I", data, 104)[0] + 4)
            data[-32:] = hashlib.sha256(bytes(data[:-32])).digest()
            open(path, "wb").write(bytes(data))
        rc, out5, err, _ = mpeek(["--port", port, "--log", log, "obj", "cachelist"],
                                 timeout=180, env=env)
        lines = cache_lines(log)
        c.check(rc == 0 and out5 == out0 and "does not fit the board" in err and
                err.count("\n") == 1 and any(l.startswith("# qstr cache: stale: ") for l in lines)
                and any(l.startswith("# qstr cache: wrote") for l in lines),
                "a moved pool: %r %r" % (lines, err))
        rc, out6, err, _ = mpeek(["--port", port, "--log", log, "obj", "cachelist"],
                                 timeout=180, env=env)
        lines = cache_lines(log)
        c.check(rc == 0 and out6 == out0 and len(lines) == 1 and "hit" in lines[0],
                "after the rescan: %r" % lines)
        define(port, ["del cachelist"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def microbit_cache(c):
    q = Qemu("pty")
    try:
        settle(q.port)
        cache_used(c, q.port, "1.9.2")
    finally:
        q.stop()


def modern_cache(c):
    need_modern_firmware(c)
    from test_qemu import ModernQemu
    q = ModernQemu()
    try:
        cache_used(c, q.port, "1.29")
    finally:
        q.stop()


TESTS = [("microbit", own_cache(microbit)), ("modern", own_cache(modern)),
         ("microbit_cache", microbit_cache), ("modern_cache", modern_cache)]


def main():
    return run_tests("obj", TESTS)


if __name__ == "__main__":
    sys.exit(main())
