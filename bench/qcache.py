#!/usr/bin/env python3
"""qcache.py: what the qstr cache saves `mpeek obj` (see README, "The qstr
cache"), through shared/tools/slowlink at 115200 baud on both emulated
firmwares (Debian's micro:bit 1.9.2; MicroPython 1.29 from shared/firmware
when it is there).

For each: `obj x` (x a list made at the REPL) with --no-cache (the full
search: flash scanned, RAM read whole), then with an empty cache (the same
search, and the file written), then with the cache (hits; best of 3);
MPEEK_MODERN_FIRMWARE names the 1.29 ELF where ../shared is not
next to the source; QCACHE_BENCH_ONLY=modern skips the micro:bit.
`MPEEK_BEFORE=path` adds the same command timed with another mpeek binary
(e.g. a build from before the cache).  Prints a Markdown table.

    python3 bench/qcache.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from testlib import Qemu, talk, settle  # noqa: E402


def timed(binary, args, env):
    t0 = time.monotonic()
    r = subprocess.run([binary, "--no-progress"] + args, capture_output=True, timeout=900,
                       env=env)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), r.stderr.decode()[-300:]))
    return dt, r.stdout.decode()


def main():
    tool = bench.find_slowlink()
    before = os.environ.get("MPEEK_BEFORE")
    work = tempfile.mkdtemp(prefix="mpeek-qcache-bench-")
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
    bench.FW129 = os.environ.get("MPEEK_MODERN_FIRMWARE", bench.FW129)
    boards = [("MicroPython 1.9.2 (Debian micro:bit)", lambda: Qemu("tcp"))]
    if os.environ.get("QCACHE_BENCH_ONLY") == "modern":
        boards = []
    if os.path.exists(bench.FW129):
        boards.append(("MicroPython 1.29 (shared/firmware)", bench.Qemu129))
    rows = []
    try:
        for name, start in boards:
            q = start()
            s = bench.SlowLink(tool, q.tcp_port, work)
            try:
                port = ["--port", s.link]
                timed(bench.MPEEK, port + ["--unsafe", "read", "0", "16", "-o", os.devnull], env)
                # x = [1, 'abc', None] at the REPL, through mpeek's own exec
                # is not a command: type it at the friendly prompt instead.
                talk(s.link, b"\r\nx = [1, 'abc', None]\r\n", b">>> ", timeout=10)
                settle(s.link)
                obj = port + ["obj", "x"]
                old = "-"
                if before:
                    old = "%.1f" % timed(before, obj, env)[0]
                nc, out0 = timed(bench.MPEEK, ["--no-cache"] + obj, env)
                miss, out1 = timed(bench.MPEEK, obj, env)
                hits = []
                for _ in range(3):
                    t, out2 = timed(bench.MPEEK, obj, env)
                    hits.append(t)
                    if out2 != out0:
                        raise RuntimeError("a hit printed something else")
                rows.append("| %s | %s | %.1f | %.1f | %.1f | %.1fx |"
                            % (name, old, nc, miss, min(hits), nc / min(hits)))
            finally:
                s.stop()
                q.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| board (slowlink 115200) | before the cache s | `--no-cache obj x` s "
          "| first `obj x` (miss, writes) s | `obj x` with the cache s | saved |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
