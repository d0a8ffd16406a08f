#!/usr/bin/env python3
"""test_runner.py: the test runners themselves.

tests/harness.h (the C unit-test programs) and testlib.run_tests (the
Python suites): a test is picked by name (C) or by -k (Python), --list
names the tests, an unknown name is an error that lists them, the closing
line counts tests (not checks) and skipped tests apart, and the exit status
says whether a test failed.  Small programs written here exercise each
case; nothing else is started.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, name_matches, run, run_tests  # noqa: E402

C_DEMO = r'''
#include "harness.h"
TEST(two_checks_fail) { CHECK(1); CHECK(0); CHECK_EQ_INT(1, 2); }
TEST(passes) { CHECK(1); CHECK_STR("a", "a"); }
TEST(passes_too) { CHECK(1); }
TEST(skips) { SKIP("needs /nonexistent/firmware.elf (absent)"); }
TEST(called_not_run) { CHECK(1); }
int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(two_checks_fail);
    RUN(passes);
    RUN(passes_too);
    RUN(skips);
    if (argc > 99) {
        called_not_run();
    }
    return harness_done("demo");
}
'''

PY_DEMO = r'''
import os, sys
sys.path.insert(0, %r)
from testlib import Fixture, need_modern_firmware, run_tests

STARTED = []

def two_checks_fail(c):
    c.check(True, "fine")
    c.check(False, "first bad check")
    c.check(False, "second bad check")

def passes(c):
    c.check(True, "fine")

def uses_board(c, board):
    c.check(board == "board", "the fixture: %%r" %% board)

def stalled_board(c, board):
    c.check(True, "fine")

def needs_firmware(c):
    need_modern_firmware(c)
    c.check(True, "ran with the firmware")

def raises(c):
    raise RuntimeError("boom")

def make_board():
    print("board started")
    return "board"

TESTS = [("two_checks_fail", two_checks_fail), ("passes", passes),
         ("uses_board", uses_board), ("stalled_board", stalled_board),
         ("needs_firmware", needs_firmware), ("raises", raises)]
FIXTURES = {"board": Fixture(make_board, lambda b: print("board stopped"))}
sys.exit(run_tests("pydemo", TESTS, FIXTURES))
'''


def build_c(tmp):
    src = os.path.join(tmp, "demo.c")
    with open(src, "w") as f:
        f.write(C_DEMO)
    exe = os.path.join(tmp, "demo")
    rc, out, err, _ = run([os.environ.get("CC", "cc"), "-std=c11", "-Wall", "-Wextra",
                           "-Werror", "-Wmissing-prototypes", "-I", os.path.join(ROOT, "tests"),
                           "-o", exe, src], timeout=60)
    return exe if rc == 0 else None, err


def c_harness(c):
    tmp = tempfile.mkdtemp(prefix="mpeek-runner-")
    try:
        exe, err = build_c(tmp)
        c.check(exe is not None, "the demo compiles with the project's warnings: %s" % err)
        if exe is None:
            return
        c.test("all tests: the closing line counts tests, skipped apart")
        rc, out, err, _ = run([exe], timeout=20)
        text = out.decode()
        lines = text.splitlines()
        c.check(rc == 1, "exit 1 when a test fails (rc=%r)" % rc)
        c.check(lines[-1] == "demo: 2 passed, 2 failed, 1 skipped",
                "two checks failing are one failed test; a test never RUN fails: %r" % text)
        c.check(sum("  FAIL " in ln and "demo.c:" in ln for ln in lines) == 2,
                "each failed check printed: %r" % text)
        c.check("FAILED two_checks_fail" in lines and "FAILED called_not_run" in lines,
                "failed tests named: %r" % text)
        c.check("never RUN" in text, "a test main() never runs is said: %r" % text)
        c.check(any(ln.startswith("  SKIP ") and "/nonexistent/firmware.elf" in ln for ln in lines),
                "the skip says why: %r" % text)

        c.test("tests by name")
        rc, out, err, _ = run([exe, "passes_too"], timeout=20)
        c.check(rc == 0 and out.decode().splitlines() == ["demo: 1 passed, 0 failed"],
                "one name runs that test alone: %r" % out)
        rc, out, err, _ = run([exe, "passes", "passes_too"], timeout=20)
        c.check(rc == 0 and out.decode().splitlines()[-1] == "demo: 2 passed, 0 failed",
                "several names: %r" % out)
        rc, out, err, _ = run([exe, "passes", "bogus"], timeout=20)
        c.check(rc == 2 and not out, "an unknown name runs nothing, exit 2 (rc=%r, %r)" % (rc, out))
        c.check(err.startswith("demo: no test named 'bogus'; the tests are:\n")
                and "  passes_too\n" in err and "  skips\n" in err,
                "the error lists the tests: %r" % err)

        c.test("--list")
        rc, out, err, _ = run([exe, "--list"], timeout=20)
        c.check(rc == 0 and out.decode().split() == ["two_checks_fail", "passes", "passes_too",
                                                    "skips", "called_not_run"],
                "--list names every test in file order: %r" % out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def k_expressions(c):
    c.test("-k: substrings, globs, and/or/not")
    for expr, name, want in (("stall", "stalled_board", True),
                             ("STALL", "stalled_board", True),
                             ("stall", "info", False),
                             ("info or stall", "info", True),
                             ("not stall", "stalled_board", False),
                             ("board and not stall", "uses_board", True),
                             ("(a or b) and c", "bc", True),
                             ("read_*", "read_ram", True),
                             ("read_*", "bad_read", False)):
        c.check(name_matches(expr, name) == want, "-k %r on %r is %r" % (expr, name, want))
    for bad in ("a and", "a b", "", "("):
        try:
            name_matches(bad, "a")
            c.check(False, "-k %r is refused" % bad)
        except ValueError:
            pass


def python_runner(c):
    tmp = tempfile.mkdtemp(prefix="mpeek-runner-")
    try:
        demo = os.path.join(tmp, "pydemo.py")
        with open(demo, "w") as f:
            f.write(PY_DEMO % os.path.join(ROOT, "tests"))
        env = dict(os.environ, MPEEK_MODERN_FIRMWARE=os.path.join(tmp, "absent.elf"))

        c.test("all tests: the closing line counts tests, skipped apart")
        rc, out, err, _ = run([sys.executable, demo], timeout=30, env=env)
        text = out.decode()
        lines = text.splitlines()
        c.check(rc == 1, "exit 1 when a test fails (rc=%r, %r)" % (rc, err))
        c.check(lines[-1:] == ["pydemo: 3 passed, 2 failed, 1 skipped"],
                "tests counted, not checks: %r" % text)
        c.check(sum(ln.startswith("  FAIL [two_checks_fail]") for ln in lines) == 2,
                "each failed check printed: %r" % text)
        c.check("FAILED two_checks_fail" in lines and "FAILED raises" in lines
                and "RuntimeError: boom" in text, "an exception fails its test: %r" % text)
        c.check(any(ln.startswith("SKIPPED needs_firmware: ") and "absent.elf" in ln
                    and "MPEEK_MODERN_FIRMWARE" in ln for ln in lines),
                "the skip names the firmware and how to give it: %r" % text)
        c.check(text.count("board started") == 1 and text.count("board stopped") == 1
                and text.index("board stopped") < text.index("== needs_firmware"),
                "the fixture starts once, stops after its last test: %r" % text)

        c.test("-k and --list")
        rc, out, err, _ = run([sys.executable, demo, "-k", "stall"], timeout=30, env=env)
        c.check(rc == 0 and out.decode().splitlines()[-1] == "pydemo: 1 passed, 0 failed"
                and "== stalled_board" in out.decode(), "-k stall runs that test: %r" % out)
        rc, out, err, _ = run([sys.executable, demo, "-k", "passes"], timeout=30, env=env)
        c.check("board started" not in out.decode(), "a fixture no chosen test needs is not made")
        rc, out, err, _ = run([sys.executable, demo, "--list"], timeout=30, env=env)
        c.check(rc == 0 and out.decode().split() == ["two_checks_fail", "passes", "uses_board",
                                                    "stalled_board", "needs_firmware", "raises"],
                "--list: %r" % out)
        rc, out, err, _ = run([sys.executable, demo, "--list", "-k", "board"], timeout=30, env=env)
        c.check(out.decode().split() == ["uses_board", "stalled_board"], "--list -k: %r" % out)
        rc, out, err, _ = run([sys.executable, demo, "-k", "nothing_like_it"], timeout=30, env=env)
        c.check(rc == 2 and not out and "no test matches -k 'nothing_like_it'" in err
                and "  stalled_board" in err, "no match: exit 2, the tests listed: %r" % err)
        rc, out, err, _ = run([sys.executable, demo, "-k", "a and"], timeout=30, env=env)
        c.check(rc == 2 and "and, or, not" in err and err.count("\n") == 1,
                "a -k that does not parse is one line: %r" % err)

        c.test("with the firmware present the test runs")
        fw = os.path.join(tmp, "modern.elf")
        open(fw, "wb").close()
        env["MPEEK_MODERN_FIRMWARE"] = fw
        rc, out, err, _ = run([sys.executable, demo, "-k", "firmware"], timeout=30, env=env)
        c.check(rc == 0 and out.decode().splitlines()[-1] == "pydemo: 1 passed, 0 failed",
                "not skipped: %r" % out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = [
    ("c_harness", c_harness),
    ("k_expressions", k_expressions),
    ("python_runner", python_runner),
]


def main():
    return run_tests("runner", TESTS)


if __name__ == "__main__":
    sys.exit(main())
