#!/usr/bin/env python3
"""test_dis.py: `mpeek dis` against golden listings.

Offline: every frozen module of the modern firmware (../shared/firmware)
listed from its ELF, compared byte for byte with tests/data/dis_v129_*.dis;
MODULE.FUNC, an address, JSON, and bad targets.  On the running 1.29 board
(QEMU): the same modules read from the board must give the same listings,
and functions typed at its REPL (`dis @f`) their golden listings (heap
addresses, which depend on what the heap held before, written 0x2xxxxxxx);
the same functions typed at the micro:bit's 1.9.2 (the v1.9 format).
Tests that need the firmware skip, saying so, when it is absent.
"""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import mpeek, need_modern_firmware, run_tests, settle, talk  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MODULES = [("frozen_const", "dis_v129_frozen_const.dis"),
           ("unittest", "dis_v129_unittest.dis")]

# Typed at the 1.29 REPL: a function with defaults, a keyword-only
# argument, a list comprehension (a closure over a) and try/except; a
# closure made by another function.
REPL_DEFS = [
    ["def f(a, b=2, *, c=3):", "    x = [i * a for i in range(b)]", "    try:",
     "        return x[c]", "    except IndexError:", "        return 1.5", ""],
    ["def outer(a):", "    def inner():", "        return a", "    return inner", "",
     "clo = outer(5)"],
]
REPL_TARGETS = [("@f", "dis_v129_repl_f.dis"), ("@clo", "dis_v129_repl_clo.dis"),
                ("@outer", "dis_v129_repl_outer.dis")]


def mp(args, timeout=60):
    rc, out, err, secs = mpeek(args, timeout=timeout)
    return rc, out.decode(errors="replace"), err, secs


def golden(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read().decode()


def heap_free(text):
    return re.sub(r"0x2[0-9a-f]{7}", "0x2xxxxxxx", text)


def check_modules(c, args, where):
    for mod, gold in MODULES:
        rc, out, err, _ = mp(args + ["dis", mod], timeout=180)
        want = golden(gold)
        c.check(rc == 0 and out == want,
                "%s: dis %s is tests/data/%s byte for byte (rc %d, %s)"
                % (where, mod, gold, rc, err.strip()[:200]))


def offline(c):
    elf = need_modern_firmware(c)
    c.test("dis lists every frozen module of the 1.29 ELF as the golden listings")
    check_modules(c, ["--offline", "--image", elf], "ELF")
    base = ["--offline", "--image", elf, "dis"]
    # the module's other names, one function, an address
    rc, out, _, _ = mp(base + ["unittest/__init__.py"])
    c.check(rc == 0 and out == golden("dis_v129_unittest.dis"), "dis unittest/__init__.py")
    rc, out, _, _ = mp(base + ["frozen_const.py"])
    c.check(rc == 0 and out == golden("dis_v129_frozen_const.dis"), "dis frozen_const.py")
    rc, out, _, _ = mp(base + ["unittest.TestCase.assertAlmostEqual"])
    whole = golden("dis_v129_unittest.dis")
    block = re.search(r"function assertAlmostEqual .*?(?=\n\nfunction |\Z)", whole, re.S)
    alone = re.sub(r"\n  parent [^\n]*", "", block.group(0)) + "\n" if block else None
    c.check(rc == 0 and out == alone,
            "MODULE.CLASS.FUNC: that function alone, as in the module's listing "
            "without its parent: %r" % out[:200])
    rc, out, _, _ = mp(base + ["unittest.TestCase"])
    c.check(rc == 0 and out.startswith("function TestCase") and
            "\nfunction assertAlmostEqual" in out and "\nfunction skip " not in out,
            "MODULE.CLASS: the class body and its methods, nothing else")
    rc, out, _, _ = mp(base + ["0x00029834"])
    c.check(rc == 0 and out.startswith("function main  (file unittest/__init__.py)"),
            "an address inside a frozen module: %r" % out[:80])
    rc, out, err, _ = mp(base + ["frozen_const", "--format", "json"])
    try:
        j = json.loads(out)
        ops = [i["op"] for i in j["functions"][0]["insns"]]
        c.check(ops[:2] == ["LOAD_CONST_OBJ", "STORE_NAME"] and ops[-1] == "RETURN_VALUE"
                and j["functions"][0]["file"] == "frozen_const.py",
                "JSON: %r" % ops[:4])
    except ValueError:
        c.check(False, "JSON does not parse: %r %r" % (out[:200], err))
    # bad targets: one line each, naming the thing
    for args, want in [(["nosuch"], "no frozen module nosuch"),
                       (["unittest.Nope"], "has no function Nope"),
                       (["@f"], "needs a board"),
                       (["@"], "@ takes an expression"),
                       (["frozen_const", "--format", "xml"], "takes text or json"),
                       (["0x00000010"], "0x00000010"),
                       ([], "dis takes one TARGET")]:
        rc, out, err, _ = mp(base + args)
        c.check(rc != 0 and want in err and err.count("\n") == 1 and not out,
                "dis %s: %r" % (" ".join(args), err))


def board(c):
    elf = need_modern_firmware(c)
    from test_obj import define
    from test_qemu import ModernQemu
    q = ModernQemu()
    m = None
    try:
        settle(q.port)
        c.test("1.29 board: frozen modules read from the board list as from the ELF")
        check_modules(c, ["--port", q.port, "--image", elf], "board")
        c.test("1.29 board: dis @f for functions typed at the REPL")
        for lines in REPL_DEFS:
            define(q.port, lines)
        for target, gold in REPL_TARGETS:
            rc, out, err, _ = mp(["--port", q.port, "dis", target], timeout=120)
            c.check(rc == 0 and heap_free(out) == golden(gold),
                    "dis %s is tests/data/%s (rc %d, %s):\n%s"
                    % (target, gold, rc, err.strip(), out))
        rc, out, err, _ = mp(["--port", q.port, "dis", "@print"], timeout=120)
        c.check(rc == 1 and "built-in function" in err and not out, "@print: %r" % err)
        rc, out, err, _ = mp(["--port", q.port, "dis", "@nosuchname"], timeout=120)
        c.check(rc == 1 and "could not evaluate nosuchname" in err, "@nosuchname: %r" % err)
        c.test("1.29 snapshot: dis ADDR of a REPL function lists as on the board")
        got = talk(q.port, b"print('A=%d' % id(f))\r", b">>> ", timeout=5)
        m = re.search(rb"A=(\d+)", got)
        c.check(m is not None, "the board says id(f): %r" % got)
        snap = os.path.join(tempfile.mkdtemp(prefix="mpeek-dis-"), "s.mpk")
        rc, _, err, _ = mp(["--port", q.port, "snapshot", snap], timeout=300)
        c.check(rc == 0, "snapshot: %r" % err)
        rc, live, err, _ = mp(["--port", q.port, "dis", "@f"], timeout=120)
    finally:
        q.stop()
    if m is not None and rc == 0:
        rc, out, err, _ = mp(["--image", snap, "dis", "0x%x" % int(m.group(1))], timeout=120)
        c.check(rc == 0 and out == live, "from the snapshot (rc %d, %s):\n%s\nlive:\n%s"
                % (rc, err, out, live))
        rc, out, err, _ = mp(["--image", snap, "dis", "@f"], timeout=60)
        c.check(rc == 1 and "needs a board" in err, "@f on a snapshot: %r" % err)
    if m is not None:
        shutil.rmtree(os.path.dirname(snap), ignore_errors=True)


def microbit(c):
    from test_obj import define
    from testlib import Qemu
    q = Qemu("pty")
    try:
        settle(q.port)
        c.test("micro:bit 1.9.2: dis @f for functions typed at the REPL (the v1.9 format)")
        for lines in REPL_DEFS:
            define(q.port, lines)
        for target, gold in REPL_TARGETS:
            gold = gold.replace("v129", "v192")
            rc, out, err, _ = mp(["--port", q.port, "dis", target], timeout=120)
            c.check(rc == 0 and heap_free(out) == golden(gold),
                    "dis %s is tests/data/%s (rc %d, %s):\n%s"
                    % (target, gold, rc, err.strip(), out))
        c.test("micro:bit 1.9.2: an asm_thumb function typed at the REPL, in Thumb")
        define(q.port, ["@micropython.asm_thumb", "def asm(r0):", "    add(r0, r0, 1)", ""])
        rc, out, err, _ = mp(["--port", q.port, "dis", "@asm"], timeout=120)
        c.check(rc == 0 and heap_free(out) == golden("dis_v192_repl_asm.dis"),
                "dis @asm is tests/data/dis_v192_repl_asm.dis (rc %d, %s):\n%s"
                % (rc, err.strip(), out))
        rc, out, err, _ = mp(["--port", q.port, "dis", "@len"], timeout=120)
        c.check(rc == 1 and "built-in function" in err and not out, "@len: %r" % err)
        rc, out, err, _ = mp(["--port", q.port, "dis", "frozen_const"], timeout=120)
        c.check(rc == 1 and "--image" in err and not out,
                "a frozen module without the ELF: %r" % err)
    finally:
        q.stop()


def load_oracle():
    """tests/tools/mpytool_decode.py, mpy-tool's decoding written apart from mpeek."""
    tools = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import mpytool_decode
    return mpytool_decode


def oracle_mismatch(ins, got, qnames):
    """None when mpeek's JSON instruction got says what mpy-tool's decoding
    ins says, else what differs.  qnames: {qstr index: name} of the module
    so far, and {name: index} under the key None (the same index must show
    the same name, and no two indices one name)."""
    import ast
    oracle = load_oracle()
    word = ins["name"].split()[0]
    want_bytes = ins["bytes"].hex()
    text = got.get("text", "")
    if got.get("address") != ins["address"]:
        return "address 0x%08x, mpy-tool has 0x%08x" % (got.get("address", -1), ins["address"])
    if got.get("bytes", "").replace(" ", "") != want_bytes:
        return "bytes %s, mpy-tool decodes %s" % (got.get("bytes"), want_bytes)
    if got.get("op") != word:
        return "op %s, mpy-tool names it %s" % (got.get("op"), ins["name"])
    arg, f = ins["arg"], ins["format"]
    if f == oracle.FMT_BYTE and ins["extra"] is None:
        return None if text == ins["name"] else "text %r, mpy-tool %r" % (text, ins["name"])
    if f == oracle.FMT_OFFSET:
        if got.get("target") != ins["target"]:
            t = got.get("target")
            return "jump target %s, mpy-tool 0x%08x" % (
                "0x%08x" % t if isinstance(t, int) else repr(t), ins["target"])
        return None if text.startswith(word + " ") else "text %r" % text
    if f == oracle.FMT_QSTR:
        if not text.startswith(word + " "):
            return "text %r" % text
        name = text[len(word) + 1:]
        if word == "LOAD_CONST_STRING":
            try:
                name = ast.literal_eval(name)
            except (ValueError, SyntaxError):
                return "LOAD_CONST_STRING text %r is no string" % text
        if "qstr" in ins and name != ins["qstr"]:
            return "text %r, mpy-tool %s %s" % (text, ins["name"], ins["qstr"])
        if qnames.setdefault(arg, name) != name:
            return "qstr %d shown as %r, earlier as %r" % (arg, name, qnames[arg])
        if qnames[None].setdefault(name, arg) != arg:
            return "qstr %d shown as %r, like qstr %d" % (arg, name, qnames[None][name])
        return None
    if word in ("CALL_FUNCTION", "CALL_FUNCTION_VAR_KW", "CALL_METHOD", "CALL_METHOD_VAR_KW"):
        want = "%s n_args=%d n_kw=%d" % (word, arg & 0xFF, arg >> 8)
        return None if text == want else "text %r, mpy-tool arg %d: %r" % (text, arg, want)
    if word in ("MAKE_CLOSURE", "MAKE_CLOSURE_DEFARGS"):
        want = "%s %d n_closed=%d" % (word, arg, ins["extra"])
    elif word == "LOAD_CONST_OBJ":
        want = None if "; obj[%d] " % arg in text else "obj[%d]" % arg
        return None if want is None else "text %r, mpy-tool %s" % (text, want)
    else:
        want = "%s %d" % (ins["name"], arg)
    if text == want or (word.startswith("MAKE_") and text.startswith(want + "  ;")):
        return None
    return "text %r, mpy-tool %r" % (text, want)


def mpytool_oracle(c):
    elf = need_modern_firmware(c)
    c.test("dis of every frozen module agrees with mpy-tool's decoding "
           "(tests/tools/mpytool_decode.py)")
    funs = load_oracle().frozen_functions(elf)
    c.check(len(funs) > 0, "the ELF has fun_data_* symbols: %d" % len(funs))
    rc, out, err, _ = mp(["--offline", "--image", elf, "frozen"])
    mods = [ln.split()[0] for ln in out.splitlines()[1:] if ln.strip()]
    c.check(rc == 0 and mods, "frozen lists the modules: %r %r" % (mods, err))
    seen = set()
    first = None
    compared = 0
    named = 0
    for mod in mods:
        rc, out, err, _ = mp(["--offline", "--image", elf, "dis", mod, "--format", "json"],
                             timeout=180)
        try:
            listed = json.loads(out)["functions"]
        except (ValueError, KeyError):
            c.check(False, "dis %s --format json: rc %d, %r %r" % (mod, rc, out[:200], err))
            continue
        qnames = {None: {}}
        for fun in listed:
            where = "%s: function %s (fun_data 0x%08x)" % (mod, fun.get("name"),
                                                         fun.get("fun_data", -1))
            seen.add(fun.get("fun_data"))
            if fun.get("fun_data") not in funs:
                first = first or "%s: no fun_data_* symbol there" % where
                continue
            sym, pre, insns = funs[fun["fun_data"]]
            where += " = %s" % sym
            keys = ("n_state", "n_exc_stack", "scope_flags", "n_pos_args", "n_kwonly_args",
                    "n_def_pos_args")
            got_sig = tuple(fun.get("prelude", {}).get(k) for k in keys)
            if got_sig != pre["signature"]:
                first = first or "%s: prelude %r, mpy-tool %r" % (where, got_sig, pre["signature"])
            if len(fun.get("args", [])) != len(pre["names"]) - 1:
                first = first or "%s: %d args, mpy-tool %d" % (where, len(fun.get("args", [])),
                                                              len(pre["names"]) - 1)
            if "qstrs" in pre and (fun.get("name"), fun.get("args")) != (pre["qstrs"][0],
                                                                          pre["qstrs"][1:]):
                first = first or "%s: name and args %r %r, mpy-tool %r" % (
                    where, fun.get("name"), fun.get("args"), pre["qstrs"])
            named += "qstrs" in pre
            got = fun.get("insns", [])
            for k, ins in enumerate(insns):
                if k >= len(got):
                    first = first or "%s: listing ends after %d instructions, mpy-tool has " \
                        "%s at 0x%08x next" % (where, k, ins["name"], ins["address"])
                    break
                why = oracle_mismatch(ins, got[k], qnames)
                compared += 1
                if why:
                    first = first or "%s: instruction %d at 0x%08x: %s" % (where, k,
                                                                          ins["address"], why)
                    break
            if len(got) > len(insns):
                first = first or "%s: %d instructions, mpy-tool %d" % (where, len(got), len(insns))
    print("   %d functions, %d instructions compared" % (len(seen), compared))
    c.check(named == len(funs), "the oracle names the qstrs of every function from the ELF's "
            "qstr tables (%d of %d)" % (named, len(funs)))
    c.check(first is None and compared > 0,
            "every instruction as mpy-tool decodes it; first mismatch: %s" % first)
    missing = sorted("%s 0x%08x" % (funs[a][0], a) for a in set(funs) - seen)
    extra = sorted("0x%08x" % a for a in seen - set(funs) if isinstance(a, int))
    c.check(not missing, "every fun_data_* symbol is a listed function; not listed: %s" % missing)
    c.check(not extra, "every listed function is a fun_data_* symbol; not: %s" % extra)


def mpytool_every_op(c):
    c.test("tests/data/bc_v6_every_op.dis (every opcode) agrees with mpy-tool's decoding")
    oracle = load_oracle()
    insn = re.compile(r"^ +(?:\d+ +)?0x([0-9a-f]{8})  ((?:[0-9a-f]{2} )+) *(?:L\d+: *)?(\S.*)$")
    funs = []
    for line in golden("bc_v6_every_op.dis").splitlines():
        if line.startswith("function "):
            funs.append([])
            continue
        m = insn.match(line)
        if m and funs:
            t = re.search(r" \(0x([0-9a-f]{8})\)", m.group(3))
            funs[-1].append({"address": int(m.group(1), 16), "bytes": m.group(2).strip(),
                             "op": m.group(3).split()[0], "text": m.group(3),
                             "target": int(t.group(1), 16) if t else None})
    first = None
    listed = set(int(got["bytes"][:2], 16) for lines in funs for got in lines)
    for lines in funs:
        qnames = {None: {}}
        for k, got in enumerate(lines):
            # the bytes from here on, as far as the listing runs on without a gap
            bc = bytearray()
            at = got["address"]
            for nxt in lines[k:]:
                if nxt["address"] != at:
                    break
                b = bytes.fromhex(nxt["bytes"])
                bc += b
                at += len(b)
            try:
                f, sz, arg, extra = oracle.opcode_decode(bc, 0)
            except IndexError:
                first = first or "0x%08x %s: mpy-tool reads past the listed bytes" % (
                    got["address"], got["text"])
                break
            ins = {"address": got["address"], "bytes": bytes(bc[:sz]), "opcode": bc[0],
                   "name": oracle.MAPPING[bc[0]], "format": f, "arg": arg, "extra": extra}
            if f == oracle.FMT_OFFSET:
                ins["target"] = got["address"] + oracle.jump_target(bc, 0, arg)
            why = oracle_mismatch(ins, got, qnames)
            if why:
                first = first or "0x%08x %s: %s" % (got["address"], got["text"], why)
                break
    named = set(v for v in range(256) if oracle.MAPPING[v] != "unknown")
    c.check(first is None and listed, "every listed instruction as mpy-tool decodes it "
            "(%d opcodes); first mismatch: %s" % (len(listed), first))
    c.check(named <= listed, "every opcode mpy-tool names is listed; not: %s"
            % ", ".join(oracle.MAPPING[v] for v in sorted(named - listed)))


FIX = os.path.join(os.path.dirname(DATA), "..", "build", "fixtures")


def no_banner(c):
    """An ELF without a "MicroPython v1.x" banner: the family from its
    frozen-module symbols (the frozen_v119 fixture: frozen_module_* and
    proto_fun_* structs, v1.23+), and a clear error when none tell it."""
    elf = os.path.normpath(os.path.join(FIX, "frozen_v119.elf"))
    if not os.path.exists(elf):
        raise Exception("%s is missing: run make fixtures" % elf)
    c.test("dis of a frozen module of an ELF without banner: the format from its symbols")
    rc, out, err, _ = mp(["--image", elf, "dis", "hello"], timeout=60)
    c.check(rc == 0 and out == golden("dis_fixture_hello.dis"),
            "dis hello is tests/data/dis_fixture_hello.dis (rc %d, %s):\n%s"
            % (rc, err.strip(), out))
    c.check("qstrs are shown as numbers" in err and err.count("\n") == 1,
            "the fixture's qstr pools are not real ones, and that is said: %r" % err)
    rc, out, err, _ = mp(["--image", elf, "dis", "0x2c3", "--format", "json"], timeout=60)
    ok = rc == 0
    if ok:
        j = json.loads(out)
        ok = (j["format"] == "v6 (MicroPython 1.19+)" and len(j["functions"]) == 1
              and j["functions"][0]["insns"][0]["op"] == "LOAD_GLOBAL")
    c.check(ok, "greet's bytecode (0x2c3) as JSON, format v6 (rc %d, %s)"
            % (rc, err.strip()))
    c.test("an ELF with neither banner nor frozen-module symbols: said, not guessed")
    basic = os.path.normpath(os.path.join(FIX, "img_basic.elf"))
    rc, out, err, _ = mp(["--image", basic, "dis", "0x100"], timeout=60)
    c.check(rc != 0 and "version is not known" in err and "frozen-module symbols" in err
            and not out and err.count("\n") == 1, "img_basic.elf: %r" % err)


def nm_addr(elf, name):
    import subprocess
    out = subprocess.run(["arm-none-eabi-nm", elf], capture_output=True, text=True,
                         timeout=30).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    raise Exception("%s has no symbol %s" % (elf, name))


def v115(c):
    """The bytecode of MicroPython 1.12-1.18 (.mpy version 5) from an ELF:
    the fun_v115 fixture's function object, reached through a closure
    as @EXPR reaches it (the format without MICROPY_PERSISTENT_CODE)."""
    elf = os.path.normpath(os.path.join(FIX, "fun_v115.elf"))
    if not os.path.exists(elf):
        raise Exception("%s is missing: run make fixtures" % elf)
    c.test("dis of a 1.15 closure's function from its ELF (the 1.12-1.18 format)")
    clo = nm_addr(elf, "clo_area")
    rc, out, err, _ = mp(["--image", elf, "dis", "0x%x" % clo], timeout=60)
    c.check(rc == 0 and out == golden("dis_fixture_v115_area.dis"),
            "dis clo_area is tests/data/dis_fixture_v115_area.dis (rc %d, %s):\n%s"
            % (rc, err.strip(), out))
    rc, out, err, _ = mp(["--image", elf, "dis", "0x%x" % nm_addr(elf, "fun_area"),
                          "--format", "json"], timeout=60)
    ok = rc == 0
    if ok:
        j = json.loads(out)
        ok = (j["format"] == "v5 (MicroPython 1.12-1.18)" and len(j["functions"]) == 2
              and [i["op"] for i in j["functions"][1]["insns"]]
              == ["LOAD_CONST_NONE", "RETURN_VALUE"])
    c.check(ok, "fun_area as JSON: v5, two functions (rc %d, %s)" % (rc, err.strip()))
    rc, out, err, _ = mp(["--image", elf, "dis", "0x%x" % nm_addr(elf, "raw_code_inner")],
                         timeout=60)
    c.check(rc == 0 and out.startswith("function qstr#302  (file qstr#301)\n  address   "
                                       "0x%08x (raw code), fun_data 0x%08x, 10 bytes\n"
                                       % (nm_addr(elf, "raw_code_inner"),
                                          nm_addr(elf, "fun_data_inner")))
            and "LOAD_CONST_NONE" in out,
            "the address of a raw code, as MAKE_FUNCTION shows it (rc %d, %s):\n%s"
            % (rc, err.strip(), out))
    g = nm_addr(elf, "globals_dict")
    rc, out, err, _ = mp(["--image", elf, "dis", "0x%x" % g], timeout=60)
    c.check(rc == 1 and "no bytecode function" in err and not out
            and err.count("\n") == 1, "an object that is no function, in one line: %r" % err)


def v117pc(c):
    """The 1.12-1.18 format with MICROPY_PERSISTENT_CODE, chosen because
    the ELF has mp_raw_code_load: 2-byte qstrs, const_table indices."""
    elf = os.path.normpath(os.path.join(FIX, "fun_v117pc.elf"))
    if not os.path.exists(elf):
        raise Exception("%s is missing: run make fixtures" % elf)
    c.test("dis of a 1.17 function built with persistent code, from its ELF")
    rc, out, err, _ = mp(["--image", elf, "dis", "0x%x" % nm_addr(elf, "fun_scale")],
                         timeout=60)
    c.check(rc == 0 and out == golden("dis_fixture_v117pc_scale.dis"),
            "dis fun_scale is tests/data/dis_fixture_v117pc_scale.dis (rc %d, %s):\n%s"
            % (rc, err.strip(), out))


def v118(c):
    """A module frozen by v1.18's mpy-tool in an ELF without banner: 1.18
    told by its one mp_frozen_names list beside mp_frozen_mpy_content,
    the module's raw code taken from that table (persistent code)."""
    elf = os.path.normpath(os.path.join(FIX, "frozen_v118.elf"))
    if not os.path.exists(elf):
        raise Exception("%s is missing: run make fixtures" % elf)
    c.test("dis of a frozen module of 1.18 from an ELF without banner")
    rc, out, err, _ = mp(["--image", elf, "dis", "hi"], timeout=60)
    c.check(rc == 0 and out == golden("dis_fixture_v118_hi.dis"),
            "dis hi is tests/data/dis_fixture_v118_hi.dis (rc %d, %s):\n%s"
            % (rc, err.strip(), out))
    rc, out, err, _ = mp(["--image", elf, "dis", "hi", "--format", "json"], timeout=60)
    c.check(rc == 0 and json.loads(out)["format"] == "v5 (MicroPython 1.12-1.18)",
            "as JSON, format v5 (rc %d, %s)" % (rc, err.strip()))


TESTS = [("offline", offline), ("no_banner", no_banner), ("v115", v115), ("v117pc", v117pc),
         ("v118", v118), ("board", board), ("microbit", microbit)]
TESTS.append(("mpytool_oracle", mpytool_oracle))
TESTS.append(("mpytool_every_op", mpytool_every_op))


def main():
    return run_tests("dis", TESTS)


if __name__ == "__main__":
    sys.exit(main())
