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
    still reports the heap the helper holds on both;
  - the attach cache: a second attach of the same board is one short
    command, and a cache that names another board, is corrupt or was made
    on a clean line costs a full probe, never a wrong byte.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import READ_REQ, ROOT, mpeek, mpk_globals, run_tests, sent_ahead, stop_group, wire_text  # noqa: E402

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
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "16"],
                                env=cache_env("new")[1])
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
        rc, out, err, _ = mpeek(["--port", b.pty, "info"], env=cache_env("new")[1])
        c.check(rc == 0 and re.search(rb"helper heap: [1-9]\d* bytes", out) is not None,
                "info reports the helper's heap (%r)" % out[-300:])
    finally:
        b.stop()


def old_firmware(c):
    c.test("old firmware: small steps, the helper's heap measured")
    b = Board("--preset", "old")
    try:
        rc, out, err, _ = mpeek(["--port", b.pty, "info"], env=cache_env("old")[1])
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
        rc, out, err, _ = mpeek(["--port", b.pty, "info"], env=cache_env("line7")[1])
        c.check(rc == 0, "info exits 0 (%s)" % err.strip())
        c.check(b"base64" in out, "base64 chosen (%r)" % out[-300:])
        c.check(re.search(rb"helper heap: [1-9]\d* bytes", out) is not None,
                "info reports the helper's heap")
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "64"])
        c.check(rc == 0 and out.startswith(b"00000000:"), "read works (%s)" % err.strip())
    finally:
        b.stop()


def cache_env(name):
    d = os.path.join(TMP, "cache-" + name)
    env = dict(os.environ, XDG_CACHE_HOME=d)
    env.pop("MPEEK_NO_CACHE", None)
    return d, env


def cache_files(d):
    sub = os.path.join(d, "mpeek")
    if not os.path.isdir(sub):
        return []
    return [os.path.join(sub, f) for f in os.listdir(sub) if f.startswith("attach-")]


def cache_fields(path):
    """(port, ident, text) of a cache file, checking its checksum."""
    data = open(path, "rb").read()
    body, _, last = data.rstrip(b"\n").rpartition(b"\n")
    body += b"\n"
    assert last == b"sha256 " + hashlib.sha256(body).hexdigest().encode(), "checksum"
    lines = dict(ln.split(b" ", 1) for ln in body.splitlines()[1:])
    return (lines[b"port"].decode(), bytes.fromhex(lines[b"ident"].decode()).decode(),
            bytes.fromhex(lines[b"text"].decode()).decode())


def write_cache(d, port, ident, text):
    """A cache file for port, as mpeek writes it (the name: the first 8
    bytes of the SHA-256 of the port's name, in hex)."""
    body = ("mpeek attach cache 1\nport %s\nident %s\ntext %s\n" % (
        port, ident.encode().hex(), text.encode().hex())).encode()
    data = body + b"sha256 " + hashlib.sha256(body).hexdigest().encode() + b"\n"
    os.makedirs(os.path.join(d, "mpeek"), exist_ok=True)
    path = os.path.join(d, "mpeek", "attach-" + hashlib.sha256(port.encode()).hexdigest()[:16])
    with open(path, "wb") as f:
        f.write(data)
    return path


def warm_attach(c):
    c.test("attach cache: the second attach is one short command, same bytes, board clean")
    d, env = cache_env("warm")
    b = Board("--preset", "new")
    try:
        rc, out1, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "4096"], env=env)
        c.check(rc == 0, "first read exits 0 (%s)" % err.strip())
        files = cache_files(d)
        c.check(len(files) == 1, "one cache file written (%s)" % files)
        if files:
            port, ident, text = cache_fields(files[0])
            c.check(port == b.pty, "it names the port (%s)" % port)
            c.check(ident.startswith("micropython ") and "feat=" in text and "taken=" not in text,
                    "it holds the identity and the probe's answer (%r, %r)" % (ident, text))
        time.sleep(0.3)
        log = os.path.join(TMP, "warm.log")
        rc, out2, err, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read", "0", "4096"],
                                 env=env)
        c.check(rc == 0 and out2 == out1, "second read exits 0 with the same bytes (%s)" % err.strip())
        time.sleep(0.3)
        ev = one_session(b.events())
        sizes = execs(ev)
        wire = wire_text(log)
        c.check("warm=1" in wire and "feat=" not in wire,
                "the second attach is the warm probe, not the full one")
        c.check(len(sizes) <= 4, "the warm probe, the read, the clean-up (%s)" % sizes)
        c.check(sent_ahead(log, 0, 4096), "the read went out right behind the probe, before "
                "its answer")
        c.check(ev.count("ctrl-c") == 1, "one Ctrl-C (%d)" % ev.count("ctrl-c"))
        c.check(mpk_globals(b.pty) == {}, "no mpeek names left on the board")

        c.test("attach cache: a small read is one command that checks the board, no probe")
        log = os.path.join(TMP, "warm-small.log")
        rc, out3, err, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read", "16", "64",
                                  "-o", "-"], env=env)
        time.sleep(0.3)
        ev = one_session(b.events())
        rc1, ref, err1, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "4096", "-o", "-"],
                                  env=dict(env, MPEEK_NO_CACHE="1"))
        c.check(rc == 0 and rc1 == 0 and out3 == ref[16:80],
                "the same 64 bytes as a read with no cache (%s %s)" % (err.strip(), err1.strip()))
        sent, wire = wire_text(log, ">"), wire_text(log)
        c.check("warm=" not in wire and "feat=" not in wire and "_mpk" not in sent,
                "no probe, no helper, no name of mpeek's")
        c.check(len([n for n in execs(ev) if n > 0]) == 1,
                "one command, beside the empty raw-paste that asks for the mode (%s)" % execs(ev))
        c.check(mpk_globals(b.pty) == {}, "no mpeek names left on the board")
        env_off = dict(env, MPEEK_NO_CACHE="1")
        for what, args, e in (("MPEEK_NO_CACHE=1", [], env_off), ("--no-cache", ["--no-cache"], env)):
            log = os.path.join(TMP, "off.log")
            if os.path.exists(log):
                os.unlink(log)
            rc, out3, err, _ = mpeek(["--port", b.pty, "--log", log] + args +
                                     ["--unsafe", "read", "0", "4096"], env=e)
            wire = wire_text(log)
            c.check(rc == 0 and out3 == out1 and "feat=" in wire and "warm=" not in wire,
                    "%s: the full probe again" % what)
    finally:
        b.stop()


def warm_other_board(c):
    c.test("attach cache: a cache of another board, a corrupt one: full probe, right bytes")
    d, env = cache_env("other")
    a = Board("--preset", "new")
    try:
        rc, out_a, err, _ = mpeek(["--port", a.pty, "--unsafe", "read", "0", "64"], env=env)
        c.check(rc == 0 and len(cache_files(d)) == 1, "a cache of the first board (%s)" % err.strip())
        _, ident_a, text_a = cache_fields(cache_files(d)[0])
    finally:
        a.stop()
    for preset, addr in (("rp2", "0x10000000"), ("esp32", "0x3ff90000")):
        b = Board("--preset", preset)
        try:
            path = write_cache(d, b.pty, ident_a, text_a)
            rc, info, err, _ = mpeek(["--port", b.pty, "info"], env=env)
            c.check(rc == 0 and preset.encode() in info,
                    "%s: info names the board (%s)" % (preset, err.strip()))
            rc2, out_b, err, _ = mpeek(["--port", b.pty, "read", addr, "64"], env=env)
            rc3, out_ref, err3, _ = mpeek(["--port", b.pty, "read", addr, "64"],
                                          env=dict(env, MPEEK_NO_CACHE="1"))
            c.check(rc2 == 0 and rc3 == 0 and out_b == out_ref,
                    "%s: the same bytes as with no cache (%s %s)" % (preset, err.strip(), err3.strip()))
            _, ident_b, _ = cache_fields(path)
            c.check(ident_b != ident_a, "%s: the cache now names this board (%r)" % (preset, ident_b))
            c.check(mpk_globals(b.pty) == {}, "%s: no mpeek names left on the board" % preset)
            # --unsafe: no map to build first, so the read goes before the
            # probe (small: by code that checks the board itself) or right
            # behind the warm probe (larger); on this board neither reads.
            for n, how in ((64, "before any probe"), (4096, "behind the warm probe")):
                write_cache(d, b.pty, ident_a, text_a)
                log = os.path.join(TMP, "other-%s-%d.log" % (preset, n))
                rc4, out4, err4, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read",
                                            addr, str(n), "-o", "-"], env=env)
                rc5, ref5, err5, _ = mpeek(["--port", b.pty, "--unsafe", "read", addr, str(n),
                                            "-o", "-"], env=dict(env, MPEEK_NO_CACHE="1"))
                sent, wire = wire_text(log, ">"), wire_text(log)
                tried = ("bytearray_at(%d,%d)" % (int(addr, 16), n) in sent if n == 64 else
                         re.search(READ_REQ + r"%d,%d," % (int(addr, 16), n), sent) is not None
                         and "warm=0" in wire)
                c.check(tried and "feat=" in wire and sent.find("feat") > 0,
                        "%s, --unsafe, %d bytes: the read went %s, read nothing, and the full "
                        "probe followed" % (preset, n, how))
                c.check(rc4 == 0 and rc5 == 0 and out4 == ref5 and len(out4) == n,
                        "%s, --unsafe, %d bytes: the same bytes (%s)" % (preset, n, err4.strip()))
                c.check(mpk_globals(b.pty) == {}, "%s, --unsafe, %d bytes: no mpeek names left "
                        "on the board" % (preset, n))
        finally:
            b.stop()
    b = Board("--preset", "new")
    try:
        path = write_cache(d, b.pty, ident_a, text_a)
        with open(path, "r+b") as f:
            f.seek(40)
            f.write(b"zz")
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "64"], env=env)
        c.check(rc == 0 and out == out_a, "corrupt cache: same bytes (%s)" % err.strip())
        port, _, _ = cache_fields(path)
        c.check(port == b.pty, "corrupt cache: written again, whole")
        with open(path, "wb") as f:
            f.write(os.urandom(5000))
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "64"], env=env)
        c.check(rc == 0 and out == out_a, "random cache: same bytes (%s)" % err.strip())
    finally:
        b.stop()


def warm_unclean_line(c):
    c.test("attach cache made on a clean line, used on one that is not 8-bit clean")
    d, env = cache_env("line")
    a = Board("--preset", "new")
    try:
        rc, out_a, err, _ = mpeek(["--port", a.pty, "--unsafe", "read", "0", "256"], env=env)
        c.check(rc == 0 and len(cache_files(d)) == 1, "a cache of the clean board (%s)" % err.strip())
        _, ident_a, text_a = cache_fields(cache_files(d)[0])
    finally:
        a.stop()
    b = Board("--preset", "new", "--line7bit")
    try:
        write_cache(d, b.pty, ident_a, text_a)
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "256"], env=env)
        c.check(rc == 0 and out == out_a, "the right bytes all the same (rc %s, %s)" % (rc, err.strip()))
        c.check(mpk_globals(b.pty) == {}, "no mpeek names left on the board")
        # (Bit 7 cleared also breaks the raw-paste window: such a line
        # never gets the warm probe, which needs raw-paste.)
        rc, out, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "256"], env=env)
        c.check(rc == 0 and out == out_a, "and again (%s)" % err.strip())
    finally:
        b.stop()
    # A byte of the warm probe's echo changed on the way (raw-paste still
    # works): the read sent behind the probe ran on a line that mangles
    # bytes; its answer is dropped, and the full probe chooses again.
    b = Board("--preset", "new", "--fault", "garble:45")
    try:
        rc, ref, err, _ = mpeek(["--port", b.pty, "--unsafe", "--no-cache", "read", "0", "4096",
                                 "-o", "-"], env=env)
    finally:
        b.stop()
    b = Board("--preset", "new", "--fault", "garble:45")
    try:
        write_cache(d, b.pty, ident_a, text_a)
        log = os.path.join(TMP, "echo-garbled.log")
        rc, out, err, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read", "0", "4096",
                                 "-o", "-"], env=env)
        sent, wire = wire_text(log, ">"), wire_text(log)
        c.check(re.search(READ_REQ + "0,4096,", sent) is not None and "warm=1" in wire and
                "feat=" in wire,
                "echo garbled: the read went behind the warm probe, the full probe followed")
        c.check(rc == 0 and len(out) == 4096 and out == ref, "echo garbled: the right bytes "
                "(rc %s, %s)" % (rc, err.strip()))
        c.check(mpk_globals(b.pty) == {}, "echo garbled: no mpeek names left on the board")
    finally:
        b.stop()
    # A byte of the small read before any probe changed on the way: its
    # digest fails, nothing of it is shown, and the warm probe follows (the
    # board may well be the cache's; its echo tests the line).
    b = Board("--preset", "new", "--fault", "garble:20")
    try:
        write_cache(d, b.pty, ident_a, text_a)
        log = os.path.join(TMP, "small-garbled.log")
        rc, out, err, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read", "0", "256"],
                                env=env)
        wire = wire_text(log)
        c.check("bytearray_at(0,256)" in wire_text(log, ">") and "warm=1" in wire,
                "small read garbled: tried before the probe, then the warm probe")
        c.check(rc == 0 and out == out_a, "small read garbled: the right bytes (rc %s, %s)"
                % (rc, err.strip()))
        c.check(mpk_globals(b.pty) == {}, "small read garbled: no mpeek names left on the board")
    finally:
        b.stop()


def sent_lines(log):
    """What mpeek sent, line by line, from its --log (escapes as written)."""
    return [ln.split(" ", 3)[3] for ln in open(log, errors="replace").read().splitlines()
            if ln.split(" ")[1:2] == [">"] and len(ln.split(" ", 3)) > 3]


def last_read_cleans(c):
    c.test("a command's one read carries the clean-up; a chunk read again still verifies")
    d, env = cache_env("last")
    b = Board("--preset", "new")
    try:
        log = os.path.join(TMP, "last.log")
        rc, out, err, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read", "0", "16"],
                                env=env)
        c.check(rc == 0, "read exits 0 (%s)" % err.strip())
        sent = sent_lines(log)
        req = [i for i, ln in enumerate(sent) if re.match(r"_mpk[0-9a-f]{4}\(0,16,", ln)]
        c.check(len(req) == 1 and "globals().pop" in sent[req[0]],
                "the read request ends with the clean-up (%s)" % sent[req[0]:] if req else sent)
        c.check(req and not any("pop" in ln for ln in sent[req[0] + 1:]),
                "and nothing is deleted again when leaving (%s)" % sent[req[0] + 1:] if req else "")
        c.check(req and sent[req[0] + 1:] == ["\\x04", "\\x0d\\x02"],
                "\\r Ctrl-B goes right behind it, nothing after (%s)"
                % sent[req[0] + 1:] if req else "")
        c.check(mpk_globals(b.pty) == {}, "no mpeek names left on the board")
    finally:
        b.stop()
    # The answer of the request that carries the clean-up garbled: its chunk
    # is read again, with the helper sent again (the board deleted it).
    b = Board("--preset", "new", "--fault", "garble:3000")
    try:
        log = os.path.join(TMP, "last-garbled.log")
        rc, out1, err, _ = mpeek(["--port", b.pty, "--log", log, "--unsafe", "read", "0",
                                  "0x4000"], env=env)
        c.check(rc == 0, "garbled: read exits 0 (%s)" % err.strip())
        rc, out2, err, _ = mpeek(["--port", b.pty, "--unsafe", "read", "0", "0x4000"], env=env)
        c.check(rc == 0 and out1 == out2 and len(out1) > 0x4000, "garbled: the same dump as "
                "a clean read (%s)" % err.strip())
        sent = sent_lines(log)
        at = [i for i, ln in enumerate(sent) if re.match(READ_REQ + r"\d+,\d+,\d+\)", ln)]
        reqs = [sent[i] for i in at]
        c.check(len(reqs) >= 2 and all("globals().pop" in ln for ln in reqs),
                "garbled: the chunk was read again, that request with the clean-up too (%s)"
                % reqs)
        c.check(len(at) >= 2 and any("stdout.buffer.write" in ln for ln in sent[at[0]:at[-1]]),
                "garbled: the helper was sent again before it")
        c.check(len(at) >= 2 and sent[at[0] + 2:at[0] + 3] == ["\\x0d\\x02"] and
                any("\\x03" in ln for ln in sent[at[0]:at[-1]]),
                "garbled: \\r Ctrl-B went right behind the request, and the board was "
                "taken back into the raw REPL (%s)" % sent[at[0]:at[0] + 6] if at else "")
        c.check(mpk_globals(b.pty) == {}, "garbled: no mpeek names left on the board")
    finally:
        b.stop()


TESTS = [
    ("new_firmware", new_firmware),
    ("old_firmware", old_firmware),
    ("unclean_line", unclean_line),
    ("warm_attach", warm_attach),
    ("warm_other_board", warm_other_board),
    ("warm_unclean_line", warm_unclean_line),
    ("last_read_cleans", last_read_cleans),
]


def main():
    try:
        return run_tests("attach", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
