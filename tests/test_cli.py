#!/usr/bin/env python3
"""test_cli.py: mpeek's command line without a board.

The offline memory map (`regions --ld ... --board ...`) in every format,
linker-script diagnostics as a user sees them, board profiles, and the
errors a user gets for bad options, missing files and unknown boards:
one line each, naming the thing and the fix, and nothing sent anywhere.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, mpeek, mpeek_bin, run, run_tests  # noqa: E402

LD = os.path.join(ROOT, "tests", "data", "ld")


def offline_regions(c):
    c.test("offline regions from an INCLUDE chain plus a profile")
    args = ["regions", "--ld", os.path.join(LD, "esp8266/boards/esp8266_2MiB.ld"),
            "--ld-path", os.path.join(LD, "esp8266"), "--board", "esp8266"]
    rc, out, err, _ = mpeek(args, timeout=20)
    text = out.decode()
    c.check(rc == 0, "exits 0 without a board (%r)" % err)
    c.check("irom0_0_seg" in text and "0x40209000" in text, "the ld region is there")
    c.check("flash-map" in text and "profile" in text, "the profile's regions are there")
    c.check("symbol _heap_end" in text and "0x3fffc000" in text,
            "symbols from the INCLUDEd file are named addresses")
    c.check("PROVIDEd symbols not shown" in text, "PROVIDEs of the rom file counted")

    c.test("CSV and JSON")
    rc, out, err, _ = mpeek(args + ["--format", "csv"], timeout=20)
    rows = list(csv.reader(io.StringIO(out.decode())))
    c.check(rc == 0 and rows and rows[0] == ["name", "start", "end", "size", "attrs", "kind",
                                              "source", "notes"], "header: %r" % rows[:1])
    irom = [r for r in rows if r and r[0] == "irom0_0_seg"]
    c.check(irom and irom[0][1:4] == ["0x40209000", "0x40300000", "0xf7000"]
            and irom[0][6] == "linker script", "irom0 row: %r" % irom)
    for r in rows[1:]:
        c.check(len(r) == 8 and int(r[2], 16) - int(r[1], 16) == int(r[3], 16),
                "end is exclusive, size = end - start: %r" % r)
    rc, out, err, _ = mpeek(args + ["--format", "json"], timeout=20)
    try:
        doc = json.loads(out.decode())
    except ValueError as e:
        doc = {}
        c.check(False, "JSON parses: %s" % e)
    regs = {r["name"]: r for r in doc.get("regions", [])}
    c.check(regs.get("irom0_0_seg", {}).get("parent") == "flash-map",
            "nesting kept in JSON: %r" % regs.get("irom0_0_seg"))


def ld_defsym_and_conflict(c):
    c.test("a linker script alone, with defsyms and a conflict")
    stm = os.path.join(LD, "stm32/boards/stm32f405.ld")
    rc, out, err, _ = mpeek(["regions", "--ld", stm, "--ld-path", os.path.join(LD, "stm32/boards")],
                            timeout=20)
    c.check(rc == 0, "exits 0 with diagnostics (%r)" % err)
    c.check("stm32f405.ld:" in err and "_estack_reserve" in err and
            "--ld-defsym _estack_reserve=VALUE" in err,
            "names the missing symbol and the option that gives it: %r" % err)
    rc, out, err, _ = mpeek(["regions", "--ld", stm, "--ld-path", os.path.join(LD, "stm32/boards"),
                             "--ld-defsym", "_estack_reserve=8"], timeout=20)
    c.check("_estack_reserve" not in err, "the defsym satisfies it: %r" % err)
    c.check(b"0x2001fff8" in out, "_estack = 0x2001fff8 as ld computes it")


def broken_ld_scripts(c):
    c.test("broken linker scripts: file:line:col diagnostics, good regions kept")
    for name, want in (("div_zero.ld", "division by zero"),
                       ("unterminated_comment.ld", "unterminated"),
                       ("unknown_region.ld", "SRAM3"),
                       ("undefined_length.ld", "__micropy_flash_size__"),
                       ("truncated_memory.ld", "")):
        path = os.path.join(LD, "broken", name)
        rc, out, err, secs = mpeek(["regions", "--ld", path], timeout=20)
        c.check(rc == 0 and secs < 10, "%s: no crash, no hang (rc=%r)" % (name, rc))
        c.check(("%s:" % path) in err and want in err, "%s: diagnostic: %r" % (name, err))
        good = "RAM" if name == "undefined_length.ld" else "FLASH"
        c.check(good in out.decode() or name == "unterminated_comment.ld",
                "%s: the good regions are still shown" % name)


def profiles(c):
    c.test("profiles")
    rc, out, err, _ = mpeek(["regions", "--board", "list"], timeout=10)
    names = [line.split()[0] for line in out.decode().splitlines() if line.strip()]
    c.check(rc == 0 and "microbit" in names and "esp32" in names and "rp2040" in names,
            "lists the built-in profiles: %r" % names)
    rc, out, err, _ = mpeek(["regions", "--board", "microbit"], timeout=10)
    c.check(rc == 0 and b"0x20004000" in out, "offline micro:bit map (%r)" % err)
    rc, out, err, _ = mpeek(["regions", "--board", "nope"], timeout=10)
    c.check(rc not in (0, None) and "no board profile 'nope'" in err and "microbit" in err,
            "unknown board names the known ones: %r" % err)
    env = dict(os.environ, MPEEK_PROFILES="/nonexistent/profiles")
    rc, out, err, _ = mpeek(["regions", "--board", "microbit"], timeout=10, env=env)
    c.check(rc not in (0, None) and "MPEEK_PROFILES" in err, "missing profiles folder: %r" % err)


def bad_options(c):
    c.test("bad options are one-line errors")
    for args, word in ((["regions", "--format", "xml", "--board", "microbit"], "--format"),
                       (["regions", "--ld", "/nonexistent.ld"], "/nonexistent.ld"),
                       (["regions", "--ld-defsym", "oops", "--board", "microbit"], "NAME=VALUE"),
                       (["--offline", "info"], "info reads a snapshot"),
                       (["--offline", "snapshot", "x.mpk"], "--offline"),
                       (["frobnicate"], "unknown command"),
                       (["--bogus"], "unknown option '--bogus'"),
                       (["read"], "ADDR and LEN"),
                       (["--timeout"], "needs a value"),
                       (["--chunk", "10", "info"], "--chunk")):
        rc, out, err, _ = mpeek(args, timeout=10)
        c.check(rc not in (0, None) and word in err and err.count("\n") == 1,
                "%s: %r" % (args, err))
    rc, out, err, _ = mpeek(["--help"], timeout=10)
    c.check(rc == 0 and b"regions" in out and b"--ld-defsym" in out, "help lists the commands")


FIX = os.path.join(ROOT, "build", "fixtures")


def images(c):
    """Firmware images without a board: map, frozen manifest, errors."""
    elf = os.path.join(FIX, "img_basic.elf")
    frz = os.path.join(FIX, "frozen_v119.elf")
    tmp = tempfile.mkdtemp(prefix="mpeek-cli-")

    c.test("regions of an ELF image: sections, .data stored in flash")
    rc, out, err, _ = mpeek(["regions", "--image", elf, "--format", "csv"], timeout=20)
    rows = {r[0]: r for r in csv.reader(io.StringIO(out.decode())) if r}
    c.check(rc == 0, "exits 0 offline (%r)" % err)
    c.check(".text" in rows and rows[".text"][6] == "image", "a .text region from the image")
    c.check(".data" in rows and rows[".data"][1].startswith("0x2000"),
            ".data runs in RAM: %r" % rows.get(".data"))
    c.check(".data (load)" in rows and rows[".data (load)"][1].startswith("0x000"),
            ".data is stored in flash: %r" % rows.get(".data (load)"))
    rc, out, err, _ = mpeek(["regions", "--image", os.path.join(FIX, "img_basic.bin") + "@0x8000000"],
                            timeout=20)
    c.check(rc == 0 and b"0x08000000" in out, "a raw binary at FILE@ADDR (%r)" % err)

    c.test("frozen modules from an ELF: table, CSV, JSON, compare")
    rc, out, err, _ = mpeek(["frozen", "--image", frz], timeout=20)
    c.check(rc == 0 and b"hello.py" in out, "table lists hello.py (%r, %r)" % (err, out))
    rc, out, err, _ = mpeek(["frozen", "--image", frz, "--format", "csv"], timeout=20)
    rows = list(csv.reader(io.StringIO(out.decode())))
    c.check(rc == 0 and rows and rows[0] == ["name", "address", "size", "sha256"],
            "CSV header: %r" % rows[:1])
    for r in rows[1:]:
        c.check(len(r) == 4 and r[1].startswith("0x") and int(r[2]) > 0 and len(r[3]) == 64,
                "CSV row: %r" % r)
    manifest = os.path.join(tmp, "m.csv")
    with open(manifest, "wb") as f:
        f.write(out)
    rc, jout, err, _ = mpeek(["frozen", "--image", frz, "--format", "json"], timeout=20)
    try:
        doc = json.loads(jout.decode())
    except ValueError:
        doc = None
    c.check(isinstance(doc, list) and [d["name"] for d in doc] == [r[0] for r in rows[1:]]
            and [d["sha256"] for d in doc] == [r[3] for r in rows[1:]], "JSON agrees with CSV")
    rc, out, err, _ = mpeek(["frozen", "--image", frz, "--compare", manifest], timeout=20)
    c.check(rc == 0 and out.count(b"same") >= len(rows) - 1, "all same: %r" % out)
    # An old manifest: one digest changed, one module gone, one extra.
    lines = open(manifest).read().splitlines()
    if len(lines) >= 3:
        f = lines[1].split(",")
        f[3] = "0" * 64
        lines[1] = ",".join(f)
        gone = lines.pop(2).split(",")[0]
        lines.append("retired.py,0x00001000,12,%s" % ("ab" * 32))
        old = os.path.join(tmp, "old.csv")
        open(old, "w").write("\n".join(lines) + "\n")
        rc, out, err, _ = mpeek(["frozen", "--image", frz, "--compare", old], timeout=20)
        text = out.decode()
        c.check(rc == 3, "exit 3 when modules changed (rc=%r, %r)" % (rc, err))
        c.check(re.search(r"^changed +%s" % re.escape(f[0]), text, re.M) is not None,
                "changed %s: %r" % (f[0], text))
        c.check(re.search(r"^added +%s" % re.escape(gone), text, re.M) is not None,
                "added %s" % gone)
        c.check(re.search(r"^removed +retired\.py", text, re.M) is not None, "removed retired.py")
    rc, out, err, _ = mpeek(["frozen", "--image", elf], timeout=20)
    c.check(rc == 0 and b"no frozen modules" in out, "an image without frozen tables says so: %r"
            % out)

    c.test("where ADDR in an image: region, symbol, frozen module, decoded bytes")
    syms = {}
    nm = subprocess.run(["arm-none-eabi-nm", "-S", frz], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        p = line.split()
        if len(p) == 4:
            syms[p[3]] = (int(p[0], 16), int(p[1], 16))
    at = syms.get("fun_data_hello__lt_module_gt_", (0, 0))[0]
    rc, out, err, _ = mpeek(["where", hex(at), "--image", frz], timeout=20)
    text = out.decode()
    c.check(rc == 0 and "symbol: fun_data_hello__lt_module_gt_+0x0" in text,
            "the symbol at 0x%x (%r, %r)" % (at, err, text))
    c.check("frozen module: hello.py (bytecode" in text, "the frozen module: %r" % text)
    c.check(re.search(r"prelude n_state=\d+", text) is not None, "the prelude decoded: %r" % text)
    rc, out, err, _ = mpeek(["where", "0x20000004", "--image", elf], timeout=20)
    c.check(rc == 0 and out.startswith(b".data +0x4: ram") and b"symbol: data_bytes+0x4" in out,
            ".data in RAM and its symbol: %r" % out)

    c.test("broken and missing images: one-line errors")
    data = open(elf, "rb").read()
    trunc = os.path.join(tmp, "trunc.elf")
    open(trunc, "wb").write(data[:len(data) // 3])
    noname = os.path.join(tmp, "blob.dat")
    open(noname, "wb").write(b"\x01\x02\x03")
    badhex = os.path.join(tmp, "bad.hex")
    open(badhex, "w").write(":0400000001020304F3\n:00000001FF\n")
    for args, words in (
            (["regions", "--image", trunc], [trunc]),
            (["regions", "--image", "/nonexistent.elf"], ["/nonexistent.elf"]),
            (["regions", "--image", noname], [noname, "--base"]),
            (["regions", "--image", badhex], [badhex, "checksum"]),
            (["frozen", "--image", os.path.join(FIX, "frozen_v119.hex")], ["symbols"]),
            (["frozen", "--image", frz, "--compare", "/nonexistent.csv"], ["/nonexistent.csv"]),
            (["frozen", "--image", frz, "--compare", badhex], [badhex]),
            (["open", elf], ["terminal"]),
            (["open"], ["FILE"]),
            (["verify"], ["IMAGE"]),
            (["--offline", "verify", elf], ["board"]),
            (["--base", "0x1_0000_0000", "regions"], ["--base"])):
        rc, out, err, _ = mpeek(args, timeout=20)
        c.check(rc not in (0, None) and all(w in err for w in words) and err.count("\n") == 1,
                "%s: %r" % (args, err))
    shutil.rmtree(tmp, ignore_errors=True)


def plain_bin():
    """mpeek without sanitizers, for valgrind (which cannot run ASan's)."""
    b = mpeek_bin()
    return os.path.join(ROOT, "mpeek") if "build-san" in b else b


def empty_profile(c):
    """An empty profile file: a one-line error, nothing leaked (valgrind)."""
    c.test("regions --board list with an empty profile file")
    if shutil.which("valgrind") is None:
        c.check(False, "valgrind is installed")
        return
    tmp = tempfile.mkdtemp(prefix="mpeek-cli-")
    open(os.path.join(tmp, "empty.board"), "w").close()
    env = dict(os.environ, MPEEK_PROFILES=tmp)
    rc, out, err, _ = run(["valgrind", "-q", "--leak-check=full", "--error-exitcode=9",
                           plain_bin(), "regions", "--board", "list"], timeout=120, env=env)
    c.check(rc == 1, "exits 1, not valgrind's 9 (rc=%r)" % rc)
    c.check("empty.board" in err and "board NAME" in err, "names the file: %r" % err)
    c.check("definitely lost" not in err, "no leak: %r" % err)
    shutil.rmtree(tmp, ignore_errors=True)


def segments_hex(path, n, base=0x20000000):
    """An Intel HEX file of n one-byte segments, a gap after each."""
    def rec(addr, data, typ=0):
        b = [len(data), (addr >> 8) & 255, addr & 255, typ] + list(data)
        return ":" + "".join("%02X" % x for x in b + [(-sum(b)) & 255])
    lines, hi = [], -1
    for i in range(n):
        a = base + 2 * i
        if a >> 16 != hi:
            hi = a >> 16
            lines.append(rec(0, [hi >> 8, hi & 255], 4))
        lines.append(rec(a & 0xffff, [i & 255]))
    lines.append(":00000001FF")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def many_segments(c):
    """A HEX image of many segments: every one a region, named apart; the
    work grows as n log n (instructions counted by callgrind, no clock)."""
    tmp = tempfile.mkdtemp(prefix="mpeek-cli-")
    c.test("regions of a HEX image of 20000 segments")
    path = os.path.join(tmp, "seg.hex")
    segments_hex(path, 20000)
    rc, out, err, _ = mpeek(["regions", "--offline", "--image", path, "--format", "csv"],
                            timeout=120)
    rows = list(csv.reader(io.StringIO(out.decode())))[1:]
    c.check(rc == 0 and len(rows) == 20000, "20000 rows (rc=%r, %d, %r)" % (rc, len(rows), err))
    c.check([int(r[1], 16) for r in rows] == [0x20000000 + 2 * i for i in range(20000)],
            "every segment at its address, in order")
    c.check(len({r[0] for r in rows}) == 20000 and rows[-1][0] == "seg.hex #20000",
            "each named apart: %r" % (rows[-1:],))
    rc, out, err, _ = mpeek(["where", "0x20009c3e", "--image", path], timeout=60)
    c.check(rc == 0 and out.startswith(b"seg.hex #20000 +0x0"), "where finds the last: %r" % out)
    rc, out, err, _ = mpeek(["where", "0x20009c3d", "--image", path], timeout=60)
    c.check(rc == 0 and b"#" not in out, "nothing in a gap: %r" % out)

    c.test("the region map is not quadratic (callgrind instruction counts)")
    if shutil.which("valgrind") is None:
        c.check(False, "valgrind is installed")
        shutil.rmtree(tmp, ignore_errors=True)
        return
    counts = []
    for n in (2048, 4096, 8192):
        path = os.path.join(tmp, "s%d.hex" % n)
        segments_hex(path, n)
        cg = os.path.join(tmp, "cg.%d" % n)
        rc, out, err, _ = run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg,
                               plain_bin(), "regions", "--offline", "--image", path],
                              timeout=300)
        m = re.search(r"Collected : (\d+)", err)
        c.check(rc == 0 and m is not None, "callgrind ran (rc=%r, %r)" % (rc, err[-300:]))
        counts.append(int(m.group(1)) if m else 0)
    # Fixed costs cancel in the differences: n log n doubles them (a bit
    # over 2), n^2 quadruples them.
    d1, d2 = counts[1] - counts[0], counts[2] - counts[1]
    ratio = d2 / d1 if d1 > 0 else 99
    print("  ratio %.2f" % ratio)
    c.check(ratio < 2.8, "4096->8192 costs %.2f times 2048->4096 (%r)" % (ratio, counts))
    shutil.rmtree(tmp, ignore_errors=True)


def terminal_safe(data):
    """No control bytes but newlines (and no DEL, no C1) in what mpeek printed."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    text = data.decode("utf-8", "replace")
    return not any((ord(ch) < 0x20 and ch != "\n") or 0x7f <= ord(ch) <= 0x9f for ch in text)


def jman_write(tmp):
    path = os.path.join(tmp, "m.json")
    with open(path, "wb") as f:
        f.write(b'[{"name": "\\u001b[2Jx.py", "address": "0x00001000", "size": 12, '
                b'"sha256": "%s"}]\n' % (b"ab" * 32))
    return path


def hostile_text(c):
    """Names from files that hold terminal control sequences are shown
    escaped (\\x1b) on stdout and stderr, in every format."""
    tmp = tempfile.mkdtemp(prefix="mpeek-cli-")
    c.test("control sequences in linker scripts, HEX records, manifests, profiles")
    ld = os.path.join(tmp, "evil.ld")
    with open(ld, "wb") as f:
        f.write(b"MEMORY { FLASH (rx) : ORIGIN = 0, LENGTH = 256K }\n"
                b"INCLUDE \"\x1b[2J\x1b]0;pwned\x07.ld\"\n")
    rc, out, err, _ = mpeek(["regions", "--ld", ld], timeout=20)
    c.check(rc == 0 and "cannot find INCLUDE file" in err, "the missing INCLUDE is named: %r" % err)
    c.check(terminal_safe(err) and terminal_safe(out), "no raw control bytes: %r" % err)
    c.check("\\x1b[2J" in err or "?[2J" in err, "shown escaped: %r" % err)

    hexf = os.path.join(tmp, "evil.hex")
    with open(hexf, "wb") as f:
        f.write(b":0400000001\x1b[2J04F2\n:00000001FF\n")
    rc, out, err, _ = mpeek(["regions", "--image", hexf], timeout=20)
    c.check(rc == 1 and terminal_safe(err) and "'\\x1b' is not a hex digit" in err,
            "a HEX record's ESC: %r" % err)
    with open(hexf, "wb") as f:
        f.write(b":04000000010203\x004F2\n:00000001FF\n")
    rc, out, err, _ = mpeek(["regions", "--image", hexf], timeout=20)
    c.check(rc == 1 and "'\\x00' is not a hex digit" in err and err.count("\n") == 1,
            "a HEX record's NUL does not cut the message: %r" % err)

    frz = os.path.join(FIX, "frozen_v119.elf")
    man = os.path.join(tmp, "m.csv")
    with open(man, "wb") as f:
        f.write(b"name,address,size,sha256\n\x1b[2J\x1b]0;x\x07.py,0x00001000,12,%s\n"
                % (b"ab" * 32))
    for m in (man, jman_write(tmp)):
        rc, out, err, _ = mpeek(["frozen", "--image", frz, "--compare", m], timeout=20)
        c.check(rc == 1 and "\\x1b[2J" in err and "is not a module name" in err and
                terminal_safe(err) and err.count("\n") == 1,
                "%s: a bad module name, named escaped: %r" % (os.path.basename(m), err))

    prof = os.path.join(tmp, "profiles")
    os.mkdir(prof)
    with open(os.path.join(prof, "evil.board"), "wb") as f:
        f.write(b'board evil\ndescription "\x1b[2Jwiped"\n'
                b'region fl\x1bash 0 256K r-x flash read "\x1b]0;t\x07"\n')
    env = dict(os.environ, MPEEK_PROFILES=prof)
    rc, out, err, _ = mpeek(["regions", "--board", "list"], timeout=20, env=env)
    c.check(rc == 0 and b"\\x1b[2Jwiped" in out and terminal_safe(out),
            "a profile's description: %r" % out)
    for fmt in ("table", "csv", "json"):
        rc, out, err, _ = mpeek(["regions", "--board", "evil", "--format", fmt], timeout=20,
                                env=env)
        c.check(rc == 0 and terminal_safe(out) and terminal_safe(err),
                "%s: no raw control bytes: %r" % (fmt, out))
        if fmt == "json":
            try:
                names = [r["name"] for r in json.loads(out.decode())["regions"]]
            except ValueError:
                names = []
            c.check(names == ["fl\x1bash"], "JSON keeps the name, escaped as \\u001b: %r" % out)
        else:
            c.check(b"fl\\x1bash" in out, "%s shows it escaped: %r" % (fmt, out))
    shutil.rmtree(tmp, ignore_errors=True)


def microbit_image(c):
    """The micro:bit's firmware.hex with and without the board's map."""
    from testlib import FIRMWARE_HEX
    c.test("firmware.hex on the micro:bit map: it fits, its UICR bytes are rom")
    if not os.path.exists(FIRMWARE_HEX):
        c.check(False, "%s is installed" % FIRMWARE_HEX)
        return
    rc, out, err, _ = mpeek(["regions", "--board", "microbit", "--image", FIRMWARE_HEX,
                             "--format", "csv"], timeout=20)
    rows = {r[0]: r for r in csv.reader(io.StringIO(out.decode())) if r}
    c.check(rc == 0 and "firmware.hex #1" in rows and "firmware.hex #2" in rows,
            "both segments (rc=%r, %r)" % (rc, err))
    c.check(all("conflict" not in r[7] for r in rows.values()),
            "a 238 KiB image in a 256 KiB flash is no conflict: %r" % rows)
    c.check(rows.get("firmware.hex #2", [""] * 8)[5] == "rom",
            "the UICR segment is rom, as the UICR: %r" % rows.get("firmware.hex #2"))
    c.check(rows.get("firmware.hex #1", [""] * 8)[5] == "flash", "the code is flash")
    rc, out, err, _ = mpeek(["where", "0x100010c4", "--board", "microbit", "--image",
                             FIRMWARE_HEX], timeout=20)
    lines = out.decode().splitlines()
    c.check(rc == 0 and len(lines) >= 2 and lines[0].startswith("firmware.hex #2 +0x4: rom") and
            lines[1].startswith("  in uicr +0xc4: rom"), "where: the segment in the UICR: %r"
            % lines)

    c.test("firmware.hex alone says which --board adds the map")
    rc, out, err, _ = mpeek(["regions", "--image", FIRMWARE_HEX], timeout=20)
    c.check(rc == 0 and b"note: firmware.hex looks like an image for the boards microbit, "
            b"nrf51-microbit: --board microbit" in out, "the note: %r" % out[-300:])
    for img in ("img_basic.hex", "img_basic.elf"):
        rc, out, err, _ = mpeek(["regions", "--image", os.path.join(FIX, img)], timeout=20)
        c.check(rc == 0 and b"looks like an image for" not in out,
                "%s (no UICR bytes) is not taken for a micro:bit: %r" % (img, out[-200:]))


TESTS = [
    ("offline_regions", offline_regions),
    ("ld_defsym_and_conflict", ld_defsym_and_conflict),
    ("broken_ld_scripts", broken_ld_scripts),
    ("profiles", profiles),
    ("images", images),
    ("empty_profile", empty_profile),
    ("many_segments", many_segments),
    ("hostile_text", hostile_text),
    ("microbit_image", microbit_image),
    ("bad_options", bad_options),
]


def main():
    return run_tests("cli", TESTS)


if __name__ == "__main__":
    sys.exit(main())
