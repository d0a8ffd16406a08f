#!/usr/bin/env python3
"""bench.py: mpeek's read throughput, for `make bench`.

Measures payload bytes per second of verified data (build/bench_read) on:
  - the QEMU micro:bit (MicroPython 1.9.2), directly on its pty and through
    shared/tools/slowlink at 115200 baud, on firmware and on erased flash;
  - the fake board in its newest-firmware mode, the same ways;
each with its ratio to the wire limit (baud/10 bytes per second) and to the
naive method (one print of a list of mem32 values per 256-byte chunk)
measured on the same link in the same run.  Then `mpeek verify` through
slowlink: the time to verify an image that matches the board (device-side
digests, nothing read) against the time `mpeek read` takes for the same
bytes.  Then the region map of HEX images of many segments (`--map` runs
only that part, with no board).  Writes the tables into BENCHMARKS.md (between the markers) and
prints them.
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from testlib import Qemu, free_port, wait_listening  # noqa: E402

BAUD = 115200
WIRE = BAUD / 10.0
BENCH = os.path.join(ROOT, "build", "bench_read")
MPEEK = os.environ.get("MPEEK_BENCH", os.path.join(ROOT, "mpeek"))
FIRMWARE_HEX = "/usr/share/firmware-microbit-micropython/firmware.hex"


def timed(args, env=None):
    """Seconds an mpeek command takes, and its exit status."""
    t0 = time.monotonic()
    r = subprocess.run([MPEEK, "--no-progress"] + args, capture_output=True, timeout=900,
                       env=env)
    return time.monotonic() - t0, r.returncode, r.stdout.decode()


def verify_row(name, port, image, extra, nbytes):
    tv, rcv, out = timed(["--port", port] + extra + ["verify", image])
    tr, rcr, _ = timed(["--port", port] + extra + ["read", "0", str(nbytes), "-o", os.devnull])
    if rcv not in (0, 3) or rcr != 0:
        raise RuntimeError("verify/read failed: %d %d %s" % (rcv, rcr, out))
    m = re.search(r"\((.*) matched by digest on the board, (.*) read\)", out)
    return ("| %s | %d | %.1f | %.1f | %.1fx | %s, %s read |"
            % (name, nbytes, tv, tr, tr / tv if tv else 0, m.group(1) if m else "?",
               m.group(2) if m else "?"))


def find_slowlink():
    for cand in (os.environ.get("SLOWLINK", ""),
                 os.path.join(ROOT, "..", "shared", "tools", "slowlink"),
                 "/work/shared/tools/slowlink"):
        if cand and os.path.exists(cand):
            return cand
    return None


class SlowLink:
    def __init__(self, tool, tcp_port, workdir):
        self.link = os.path.join(workdir, "slow-tty-%d" % tcp_port)
        self.proc = subprocess.Popen(
            ["python3", tool, "--baud", str(BAUD), "--tcp", "127.0.0.1:%d" % tcp_port,
             "--link", self.link], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.proc.stdout.readline()  # the pty path, once it exists

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def bench(port, addr, length, naive_len):
    r = subprocess.run([BENCH, port, addr, length, naive_len], capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("bench_read failed: %s" % r.stderr.strip())
    vals = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', r.stdout))
    return {k: v.strip('"') for k, v in vals.items()}


def row(name, res, limited):
    bps = float(res["bps"])
    naive = float(res["naive_bps"])
    ratio_wire = bps / WIRE
    return ("| %s | %s | %.0f | %.2f%s | %.0f | %.1fx | %s |"
            % (name, res["bytes"], bps, ratio_wire, "" if limited else " (no limit)",
               naive, bps / naive if naive else 0, res["method"]))


def fake_board(workdir, tcp, dump=None):
    """Start the fake board (newest-firmware mode).  Returns (processes,
    port): its pty, or with tcp a TCP port served by pty2tcp.  dump:
    write its first 128 KiB of flash to that file."""
    script = os.path.join(ROOT, "tests", "fakeboard.py")
    extra = ["--dump-mem", "0:0x20000:%s" % dump] if dump else []
    p = subprocess.Popen(["python3", script, "--preset", "new"] + extra,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    line = b""
    while b"/dev/pts/" not in line:
        line += p.stderr.readline()
        if p.poll() is not None:
            raise RuntimeError("fake board did not start")
    pty = re.search(rb"(/dev/pts/\d+)", line).group(1).decode()
    if not tcp:
        return [p], pty
    port = free_port()
    relay = subprocess.Popen(["python3", os.path.join(ROOT, "tests", "tools", "pty2tcp.py"),
                              pty, str(port)], stdout=subprocess.PIPE)
    relay.stdout.readline()
    return [p, relay], port


def stop(procs):
    for p in procs:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def segments_hex(path, n):
    """An Intel HEX file of n one-byte segments (a gap after each)."""
    def rec(addr, data, typ=0):
        b = [len(data), (addr >> 8) & 255, addr & 255, typ] + list(data)
        return ":" + "".join("%02X" % x for x in b + [(-sum(b)) & 255])
    lines, hi = [], -1
    for i in range(n):
        a = 0x20000000 + 2 * i
        if a >> 16 != hi:
            hi = a >> 16
            lines.append(rec(0, [hi >> 8, hi & 255], 4))
        lines.append(rec(a & 0xffff, [i & 255]))
    lines.append(":00000001FF")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def map_rows(work):
    """Seconds for `regions --offline --image` of HEX files of many
    segments (the region map: sort, nesting, conflicts, lookup index)."""
    rows = []
    for n in (16384, 32768, 65536, 131072):
        path = os.path.join(work, "seg%d.hex" % n)
        segments_hex(path, n)
        best = None
        for _ in range(3):
            t, rc, _ = timed(["regions", "--offline", "--image", path])
            if rc != 0:
                raise RuntimeError("regions failed on %s" % path)
            best = t if best is None or t < best else best
        rows.append("| %d | %.2f |" % (n, best))
    return ("| one-byte segments | seconds (best of 3) |\n| --- | --- |\n" +
            "\n".join(rows) + "\n")


FW129 = os.path.join(ROOT, "..", "shared", "firmware", "micropython-1.29-qemu-microbit.elf")
RAWEXEC = os.path.join(ROOT, "tests", "tools", "rawexec.py")
READ16 = ("import uctypes,sys;sys.stdout.write(bytes(uctypes.bytearray_at(0,16)).hex())"
          )
READ16_OLD = "import machine;print(bytes(machine.mem8[i] for i in range(16)))"


class Qemu129:
    """MicroPython 1.29 (shared/firmware) in QEMU, serial on TCP."""

    def __init__(self):
        self.tcp_port = free_port()
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-machine", "microbit",
             "-global", "nrf51-soc.flash-size=1048576",
             "-global", "nrf51-soc.sram-size=262144",
             "-nographic", "-monitor", "null", "-semihosting",
             "-serial", "tcp:127.0.0.1:%d,server=on,wait=off" % self.tcp_port,
             "-kernel", FW129], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_listening(self.tcp_port, 10)
        time.sleep(0.2)  # the firmware's own start

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
        except OSError:
            pass
        self.proc.wait(5)


def log_times(path):
    """From a --log wire log: attach ms (start to the first read request,
    which a warm attach sends right behind the probe), first-byte ms (that
    request to the first record of its answer) and the
    streaming rate (bytes received from the first byte to the last answer
    byte, per second)."""
    lines = [l.split(" ", 3) for l in open(path, errors="replace").read().splitlines()]
    lines = [(int(l[0]), l[1], int(l[2]), l[3] if len(l) > 3 else "") for l in lines
             if len(l) >= 3 and l[0].isdigit()]
    t0 = lines[0][0]
    # the read request: the helper's call, or the same behind the marker
    # check (sent right behind the warm probe, before its answer)
    req = next(i for i, l in enumerate(lines)
               if l[1] == ">" and re.match(r"(if globals\(\)\.get\('_mpk[0-9a-f]{4}m'\)"
                                           r"==\d+:\\x0a )?_mpk[0-9a-f]{4}\(", l[3]))
    # its answer: the first record (D, Z or F right after the raw REPL's
    # OK), past any answer that was still due (the probe's)
    joined, starts = "", []
    for i in range(req + 1, len(lines)):
        if lines[i][1] == "<":
            starts.append((len(joined), i))
            joined += lines[i][3]
    m = re.search(r"OK[DZF]", joined)
    at = m.start() + 2 if m else 0
    first = max(i for pos, i in starts if pos <= at)
    # the last byte of the reads: before the friendly REPL's banner (the
    # Ctrl-B that asks for it may go out right behind the last request)
    banner = next((i for i in range(first, len(lines)) if lines[i][1] == "<" and
                   ("MicroPython" in lines[i][3] or ">>> " in lines[i][3])), len(lines))
    last = max(i for i in range(first, banner) if lines[i][1] == "<") if banner > first else first
    nbytes = sum(l[2] for l in lines[first:last + 1] if l[1] == "<")
    secs = (lines[last][0] - lines[first][0]) / 1000.0
    return (lines[req][0] - t0, lines[first][0] - lines[req][0],
            nbytes / secs if secs > 0 else 0, lines[-1][0] - t0)


def attach_rows(tool, work):
    """Whole commands through slowlink at 115200 on both emulated
    firmwares: `mpeek read 0 16` against one raw-REPL exec of the same read
    (tests/tools/rawexec.py, what `mpremote resume exec` does), and a
    32 KiB read against the wire limit; attach, first-byte and streaming
    from the 32 KiB read's --log."""
    rows = []
    boards = [("MicroPython 1.9.2 (Debian micro:bit)", lambda: Qemu("tcp"), READ16_OLD)]
    if os.path.exists(FW129):
        boards.append(("MicroPython 1.29 (shared/firmware)", Qemu129, READ16))
    for name, start, code in boards:
        q = start()
        s = SlowLink(tool, q.tcp_port, work)
        try:
            # wake it (the first connection after boot waits for the banner)
            timed(["--port", s.link, "--unsafe", "read", "0", "16", "-o", os.devnull])
            # That run also filled the attach cache (a folder of the
            # bench's own); "cold" runs without it, as the first attach of
            # a port does.
            cold = dict(os.environ, MPEEK_NO_CACHE="1")
            t16, c16, u16, t32, u32, tb = [], [], [], [], [], []
            # Five rounds, each command a random 0.05-0.3 s after the last
            # ended, as a user types them: the emulated board holds an
            # answer that starts while it idles until a tick of its own (up
            # to about 45 ms), and runs at fixed spacing would all fall on
            # the same phase of it, for one tool luckily, for the other not.
            rnd = random.Random(1)
            for _ in range(5):
                for args, into, env in ((["read", "0", "16"], t16, None),
                                        (["read", "0", "16"], c16, cold),
                                        (["--unsafe", "read", "0", "16"], u16, None)):
                    time.sleep(rnd.uniform(0.05, 0.3))
                    t, rc, _ = timed(["--port", s.link] + args + ["-o", os.devnull], env)
                    if rc != 0:
                        raise RuntimeError("mpeek %s failed" % " ".join(args))
                    into.append(t)
                time.sleep(rnd.uniform(0.05, 0.3))
                t0 = time.monotonic()
                r = subprocess.run([sys.executable, RAWEXEC, s.link, code], capture_output=True,
                                   timeout=60)
                if r.returncode != 0:
                    raise RuntimeError("rawexec failed: %s" % r.stderr)
                tb.append(time.monotonic() - t0)
            log = os.path.join(work, "attach.log")
            for _ in range(2):
                t, rc, _ = timed(["--port", s.link, "read", "0", "32768", "-o", os.devnull])
                if rc != 0:
                    raise RuntimeError("mpeek read 0 32768 failed")
                t32.append(t)
                if os.path.exists(log):
                    os.unlink(log)
                t, rc, _ = timed(["--port", s.link, "--unsafe", "--log", log, "read", "0",
                                  "32768", "-o", os.devnull])
                if rc != 0:
                    raise RuntimeError("mpeek --unsafe read 0 32768 failed")
                u32.append(t)
            att, fb, rate, _ = log_times(log)
            rows.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f (%.2f) | %.2f (%.2f) | %d | %d "
                        "| %.0f |"
                        % (name, min(t16), min(c16), min(u16), min(tb), min(t32),
                           32768 / min(t32) / WIRE, min(u32), 32768 / min(u32) / WIRE,
                           att, fb, rate))
        finally:
            s.stop()
            q.stop()
    return ("| board (slowlink 115200) | `read 0 16` s | `read 0 16` cold s "
            "| `--unsafe read 0 16` s "
            "| raw-REPL exec s | `read 0 32768` s (x wire) | `--unsafe read 0 32768` s (x wire) "
            "| attach ms | first byte ms | streaming B/s |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows)
            + "\n")


def write_block(name, table):
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else ""
    begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
    stamp = "Measured %s on this machine (%d cores) with `make bench`.\n" % (
        time.strftime("%Y-%m-%d"), os.cpu_count() or 0)
    block = begin + "\n" + stamp + "\n" + table + end
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    # The attach cache of the bench's own: the user's is not touched, and
    # every bench starts from none.
    cache = tempfile.mkdtemp(prefix="mpeek-bench-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    os.environ.pop("MPEEK_NO_CACHE", None)
    try:
        return run_bench()
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run_bench():
    if sys.argv[1:] == ["--attach"]:
        work = tempfile.mkdtemp(prefix="mpeek-bench-")
        try:
            table = attach_rows(find_slowlink(), work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(table)
        write_block("bench-attach", table)
        return 0
    if sys.argv[1:] == ["--map"]:
        work = tempfile.mkdtemp(prefix="mpeek-bench-")
        try:
            table = map_rows(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(table)
        write_block("bench-map", table)
        return 0
    tool = find_slowlink()
    work = tempfile.mkdtemp(prefix="mpeek-bench-")
    rows = []
    vrows = []
    # QEMU micro:bit, straight on its pty (no baud limit).
    q = Qemu("pty")
    try:
        rows.append(row("micro:bit QEMU, pty, flash 0x0", bench(q.port, "0", "64K", "16K"), False))
    finally:
        q.stop()
    if tool:
        q = Qemu("tcp")
        s = SlowLink(tool, q.tcp_port, work)
        try:
            rows.append(row("micro:bit QEMU, slowlink 115200, flash 0x0",
                            bench(s.link, "0", "64K", "8K"), True))
            rows.append(row("micro:bit QEMU, slowlink 115200, erased flash 0x3c000",
                            bench(s.link, "0x3c000", "0x3800", "4K"), True))
            vrows.append(verify_row("micro:bit QEMU, slowlink 115200, firmware.hex",
                                    s.link, FIRMWARE_HEX, [], 0x3b88c))
        finally:
            s.stop()
            q.stop()
    # The fake board in its newest-firmware mode.
    p, pty = fake_board(work, False)
    try:
        rows.append(row("fake board (v1.29 mode), pty, flash 0x0",
                        bench(pty, "0", "64K", "16K"), False))
    finally:
        stop(p)
    if tool:
        flash = os.path.join(work, "fake-flash.bin")
        p, port = fake_board(work, True, dump=flash)
        s = SlowLink(tool, port, work)
        try:
            rows.append(row("fake board (v1.29 mode), slowlink 115200, flash 0x0",
                            bench(s.link, "0", "64K", "8K"), True))
            rows.append(row("fake board (v1.29 mode), slowlink 115200, erased flash 0x20000",
                            bench(s.link, "0x20000", "64K", "4K"), True))
            vrows.append(verify_row("fake board (v1.29 mode), slowlink 115200, 128 KiB image",
                                    s.link, flash + "@0", ["--unsafe"], 0x20000))
        finally:
            s.stop()
            stop(p)
    attach = attach_rows(tool, work) if tool else ""
    maps = map_rows(work)
    shutil.rmtree(work, ignore_errors=True)

    head = ("| link | payload bytes | mpeek B/s | x wire limit (%d B/s) | naive B/s | x naive | method |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n" % WIRE)
    table = head + "\n".join(rows) + "\n"
    if vrows:
        table += ("\n`mpeek verify` of an image the board holds, against `mpeek read` "
                  "of the same bytes (seconds, whole commands):\n\n"
                  "| link | image bytes | verify s | read s | verify speed-up | wire |\n"
                  "| --- | --- | --- | --- | --- | --- |\n" + "\n".join(vrows) + "\n")
    stamp = "Measured %s on this machine (%d cores) with `make bench`.\n" % (
        time.strftime("%Y-%m-%d"), os.cpu_count() or 0)
    print(table)
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else ""
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    block = begin + "\n" + stamp + "\n" + table + end
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)
    print(maps)
    write_block("bench-map", maps)
    if attach:
        print(attach)
        write_block("bench-attach", attach)
    return 0


if __name__ == "__main__":
    sys.exit(main())
