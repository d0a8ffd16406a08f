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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, Checks, mpeek  # noqa: E402

LD = os.path.join(ROOT, "tests", "data", "ld")


def main():
    c = Checks("cli")

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

    c.test("bad options are one-line errors")
    for args, word in ((["regions", "--format", "xml", "--board", "microbit"], "--format"),
                       (["regions", "--ld", "/nonexistent.ld"], "/nonexistent.ld"),
                       (["regions", "--ld-defsym", "oops", "--board", "microbit"], "NAME=VALUE"),
                       (["--offline", "info"], "--offline"),
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
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
