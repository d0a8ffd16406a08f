#!/usr/bin/env python3
"""test_modules.py: `mpeek modules` against real MicroPython in QEMU (the
micro:bit's 1.9.2, and 1.29 from ../shared/firmware when it is there).

A function defined at the REPL makes __main__'s bytes grow by what the
board's own gc.mem_alloc() grew (both after gc.collect()): exactly, when
the function's names are qstrs already (defined once and deleted before);
the first time, mem_alloc grows by more: the new qstrs (the qstr pools
and chunks are no module's), and that difference is printed.  The modules, shared
and not-attributed bytes add up to the heap map's used blocks.  A module
imported from a .py file (1.9.2) is in RAM and freezing it would save its
code; a frozen one (1.29, --image) matches its `mpeek frozen` row.  The
board keeps no mpeek names afterwards.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import (MODERN_FIRMWARE, Qemu, ask_board, mpeek, mpk_globals,  # noqa: E402
                     need_modern_firmware, run_tests, settle, talk)

FUNC = ["def mpkfun(a, b=2):", "    c = [a, b, 'const text']", "    return c", ""]


def define(port, lines):
    """Type the lines at the friendly REPL through paste mode (Ctrl-E ...
    Ctrl-D: no auto-indent), once more if the function is not there (a
    busy micro:bit may drop input just after mpeek leaves it)."""
    name = lines[0].split()[1].split("(")[0]
    for _ in range(3):
        settle(port)
        talk(port, b"\x05", b"=== ", timeout=5)
        talk(port, b"\r\n".join(l.encode() for l in lines) + b"\r\n\x04", b"\r\n>>> ",
             timeout=5)
        if "D=True=D" in (ask_board(port, "print('D=%%r=D'%%('%s' in globals()))" % name)
                          or ""):
            return


def say(port, line):
    """One line at the REPL; what it printed."""
    got = talk(port, line.encode() + b"\r", b"\r\n>>> ", timeout=10)
    return got.decode(errors="replace")


def mem_alloc(port):
    """gc.mem_alloc() after a collection, without a global for gc, through
    the raw REPL (a line typed at the friendly one stays in its history, on
    the heap)."""
    for _ in range(3):
        settle(port)
        out = ask_board(port, "__import__('gc').collect();print('A=%d=A'%"
                              "__import__('gc').mem_alloc())") or ""
        m = re.search(r"A=(\d+)=A", out)
        if m:
            return int(m.group(1))
        settle(port)
    return None


def report(c, port, extra=()):
    rc, out, err, _ = mpeek(["--port", port, "modules", "--format", "json"] + list(extra),
                            timeout=240)
    try:
        j = json.loads(out.decode())
    except ValueError:
        j = None
    c.check(rc == 0 and j is not None, "modules --format json: rc=%r %r %r"
            % (rc, out[-300:], err))
    return j


def row(j, name):
    for m in (j or {}).get("modules", []):
        if m["name"] == name:
            return m
    return None


def adds_up(c, j, label):
    c.test("%s: modules + shared + not attributed = the heap map's used bytes" % label)
    if j is None:
        c.check(False, "no report")
        return
    total = sum(m["bytes"] for m in j["modules"]) + j["shared"]["bytes"] + j["not_attributed"]
    c.check(total == j["heap_used"] and j["heap_used"] > 0,
            "%d != %d" % (total, j["heap_used"]))
    c.check(j["heap_used"] == j["board_gc_used"],
            "the blocks of the map (%d bytes) are what the board's mem_info says is used (%d)"
            % (j["heap_used"], j["board_gc_used"]))
    for m in j["modules"]:
        cats = sum(m[k] for k in ("bytecode", "raw_code", "const_tables", "const_objects",
                                  "functions", "globals", "other"))
        c.check(cats == m["bytes"], "%s: categories %d, bytes %d" % (m["name"], cats, m["bytes"]))
    c.check(j["skipped_helper_globals"] >= 1,
            "mpeek's own helper globals are left out: %r" % j["skipped_helper_globals"])


def repl_function(c, port, label):
    """__main__ grows by what the definition took on the heap."""
    c.test("%s: a function defined at the REPL: __main__ grows as gc.mem_alloc() does" % label)
    j0 = report(c, port)
    a0 = mem_alloc(port)
    define(port, FUNC)
    a1 = mem_alloc(port)
    j1 = report(c, port)
    m0, m1 = row(j0, "__main__"), row(j1, "__main__")
    if None in (m0, m1, a0, a1):
        c.check(False, "no __main__ row or no mem_alloc: %r %r %r %r" % (m0, m1, a0, a1))
        return
    grew, alloc = m1["bytes"] - m0["bytes"], a1 - a0
    print("  %s, first definition: __main__ +%d bytes (bytecode %+d, functions %+d, "
          "globals %+d), gc.mem_alloc() +%d: %d bytes more, the new qstrs"
          % (label, grew, m1["bytecode"] - m0["bytecode"], m1["functions"] - m0["functions"],
             m1["globals"] - m0["globals"], alloc, alloc - grew))
    c.check(m1["functions"] > m0["functions"] and m1["bytecode"] > m0["bytecode"],
            "a function and its bytecode: %r -> %r" % (m0, m1))
    c.check(0 < grew <= alloc, "grew %d, mem_alloc grew %d" % (grew, alloc))
    c.check(m1["freeze_saves"] > m0["freeze_saves"], "freezing it would save its code")

    c.test("%s: the same definition again (its qstrs exist): __main__ grows by exactly "
           "what gc.mem_alloc() grows" % label)
    # The collector is conservative: a stale word on the stack may keep the
    # deleted function alive through one collection and not the next, so
    # the pair is measured again (three times at most) until it is exact.
    tries = []
    for _ in range(3):
        say(port, "del mpkfun")
        j2 = report(c, port)
        a2 = mem_alloc(port)
        define(port, FUNC)
        a3 = mem_alloc(port)
        j3 = report(c, port)
        m2, m3 = row(j2, "__main__"), row(j3, "__main__")
        if None in (m2, m3, a2, a3):
            c.check(False, "no __main__ row or no mem_alloc")
            return
        tries.append((m3["bytes"] - m2["bytes"], a3 - a2))
        if tries[-1][0] == tries[-1][1]:
            break
    print("  %s, the same definition again: (__main__, gc.mem_alloc()) grew %s"
          % (label, ", then ".join("(+%d, +%d)" % t for t in tries)))
    c.check(m2["bytes"] < m1["bytes"], "the deleted function no longer counts: %d -> %d"
            % (m1["bytes"], m2["bytes"]))
    c.check(tries[-1][0] == tries[-1][1], "__main__ and gc.mem_alloc() grew %r" % tries)
    c.check(m3["bytes"] - m2["bytes"] == grew - (m1["globals"] - m0["globals"]) +
            (m3["globals"] - m2["globals"]),
            "the same function costs the same: %d then %d" % (grew, m3["bytes"] - m2["bytes"]))
    adds_up(c, j3, label)
    say(port, "del mpkfun")

    c.test("%s: a function with a new long name: gc.mem_alloc() also grows by its qstr, "
           "which no module holds" % label)
    # The qstr goes into a new chunk of its own, and the previous chunk is
    # trimmed to what it holds (py/qstr.c): gc.mem_alloc() grows by the new
    # chunk less that trim, which is more than __main__ grows and not
    # __main__'s.  A stale word may make a collection keep garbage (see
    # above): measured again with another new name, three times at most.
    tries = []
    for k in range(3):
        name = "mpk%d_" % k + "long_function_name_" * 8
        j4 = report(c, port)
        a4 = mem_alloc(port)
        define(port, ["def %s():" % name, "    return 1", ""])
        a5 = mem_alloc(port)
        j5 = report(c, port)
        say(port, "del %s" % name)
        m4, m5 = row(j4, "__main__"), row(j5, "__main__")
        if None in (m4, m5, a4, a5):
            c.check(False, "no __main__ row or no mem_alloc")
            return
        tries.append((m5["bytes"] - m4["bytes"], a5 - a4))
        if 0 < tries[-1][0] < tries[-1][1]:
            break
    print("  %s, a %d-character name: (__main__, gc.mem_alloc()) grew %s: the difference "
          "is the qstr's chunk less the previous chunk's trimmed tail"
          % (label, len(name), ", then ".join("(+%d, +%d)" % t for t in tries)))
    grew, alloc = tries[-1]
    c.check(0 < grew < alloc, "the qstr is no module's: __main__ +%d, mem_alloc +%d"
            % (grew, alloc))


def formats(c, port, label):
    c.test("%s: table and CSV say the same as JSON; bad input is one line" % label)
    j = report(c, port)
    rc, out, err, _ = mpeek(["--port", port, "modules"], timeout=240)
    text = out.decode()
    m = row(j, "__main__")
    c.check(rc == 0 and m is not None and
            re.search(r"^__main__ +RAM \(REPL\) +\d+", text, re.M) is not None and
            "freezing the RAM-loaded modules would give back" in text, "table: %r" % text)
    rc, out, err, _ = mpeek(["--port", port, "modules", "--format", "csv"], timeout=240)
    lines = out.decode().splitlines()
    c.check(rc == 0 and lines[0].startswith("module,code,file,frozen_as,bytes,bytecode") and
            any(l.startswith("__main__,RAM (REPL),") for l in lines) and
            lines[-1].startswith("(heap used),"), "csv: %r" % lines[:3])
    rc, out, err, _ = mpeek(["--port", port, "modules", "extra"], timeout=60)
    c.check(rc == 1 and "takes no arguments" in err and err.count("\n") == 1, err)
    rc, out, err, _ = mpeek(["--port", port, "modules", "--format", "xml"], timeout=60)
    c.check(rc == 1 and "xml" in err and err.count("\n") == 1, err)
    c.check(mpk_globals(port) == {}, "no mpeek names left: %r" % mpk_globals(port))


def microbit(c):
    q = Qemu("pty")
    try:
        settle(q.port)
        repl_function(c, q.port, "1.9.2")
        c.test("1.9.2: a module imported from a .py file is in RAM; freezing it would save "
               "its code")
        say(q.port, "__import__('os').remove('mpkmod.py') if 'mpkmod.py' in "
                    "__import__('os').listdir() else 0")
        # The file is written through the raw REPL (no echo, no line
        # history), again if a busy micro:bit dropped some of the line.
        text = 'X=[1,2]\ndef g(a):\n    return (a, "text")\n'
        out = ""
        for _ in range(3):
            settle(q.port)
            ask_board(q.port, "f=open('mpkmod.py','w');f.write(%r);f.close();del f" % text)
            got = ask_board(q.port, "print('F=%r=F'%open('mpkmod.py').read())") or ""
            out += got
            if ("F=%r=F" % text) in got:
                break
        out += say(q.port, "import mpkmod;print('G=%r'%(mpkmod.g(1),))")
        if "G=(1, 'text')" not in out:
            c.check(False, "the board could not import a module from a file: %r" % out)
        else:
            j = report(c, q.port)
            m = row(j, "mpkmod")
            c.check(m is not None and m["code"].startswith("RAM") and m["bytecode"] > 0 and
                    m["functions"] > 0 and m["globals"] > 0 and m["freeze_saves"] > 0,
                    "mpkmod: %r" % m)
            c.check(m is not None and j["freeze_saves"] == m["freeze_saves"],
                    "the total is mpkmod's: %r" % (j and j["freeze_saves"]))
            c.check(j is not None and "no sys.modules" in (j["note"] or ""),
                    "the note says how the list was found: %r" % (j and j["note"]))
            adds_up(c, j, "1.9.2 with a module")
            say(q.port, "del mpkmod;__import__('os').remove('mpkmod.py')")
        formats(c, q.port, "1.9.2")
    finally:
        q.stop()


def modern(c):
    need_modern_firmware(c)
    from test_qemu import ModernQemu
    q = ModernQemu()
    try:
        repl_function(c, q.port, "1.29")
        c.test("1.29: a frozen module matches its `mpeek frozen` row with --image")
        say(q.port, "import frozen_const")
        j = report(c, q.port, ["--image", MODERN_FIRMWARE])
        m = row(j, "frozen_const")
        c.check(m is not None and m["code"] == "flash (frozen)" and
                m["frozen_as"] == "frozen_const.py" and m["freeze_saves"] is None and
                m["bytecode"] == 0, "frozen_const: %r" % m)
        adds_up(c, j, "1.29 with a frozen module")
        say(q.port, "del frozen_const;del __import__('sys').modules['frozen_const']")
        c.test("1.29: without the ELF, a frozen module with functions is told by its "
               "bytecode in flash")
        say(q.port, "import unittest")
        j = report(c, q.port)
        m = row(j, "unittest")
        c.check(m is not None and m["code"] == "flash (frozen)" and m["frozen_as"] is None and
                m["functions_with_flash_code"] > 0 and m["functions_with_heap_code"] == 0 and
                m["bytecode"] == 0 and m["functions"] > 0, "unittest: %r" % m)
        c.check(j is not None and j["freeze_saves"] == 0, "nothing to freeze: %r"
                % (j and j["freeze_saves"]))
        say(q.port, "del unittest;del __import__('sys').modules['unittest']")
        formats(c, q.port, "1.29")
    finally:
        q.stop()


TESTS = [("microbit", microbit), ("modern", modern)]


def main():
    return run_tests("modules", TESTS)


if __name__ == "__main__":
    sys.exit(main())
