#!/usr/bin/env python3
"""test_attach.py: what attaching and leaving cost the board, end to end
against the fake board (tests/fakeboard.py), read from the board's own log
of what it was sent and ran:

  - an idle board gets one Ctrl-C, not the repeated recipe;
  - on new firmware the probe is one command (identity, features, the
    helper, the 8-bit echo), with the heap measurement queued behind it,
    and a read runs no more commands than it needs;
  - leaving runs mpeek's clean-up and Ctrl-B together, and the board is
    left at its friendly prompt without mpeek's names;
  - old firmware (no raw-paste) still probes in small steps, and `info`
    still reports the heap the helper holds on both.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, mpeek, run_tests, stop_group  # noqa: E402

FAKE = os.path.join(ROOT, "tests", "fakeboard.py")
TMP = tempfile.mkdtemp(prefix="mpeek-attach-")


class Board:
    n = 0

    def __init__(self, *args):
        Board.n += 1
        self.log = os.path.join(TMP, "board%d.log" % Board.n)
        self.proc = subprocess.Popen(["python3", FAKE, "--log", self.log] + list(args),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        line = self.proc.stderr.readline().decode()
        m = re.search(r"(/dev/pts/\d+)", line)
        if not m:
            raise RuntimeError("fake board did not start: %r" % line)
        self.pty = m.group(1)

    def events(self):
        """The board's log so far (it writes each event as it happens)."""
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            text = open(self.log).read() if os.path.exists(self.log) else ""
            if text.rstrip().endswith("friendly") or "raw-exit" not in text:
                break
            time.sleep(0.05)
        return text.split("\n")

    def stop(self):
        stop_group(self.proc)


def one_session(ev):
    """The events of the last mpeek session: from the last boot/ctrl-c
    burst before 'raw-enter' to the end."""
    start = max(i for i, e in enumerate(ev) if e == "raw-enter")
    first = start
    while first > 0 and ev[first - 1] != "raw-exit":
        first -= 1
    return ev[first:]


def execs(ev):
    return [int(e.split()[1]) for e in ev if re.match(r"exec \d+$", e)]


def new_firmware(c):
    c.test("an idle board: one Ctrl-C, one probe, a read, a clean-up")
    b = Board("--preset", "new")
    try:
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "16"])
        c.check(rc == 0, "read exits 0 (%s)" % err.strip())
        time.sleep(0.3)
        ev = one_session(b.events())
        c.check(ev.count("ctrl-c") == 1, "one Ctrl-C on an idle board (%d)" % ev.count("ctrl-c"))
        sizes = execs(ev)
        big = [n for n in sizes if n > 1000]
        c.check(len(big) == 1, "the probe is one command (%s)" % sizes)
        # the empty paste of the raw-paste question, the probe (which
        # defines the helper this firmware gets) and the heap behind it,
        # the read, the clean-up
        c.check(len(sizes) <= 5, "no more commands than needed (%s)" % sizes)
        c.check("raw-exit" in ev and ev.index("raw-exit") > max(
            i for i, e in enumerate(ev) if e.startswith("exec")),
            "the clean-up runs before leaving")
        rc, out, err, _ = mpeek(["--port", b.pty, "info"])
        c.check(rc == 0 and re.search(rb"helper heap: [1-9]\d* bytes", out) is not None,
                "info reports the helper's heap (%r)" % out[-300:])
    finally:
        b.stop()


def old_firmware(c):
    c.test("old firmware: small steps, the helper's heap measured")
    b = Board("--preset", "old")
    try:
        rc, out, err, _ = mpeek(["--port", b.pty, "info"])
        c.check(rc == 0, "info exits 0 (%s)" % err.strip())
        c.check(re.search(rb"helper heap: [1-9]\d* bytes", out) is not None,
                "info reports the helper's heap")
        time.sleep(0.3)
        ev = one_session(b.events())
        sizes = execs(ev)
        c.check(sizes and max(sizes) < 1000, "no big command on old firmware (%s)" % sizes)
        c.check(ev.count("ctrl-c") == 1, "one Ctrl-C on an idle board (%d)" % ev.count("ctrl-c"))
    finally:
        b.stop()


def unclean_line(c):
    c.test("a line that is not 8-bit clean: base64, the helper installed for it")
    b = Board("--preset", "new", "--line7bit")
    try:
        rc, out, err, _ = mpeek(["--port", b.pty, "info"])
        c.check(rc == 0, "info exits 0 (%s)" % err.strip())
        c.check(b"base64" in out, "base64 chosen (%r)" % out[-300:])
        c.check(re.search(rb"helper heap: [1-9]\d* bytes", out) is not None,
                "info reports the helper's heap")
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "64"])
        c.check(rc == 0 and out.startswith(b"00000000:"), "read works (%s)" % err.strip())
    finally:
        b.stop()


TESTS = [
    ("new_firmware", new_firmware),
    ("old_firmware", old_firmware),
    ("unclean_line", unclean_line),
]


def main():
    try:
        return run_tests("attach", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
