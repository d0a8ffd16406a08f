#!/usr/bin/env python3
"""test_tui.py: the explorer end to end, in tmux, against the QEMU micro:bit.

tmux runs `mpeek view` in a real terminal; send-keys types, capture-pane
reads the screen (with colours).  Checks: the first screen shows address
00000000 with the bytes of firmware.hex; a goto to RAM shows RAM in another
colour than flash; a search finds "MicroPython" in the firmware; resizing
keeps the cursor's address; keys are answered at once while the board is
frozen; q restores the terminal and the board answers >>>.

Firmware images: `mpeek open` on the ELF fixtures (no board) shows the
image's bytes (the same as the .bin), "--" where no image holds a byte;
goto completes symbol names with Tab; the symbol list filters and jumps;
the frozen panel jumps to a module's bytecode and the info line shows its
notes.  With QEMU and --image: 'd' finds no difference in flash against
firmware.hex, and against the flash image QEMU was started with exactly
the byte the firmware writes at boot (0xFD at 0x3F800).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import FIRMWARE_HEX, ROOT, Fixture, Qemu, at_prompt, mpeek_bin, need_modern_firmware, run_tests, stop_group  # noqa: E402

FIX = os.path.join(ROOT, "build", "fixtures")

SOCK = "mpeek-test-%d" % os.getpid()


def tmux(*args, check=False):
    return subprocess.run(["tmux", "-L", SOCK] + list(args), capture_output=True, text=True,
                          timeout=20, check=check)


def screen(colors=False):
    args = ["capture-pane", "-p", "-t", "t"] + (["-e"] if colors else [])
    return tmux(*args).stdout


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = screen()
        if pred(s):
            return s
        time.sleep(step)
    return screen()


def keys(*k):
    """Send keys; plain text goes literally (tmux would read "0x1234" as a
    key code), names such as Enter and Escape as keys."""
    for item in k:
        if item in ("Enter", "Escape", "Tab", "BTab", "PageDown", "PageUp", "Up", "Down",
                    "BSpace"):
            tmux("send-keys", "-t", "t", item)
        else:
            tmux("send-keys", "-t", "t", "-l", item)


def status(s):
    lines = [x for x in s.splitlines() if x.strip()]
    return lines[-1] if lines else ""


def hex_row(addr, data):
    groups = ["  ".join(" ".join("%02x" % b for b in data[i:i + 4]) for i in range(0, 16, 4))]
    return "%08x  %s" % (addr, groups[0])


def byte_colour(colored_screen, addr_text):
    """The foreground colour (38;5;N or 3N) in force at the second hex byte
    of the row at addr_text (the first may be the cursor)."""
    for line in colored_screen.splitlines():
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if not plain.startswith(addr_text):
            continue
        fg, col, pairs = None, 0, 0
        for m in re.finditer(r"(\x1b\[([0-9;]*)m)|([^\x1b]+)", line):
            if m.group(1):
                codes = m.group(2)
                f = re.findall(r"38;5;\d+|(?:^|;)3[0-7](?=;|$)", codes)
                if f:
                    fg = f[-1].lstrip(";")
                elif codes in ("", "0", "39"):
                    fg = None
                continue
            for word in re.finditer(r"[0-9a-f]{2}|\S+|\s+", m.group(3)):
                if col >= 10 and re.fullmatch(r"[0-9a-f]{2}", word.group(0)):
                    pairs += 1
                    if pairs == 2:
                        return fg
                col += len(word.group(0))
    return None

def styled_pairs(colored_screen, want):
    """The hex pairs of the hex rows (lines starting with an address) drawn
    while an SGR attribute `want` was in force ("48;5;110" a background,
    "4" underline), in screen order."""
    got = []
    for line in colored_screen.splitlines():
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if not re.match(r"^[0-9a-f]{8} [ >|]", plain):
            continue
        bg, ul, col = None, False, 0
        for m in re.finditer(r"(\x1b\[([0-9;]*)m)|([^\x1b]+)", line):
            if m.group(1):
                parts = (m.group(2) or "0").split(";")
                i = 0
                while i < len(parts):
                    p = parts[i]
                    if p == "0":
                        bg, ul = None, False
                    elif p == "4":
                        ul = True
                    elif p == "24":
                        ul = False
                    elif p == "49":
                        bg = None
                    elif p in ("38", "48") and i + 2 < len(parts) and parts[i + 1] == "5":
                        if p == "48":
                            bg = "48;5;" + parts[i + 2]
                        i += 2
                    i += 1
                continue
            for word in re.finditer(r"[0-9a-f]{2}|\S+|\s+", m.group(3)):
                text = word.group(0)
                if 10 <= col < 62 and re.fullmatch(r"[0-9a-f]{2}", text):
                    if (want == "4" and ul) or (want != "4" and bg == want):
                        got.append(text)
                col += len(text)
    return got

def start(cmd, width=120, height=30):
    tmux("kill-session", "-t", "t")
    tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
         "TERM=xterm-256color %s; echo EXITED $?; sleep 30" % cmd, check=True)


def quit_clean(c, what):
    keys("Escape", "q")
    s = wait_for(lambda s: "EXITED" in s, 15)
    c.check("EXITED 0" in s, "%s: quits cleanly: %r" % (what, s[-200:]))
    tmux("kill-session", "-t", "t")


def nm_symbols(elf):
    """name -> address from arm-none-eabi-nm (None when it is missing)."""
    if shutil.which("arm-none-eabi-nm") is None:
        return None
    out = subprocess.run(["arm-none-eabi-nm", elf], capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def images_test(c):
    """The explorer on firmware images alone (mpeek open), no board."""
    elf = os.path.join(FIX, "img_basic.elf")
    if not os.path.exists(elf):
        subprocess.run(["make", "-C", ROOT, "fixtures"], capture_output=True)
    if not c.check(os.path.exists(elf), "the fixtures are built (make fixtures)"):
        return
    binary = open(os.path.join(FIX, "img_basic.bin"), "rb").read()
    syms = nm_symbols(elf) or {}

    c.test("open an ELF: the image's bytes, no board")
    start("%s open %s" % (mpeek_bin(), elf))
    first = hex_row(0, binary[:16])
    # (the whole screen drawn: a capture may come between the rows and the
    # status line)
    s = wait_for(lambda s: first in s and "image img_basic.elf" in status(s), 10)
    c.check(first in s, "row 0 is the .bin's first 16 bytes: %r" % s[:200])
    c.check("image img_basic.elf" in status(s), "the status line names the image: %r" % status(s))
    c.check("isr_vector+0x0" in status(s), "and the symbol at the cursor: %r" % status(s))

    c.test("--offline --image FILE is the same explorer")
    keys("q")
    wait_for(lambda s: "EXITED" in s, 10)
    start("%s --offline --image %s" % (mpeek_bin(), elf))
    s = wait_for(lambda s: first in s and "image img_basic.elf" in status(s), 10)
    c.check(first in s and "image img_basic.elf" in status(s),
            "row 0 and the image in the status line: %r" % status(s))

    c.test("goto a symbol with Tab completion")
    keys(":", "known_t", "Tab")
    s = wait_for(lambda s: "goto: known_table" in status(s), 5)
    c.check("goto: known_table" in status(s), "Tab completes the only match: %r" % status(s))
    keys("Enter")
    s = wait_for(lambda s: "known_table+0x0" in status(s), 5)
    c.check("known_table+0x0" in status(s), "status names the symbol: %r" % status(s))
    at = syms.get("known_table", 0x10c)
    m = re.search(r"^0x([0-9a-f]{8}) ", status(s))
    c.check(m is not None and int(m.group(1), 16) == at,
            "the cursor is at nm's address 0x%x: %r" % (at, status(s)))
    row = at - at % 16
    c.check(hex_row(row, binary[row:row + 16]) in s,
            "the row holds the .bin's bytes there: %r" % hex_row(row, binary[row:row + 16]))
    c.check(binary[at:at + 16] == bytes(range(0, 256, 17)), "and they are known_table's")
    keys(":", "nest_", "Tab")
    s = wait_for(lambda s: "goto: nest_inner" in status(s), 5)
    c.check("goto: nest_inner" in status(s) and "2 matches" in status(s),
            "an ambiguous prefix cycles from the first match: %r" % status(s))
    keys("Tab")
    s = wait_for(lambda s: "goto: nest_outer" in status(s), 5)
    c.check("goto: nest_outer" in status(s), "Tab again: the next one: %r" % status(s))
    keys("Enter", "l", "l")
    s = wait_for(lambda s: "nest_outer+0x2" in status(s), 5)
    c.check("nest_outer+0x2" in status(s), "name+offset as the cursor moves: %r" % status(s))
    keys(":", "nest_outer+8", "Enter")
    s = wait_for(lambda s: "nest_inner+0x0" in status(s), 5)
    c.check("nest_inner+0x0" in status(s),
            "the innermost symbol covering the cursor: %r" % status(s))
    keys(":", "no_such_sym", "Tab")
    s = wait_for(lambda s: "no name starts so" in status(s), 5)
    c.check("no name starts so" in status(s), "no match is said: %r" % status(s))
    keys("Escape")

    c.test("symbol start underlined")
    keys(":", "0", "Enter")
    colored = screen(True)
    line = [x for x in colored.splitlines() if re.sub(r"\x1b\[[0-9;]*m", "", x).startswith("00000040")]
    c.check(bool(line) and re.search(r"\x1b\[(?:[0-9;]*;)?4m", line[0]) is not None,
            "Default_Handler's first byte is underlined: %r" % (line[:1],))

    c.test("symbol list: filter by typing, Enter jumps")
    keys("S")
    s = wait_for(lambda s: "symbols: " in s, 5)
    c.check(re.search(r"symbols: \d+ of \d+", s) is not None, "the list opens: %r" % s[:200])
    keys("KNOWN_S")
    s = wait_for(lambda s: "symbols: 1 of" in s, 5)
    c.check("symbols: 1 of" in s and "known_string" in s,
            "a case-insensitive filter leaves one: %r" % s[:300])
    keys("BSpace", "BSpace")
    s = wait_for(lambda s: "symbols: 2 of" in s, 5)
    c.check("known_table" in s and "known_string" in s, "Backspace widens it: %r" % s[:300])
    keys("Down", "Enter")
    s = wait_for(lambda s: "known_" in status(s) and "symbols:" not in s, 5)
    keys("l")
    s = wait_for(lambda s: "+0x1" in status(s), 5)
    want = "known_table" if syms.get("known_table", 0) > syms.get("known_string", 1) else "known_string"
    c.check(("%s+0x1" % want) in status(s), "Enter jumped to the second match, %s: %r"
            % (want, status(s)))

    c.test("bytes no image holds show as --")
    keys(":", "data_bytes", "Enter")
    s = wait_for(lambda s: "data_bytes+0x0" in status(s), 5)
    c.check(re.search(r"^20000000 [ |](-- ){3}--", s, re.M) is not None,
            ".data's run address holds no image bytes: %r" % s[:400])
    c.check("no image holds this byte" in status(s), "and the status says so: %r" % status(s))
    c.check("u8 --" in status(s), "no value: %r" % status(s))
    quit_clean(c, "open ELF")

    c.test("open a .hex: the same bytes, no symbols")
    start("%s open %s" % (mpeek_bin(), os.path.join(FIX, "img_basic.hex")))
    s = wait_for(lambda s: first in s, 10)
    c.check(first in s and hex_row(0x100, binary[0x100:0x110]) in s,
            "the .hex shows the .bin's bytes: %r" % s[:300])
    keys("S")
    s = wait_for(lambda s: "no symbols" in status(s) or "have no symbols" in status(s), 5)
    c.check("symbols" in status(s) and "ELF" in status(s),
            "S says a .hex has no symbols: %r" % status(s))
    quit_clean(c, "open HEX")

    c.test("frozen modules: the panel, Enter, the notes")
    felf = os.path.join(FIX, "frozen_v119.elf")
    fsyms = nm_symbols(felf) or {}
    start("%s open %s" % (mpeek_bin(), felf))
    s = wait_for(lambda s: "frozen module" in s, 10)
    c.check("F lists them" in s, "the info line counts the modules: %r" % s[-300:])
    keys("F")
    s = wait_for(lambda s: "frozen modules:" in s, 5)
    rows = [x for x in s.splitlines() if "bytecode" in x and "0x" in x]
    c.check(any("hello.py" in x for x in rows), "hello.py is listed as bytecode: %r" % rows)
    idx = [i for i, x in enumerate([x for x in s.splitlines()[1:] if "0x" in x])
           if x.split()[0] == "hello.py"]
    if c.check(len(idx) == 1, "hello.py appears once"):
        for _ in range(idx[0]):
            keys("Down")
        keys("Enter")
        s = wait_for(lambda s: "frozen hello.py" in status(s), 5)
        c.check("frozen hello.py" in status(s), "Enter jumps: %r" % status(s))
        want = fsyms.get("fun_data_hello__lt_module_gt_")
        m = re.search(r"bytes at 0x([0-9a-f]{8})", status(s))
        c.check(m is not None and (want is None or int(m.group(1), 16) == want),
                "to the module's bytecode (nm: %r): %r" % (want, status(s)))
        info = s.splitlines()[-2] if len(s.splitlines()) > 1 else ""
        c.check("hello.py +0x0: prelude" in info, "the info line shows the note: %r" % info)
        keys("l")
        s = wait_for(lambda s: "frozen hello.py" in status(s) and "fun_data_hello" in status(s), 5)
        c.check("frozen hello.py" in status(s) and "fun_data_hello__lt_module_gt_+0x1" in status(s),
                "the status line names module and symbol: %r" % status(s))
        for _ in range(12):
            info = screen().splitlines()[-2]
            if re.search(r"hello.py \+0x[1-9a-f][0-9a-f]*: bytecode \d+ bytes", info):
                break
            keys("l")
            time.sleep(0.1)
        c.check(re.search(r"bytecode \d+ bytes", info) is not None,
                "moving on reaches the bytecode's note: %r" % info)
        colored = [x for x in screen(True).splitlines()
                   if re.search(r"\x1b\[(?:[0-9;]*;)?7m", x)]
        c.check(bool(colored), "the note's other bytes are highlighted (reverse)")
        keys("i")
        s = wait_for(lambda s: "frozen module hello.py" in s, 5)
        c.check("frozen module hello.py" in s and "in symbol fun_data_hello" in s,
                "i explains it: %r" % s[:500])
        keys("x")
    quit_clean(c, "open frozen")


def fake_board(link, dump):
    p = subprocess.Popen(["python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "fakeboard.py"),
                          "--preset", "old", "--link", link, "--dump-mem", "0:0x100:%s" % dump],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    p.stderr.readline()
    end = time.monotonic() + 5
    while not os.path.exists(dump) and time.monotonic() < end:
        time.sleep(0.02)
    return p


def esp_words_test(c):
    """Scrolling into the ESP8266 instruction bus reads it with word loads
    (byte loads fault there and reboot the chip)."""
    c.test("ESP8266 flash on the instruction bus: word reads, no fault")
    tmp = tempfile.mkdtemp(prefix="mpeek-tui-esp-")
    link, log = os.path.join(tmp, "tty"), os.path.join(tmp, "fake.log")
    p = subprocess.Popen(["python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "fakeboard.py"),
                          "--preset", "esp8266", "--link", link, "--log", log],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    p.stderr.readline()
    try:
        want = subprocess.run([mpeek_bin(), "--port", link, "read", "0x40200000", "16",
                               "--format", "bin"], capture_output=True, timeout=60).stdout
        c.check(len(want) == 16, "read the first 16 bytes with mpeek read")
        start("%s --port %s view 0x40200000" % (mpeek_bin(), link))
        row = hex_row(0x40200000, want)
        # (a '|' marks where the region starts)
        s = wait_for(lambda s: row in s.replace("|", " "), 30)
        c.check(row in s.replace("|", " "), "the explorer shows them: %r"
                % [x for x in s.splitlines() if x.startswith("40200000")])
        quit_clean(c, "esp8266")
        faults = [x for x in open(log).read().splitlines() if "fault" in x]
        c.check(not faults, "no fault on the board: %r" % faults[:3])
    finally:
        stop_group(p)
        shutil.rmtree(tmp, ignore_errors=True)


def reconnect_test(c):
    """The board goes away and comes back on the same port."""
    c.test("losing the board: stale bytes, then it reconnects by itself")
    tmp = tempfile.mkdtemp(prefix="mpeek-tui-")
    link = os.path.join(tmp, "tty")
    dump = os.path.join(tmp, "mem.bin")
    fb = fake_board(link, dump)
    first = hex_row(0, open(dump, "rb").read()[:16])
    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
         "TERM=xterm-256color %s --port %s view; echo EXITED $?; sleep 30" % (mpeek_bin(), link),
         check=True)
    try:
        s = wait_for(lambda s: first in s, 20)
        c.check(first in s, "the fake micro:bit's flash is shown: %r" % s[:120])
        os.killpg(fb.pid, signal.SIGTERM)
        fb.wait(5)
        s = wait_for(lambda s: "disconnected" in status(s), 15)
        c.check("disconnected" in status(s), "the status line says so: %r" % status(s))
        c.check(first in s, "the view keeps what it read")
        c.check("stale u8 0x%02x" % open(dump, "rb").read()[0] in status(s),
                "and shows its values as stale, not u8 --: %r" % status(s))
        os.unlink(dump)
        fb = fake_board(link, dump)
        # "connected", not the "disconnected" it says until the board is back
        def linked(s):
            return re.search(r"(?<!dis)connected", status(s)) is not None
        s = wait_for(lambda s: "the board is back" in status(s) or linked(s), 30)
        c.check("the board is back" in status(s) or linked(s),
                "it reconnected by itself: %r" % status(s))
        keys("j")
        s = wait_for(linked, 10)
        c.check(linked(s) and first in s, "and carries on: %r" % status(s))
        keys("=")
        s = wait_for(lambda s: "grouped in 8s" in status(s), 5)
        c.check(re.search(r"^00000000  ([0-9a-f]{2} ){7}[0-9a-f]{2}  ", s, re.M) is not None,
                "= groups the bytes in 8s: %r" % s[:90])
        keys("q")
        s = wait_for(lambda s: "EXITED" in s, 15)
        c.check("EXITED 0" in s, "quits cleanly: %r" % s[-100:])
        tmux("kill-session", "-t", "t")
        time.sleep(0.5)

        c.test("SIGTERM and SIGHUP in the explorer: terminal restored, board at >>>")
        for sig in (signal.SIGTERM, signal.SIGHUP):
            tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                 "TERM=xterm-256color %s --port %s view; echo EXITED $?; sleep 30"
                 % (mpeek_bin(), link), check=True)
            s = wait_for(lambda s: first in s, 20)
            pids = subprocess.run(["pgrep", "-f", "^%s --port %s view" % (re.escape(mpeek_bin()), link)],
                                  capture_output=True, text=True).stdout.split()
            for pid in pids:
                os.kill(int(pid), sig)
            s = wait_for(lambda s: "EXITED" in s, 15)
            c.check("EXITED" in s, "%s: mpeek ended: %r" % (sig.name, s[-120:]))
            c.check(at_prompt(link, timeout=5), "%s: the board answers >>>" % sig.name)
            tmux("kill-session", "-t", "t")
            time.sleep(0.5)
    finally:
        tmux("kill-server")
        os.killpg(fb.pid, signal.SIGTERM)
        shutil.rmtree(tmp, ignore_errors=True)

def open_vs_board(c, q):
    """mpeek open firmware.hex shows what the live board shows."""
    c.test("open firmware.hex: the same rows as the live board")
    addrs = (0x0, 0x2340, 0x18000, 0x3b870)
    rows = {}
    for what, cmd in (("board", "%s --port %s view" % (mpeek_bin(), q.port)),
                      ("image", "%s open %s" % (mpeek_bin(), FIRMWARE_HEX))):
        start(cmd)
        wait_for(lambda s: "00000000  " in s, 20)
        for a in addrs:
            keys(":", "0x%x" % a, "Enter")
            want = "%08x  " % a
            s = wait_for(lambda s: any(x.startswith(want) and ".." not in x[:60]
                                       for x in s.splitlines()), 20)
            line = [x for x in s.splitlines() if x.startswith(want)]
            rows[(what, a)] = line[0][:60] if line else None
        quit_clean(c, "open vs board (%s)" % what)
    for a in addrs:
        b, i = rows[("board", a)], rows[("image", a)]
        c.check(b is not None and b == i, "0x%x: board %r, image %r" % (a, b, i))
    # And both are firmware.hex's bytes.
    c.check(rows[("image", 0x2340)] is not None and
            rows[("image", 0x2340)].startswith(hex_row(0x2340, q.flash[0x2340:0x2350])),
            "the bytes are the firmware's")


def diff_test(c, q):
    """With the QEMU board and an image: d, ')' and '('."""
    c.test("diff with firmware.hex: no difference in flash")
    start("%s --port %s --image %s view" % (mpeek_bin(), q.port, FIRMWARE_HEX))
    first = hex_row(0, q.flash[:16])
    s = wait_for(lambda s: first in s, 20)
    c.check(first in s, "the board's flash is shown")
    keys("d")
    s = wait_for(lambda s: "diff on" in status(s), 5)
    c.check("diff on" in status(s), "d turns it on: %r" % status(s))
    keys(":", "0x3f800", "Enter")
    s = wait_for(lambda s: "0x0003f800" in status(s) and "u8 0x" in status(s), 15)
    c.check("image: --" in status(s) and "u8 0xfd" in status(s),
            "0x3F800 (0xFD on the board) is a byte firmware.hex does not hold: %r" % status(s))
    keys(":", "0", "Enter", ")")
    s = wait_for(lambda s: "difference at" in status(s) or "no difference" in status(s), 60)
    m = re.search(r"difference at 0x([0-9a-f]{8})", status(s))
    c.check(m is None or int(m.group(1), 16) >= 0x40000,
            "the first difference is not in flash: %r" % status(s))
    c.check(m is not None or "no difference after" in status(s),
            "every flash byte of the image was read and compared: %r" % status(s))
    quit_clean(c, "diff hex")

    c.test("diff with the flash QEMU started from: only 0x3F800 differs")
    start("%s --port %s --image %s --base 0 view" % (mpeek_bin(), q.port, q.flash_path))
    s = wait_for(lambda s: first in s, 20)
    keys("d", ":", "0x3f800", "Enter")
    s = wait_for(lambda s: "image: 0xff (board 0xfd)" in status(s), 15)
    c.check("image: 0xff (board 0xfd)" in status(s), "the status reports it: %r" % status(s))
    keys("l")
    s = wait_for(lambda s: "= image" in status(s), 5)
    c.check("= image" in status(s), "the next byte is the same: %r" % status(s))
    diffline = [x for x in screen(True).splitlines()
                if re.sub(r"\x1b\[[0-9;]*m", "", x).startswith("0003f800")]
    c.check(bool(diffline) and "48;5;90m" in diffline[0],
            "the differing byte stands out (the theme's diff colour): %r" % diffline[:1])
    keys(":", "0", "Enter", ")")
    s = wait_for(lambda s: "difference at" in status(s) or "no difference" in status(s), 60)
    c.check("difference at 0x0003f800  image: 0xff (board 0xfd)" in status(s),
            "')' from the start of flash lands on 0x3F800: %r" % status(s))
    keys("l", "(")
    s = wait_for(lambda s: "difference at" in status(s) or "no difference" in status(s), 30)
    c.check("difference at 0x0003f800" in status(s), "'(' finds it backwards: %r" % status(s))
    keys(")")
    s = wait_for(lambda s: "difference at" in status(s) or "no difference" in status(s), 60)
    c.check("no difference after 0x0003f800" in status(s), "and nothing after it: %r" % status(s))
    quit_clean(c, "diff bin")
    c.check(at_prompt(q.port, timeout=5), "the board answers >>> after the diff runs")


def microbit_image_test(c):
    """firmware.hex with the micro:bit's map: the board's region names the
    address, the image's segment comes second; alone, the image says which
    --board adds the map."""
    if not os.path.exists(FIRMWARE_HEX):
        c.check(False, "%s is installed" % FIRMWARE_HEX)
        return
    c.test("--board microbit --image firmware.hex: the board's region first")
    start("%s --board microbit --offline --image %s view" % (mpeek_bin(), FIRMWARE_HEX),
          width=160)
    s = wait_for(lambda s: "0x00000000  " in status(s), 10)
    c.check(re.search(r"^0x00000000  flash\+0x0 r-x flash  firmware\.hex #1\+0x0 ", status(s))
            is not None, "flash, then the image's segment: %r" % status(s))
    keys(":", "0x100010c4", "Enter")
    s = wait_for(lambda s: "0x100010c4" in status(s), 10)
    c.check(re.search(r"uicr\+0xc4 r-- rom  firmware\.hex #2\+0x4 ", status(s)) is not None,
            "the UICR bytes are in the UICR: %r" % status(s))
    quit_clean(c, "microbit map with image")

    c.test("open firmware.hex: which --board adds the map")
    start("%s open %s" % (mpeek_bin(), FIRMWARE_HEX), width=160)
    s = wait_for(lambda s: "--board" in status(s), 10)
    c.check("firmware.hex looks like an image for the boards microbit, nrf51-microbit" in
            status(s) and "--board microbit" in status(s), "the hint: %r" % status(s))
    keys("l")
    s = wait_for(lambda s: "0x00000001" in status(s), 5)
    c.check("firmware.hex #1+0x1" in status(s), "a key brings the usual line: %r" % status(s))
    quit_clean(c, "open firmware.hex hint")


def cursor_line(s):
    """The index of the screen line holding the status line's address."""
    m = re.match(r"(?:WATCH )?0x([0-9a-f]{8})", status(s))
    if not m:
        return None
    want = "%08x  " % (int(m.group(1), 16) & ~0xf)
    for i, line in enumerate(s.splitlines()):
        if line.startswith(want):
            return i
    return None


def search_follow_test(c):
    """Search and follow on an image alone (no board needed)."""
    elf = os.path.join(FIX, "frozen_v119.elf")
    if not c.check(os.path.exists(elf), "the fixtures are built (make fixtures)"):
        return
    c.test("a search that finds nothing leaves the cursor and the history alone")
    start("%s open %s" % (mpeek_bin(), elf), 120, 30)
    wait_for(lambda s: "00000000  " in s, 10)
    keys(":", "0x20000000", "Enter")
    wait_for(lambda s: status(s).startswith("0x20000000"), 5)
    keys("/", '"zzzq"', "Enter")
    s = wait_for(lambda s: "not found" in status(s), 10)
    c.check("not found" in status(s), "not found: %r" % status(s))
    keys("x")  # an unbound key: the message goes, the status line shows the cursor
    s = wait_for(lambda s: "not found" not in status(s), 5)
    c.check(status(s).startswith("0x20000000"), "the cursor stays: %r" % status(s))
    keys("[")
    s = wait_for(lambda s: status(s).startswith("0x00000000"), 5)
    c.check(status(s).startswith("0x00000000"), "[ goes back to before the goto: %r" % status(s))
    keys("]")
    s = wait_for(lambda s: status(s).startswith("0x20000000"), 5)
    c.check(status(s).startswith("0x20000000"), "] comes back to it: %r" % status(s))

    c.test("search wraps round (saying so) and lights up the whole match")
    keys("/", '"hello world"', "Enter")
    s = wait_for(lambda s: "found" in status(s), 10)
    c.check("found at 0x00000020 (search hit the end, went on from the start)" in status(s),
            "found past the end: %r" % status(s))
    row = [x for x in screen(True).splitlines()
           if re.sub(r"\x1b\[[0-9;]*m", "", x).startswith("00000020")]
    hits = row[0].count("48;5;219m") if row else 0
    c.check(hits >= 2, "the match's bytes are in the search-hit colour, not only the cursor's: %r"
            % row[:1])
    keys("N")
    s = wait_for(lambda s: "search hit the start" in status(s) or "not found" in status(s), 10)
    c.check("found at 0x00000020 (search hit the start, went on from the end)" in status(s),
            "N wraps the other way to the only match: %r" % status(s))
    keys(":", "0x100", "Enter", "/", "hello.py", "Enter")
    s = wait_for(lambda s: "found" in status(s) or "search" in status(s), 10)
    c.check(re.search(r"found at 0x000001(4f|50)", status(s)) is not None,
            "unquoted text is searched as text: %r" % status(s))

    c.test("f on a byte no image holds, and on 0 (NULL)")
    keys(":", "0x20000000", "Enter", "f")
    s = wait_for(lambda s: "cannot follow" in status(s), 5)
    c.check("byte 0x20000000 is in no image" in status(s), "names the state: %r" % status(s))
    keys(":", "0x8", "Enter")
    s = wait_for(lambda s: status(s).startswith("0x00000008"), 5)
    c.check("u32 0x00000000" in status(s) and "->" not in status(s),
            "zero points nowhere: %r" % status(s))
    keys("f")
    s = wait_for(lambda s: "NULL" in status(s), 5)
    c.check("is 0 (NULL): not a pointer" in status(s), "f refuses it: %r" % status(s))
    quit_clean(c, "search and follow")


def overlay_test(c):
    """At 80x24 the help and the legend scroll, and keys stay in them."""
    elf = os.path.join(FIX, "frozen_v119.elf")
    if not os.path.exists(elf):
        return
    c.test("help and legend at 80x24: boxes that scroll, keys stay in them")
    start("%s open %s" % (mpeek_bin(), elf), 80, 24)
    wait_for(lambda s: "00000000  " in s, 10)
    keys("?")
    s = wait_for(lambda s: "mpeek explorer keys" in s, 5)
    c.check("mpeek explorer keys" in s.splitlines()[0], "the title is in the top border: %r"
            % s.splitlines()[:1])
    c.check(re.search(r"\d+-\d+ of \d+", s) is not None, "it says where the lines are")
    keys("G")
    s = wait_for(lambda s: "this help" in s, 5)
    for want in (") / (", "Esc ", "?    ", "q    "):
        c.check(any(want in x for x in s.splitlines()), "the last keys show: %r" % want)
    keys("j", "k")
    s = wait_for(lambda s: True, 0.3)
    c.check(status(s).startswith("0x00000000"), "j and k scroll the help, not the cursor: %r"
            % status(s))
    keys("q")
    s = wait_for(lambda s: "mpeek explorer keys" not in s, 5)
    c.check("mpeek explorer keys" not in s and "EXITED" not in s, "q closes the help only")
    c.check(status(s).startswith("0x00000000"), "the cursor did not move: %r" % status(s))
    keys("L", "G")
    s = wait_for(lambda s: "boundary" in s, 5)
    c.check("legend" in s.splitlines()[0] and "boundary" in s,
            "the legend scrolls to its last role: %r" % s[-400:])
    keys("Escape")
    s = wait_for(lambda s: "boundary" not in s, 5)
    c.check("boundary" not in s and "EXITED" not in s, "Esc closes it")
    keys("i")
    s = wait_for(lambda s: "the byte at 0x00000000" in s, 5)
    keys("l")
    s = wait_for(lambda s: True, 0.3)
    c.check("the byte at 0x00000000" in s, "a key inside explain does not close it or move")
    keys("q")
    s = wait_for(lambda s: "the byte at" not in s, 5)
    c.check(status(s).startswith("0x00000000"), "q closed it; the cursor stayed: %r" % status(s))

    c.test("a start address is placed as goto places it")
    tmux("kill-session", "-t", "t")
    start("%s open %s 0x240" % (mpeek_bin(), elf), 80, 24)
    s = wait_for(lambda s: status(s).startswith("0x00000240"), 10)
    at_start = cursor_line(s)
    keys(":", "0", "Enter", ":", "0x240", "Enter")
    s = wait_for(lambda s: status(s).startswith("0x00000240"), 5)
    c.check(at_start is not None and at_start == cursor_line(s) and at_start < 10,
            "the same screen line for both: %r and %r" % (at_start, cursor_line(s)))
    quit_clean(c, "overlays")

    c.test("open FILE REGION / SYMBOL like goto")
    start("%s open %s .rodata+0x10" % (mpeek_bin(), elf), 80, 24)
    s = wait_for(lambda s: status(s).startswith("0x"), 10)
    c.check(status(s).startswith("0x00000030  .rodata+0x10"), "a region: %r" % status(s))
    quit_clean(c, "open REGION")
    start("%s open %s frozen_sink" % (mpeek_bin(), elf), 80, 24)
    s = wait_for(lambda s: status(s).startswith("0x"), 10)
    c.check(status(s).startswith("0x20000000"), "a symbol: %r" % status(s))
    quit_clean(c, "open SYMBOL")
    start("%s open %s no_such_name" % (mpeek_bin(), elf), 80, 24)
    s = wait_for(lambda s: "EXITED" in s, 10)
    c.check("EXITED 1" in s and "no region or symbol named 'no_such_name'" in s,
            "an unknown name is a one-line error: %r" % s.strip()[:200])
    tmux("kill-session", "-t", "t")


def narrow_status_test(c, q):
    """The micro:bit's heap at 80 columns: the heap object and the link
    state stay on the status line."""
    c.test("status line at 80 columns keeps the heap object and the link")
    start("%s --port %s view" % (mpeek_bin(), q.port), 80, 24)
    wait_for(lambda s: "00000000  " in s, 20)
    keys(":", "gc-heap+0x20", "Enter")
    s = wait_for(lambda s: "gc-heap+0x20" in status(s) and "u8 0x" in status(s), 20)
    c.check("heap: " in status(s) and ("| connected" in status(s) or "| reading" in status(s)),
            "the heap object and the link state are shown: %r" % status(s))
    keys("w")
    s = wait_for(lambda s: status(s).startswith("WATCH"), 5)
    keys("x")
    s = wait_for(lambda s: status(s).startswith("WATCH 0x"), 5)
    c.check(status(s).startswith("WATCH 0x"), "live watch is shown: %r" % status(s))
    keys("w")

    c.test("peripheral bytes: why they are not read")
    keys(":", "0x40000000", "Enter")
    s = wait_for(lambda s: status(s).startswith("0x40000000"), 5)
    keys("i")
    s = wait_for(lambda s: "the byte at" in s, 5)
    c.check("--unsafe" in s and "never will be" in s, "i says why and what reads them: %r"
            % [x for x in s.splitlines() if "value" in x or "unsafe" in x])
    keys("q")
    tmux("resize-window", "-t", "t", "-x", "140", "-y", "24")
    s = wait_for(lambda s: "--unsafe" in status(s), 5)
    c.check("not read: registers, reads have side effects (--unsafe reads it)" in status(s),
            "the status line says so too: %r" % status(s))
    quit_clean(c, "narrow status")

    c.test("view REGION and view SYMBOL+OFF start there")
    for arg, want in (("gc-heap", "gc-heap+0x0 "), ("ram+0x40", "ram+0x40 ")):
        start("%s --port %s view %s" % (mpeek_bin(), q.port, arg), 100, 24)
        s = wait_for(lambda s: want in status(s) or "EXITED" in s, 20)
        c.check(want in status(s), "view %s: %r" % (arg, status(s)))
        quit_clean(c, "view %s" % arg)


def explorer_test(c, q):
    """The explorer on the live board: one session, key after key."""
    log = tempfile.mktemp(prefix="mpeek-tui-")
    try:
        env_cmd = "TERM=xterm-256color %s --port %s --refresh 200 --log %s view; echo EXITED $?; sleep 30" % (
            mpeek_bin(), q.port, log)
        tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", env_cmd, check=True)

        c.test("the first screen: address 00000000 with the firmware's bytes")
        first = hex_row(0, q.flash[:16])
        s = wait_for(lambda s: first in s, 20)
        c.check(first in s, "row 0 shows the flash bytes: %r" % s[:200])
        second = hex_row(0x10, q.flash[16:32])
        c.check(second in s, "row 0x10 too")
        c.check("flash+0x0" in status(s), "status names the region: %r" % status(s))

        c.test("goto RAM: another colour than flash")
        keys(":", "0x20000100", "Enter")
        s = wait_for(lambda s: "ram+0x100" in status(s) and "20000110  " in s
                     and "20000110  .." not in s, 15)
        c.check("ram+0x100" in status(s), "status: %r" % status(s))
        ram_c = byte_colour(screen(True), "20000110")
        keys(":", "0x10", "Enter")
        wait_for(lambda s: "flash+0x10" in status(s), 5)
        flash_c = byte_colour(screen(True), "00000020")
        c.check(ram_c is not None and flash_c is not None and ram_c != flash_c,
                "RAM and flash bytes differ in colour: %r vs %r" % (ram_c, flash_c))

        c.test("search finds MicroPython in the firmware")
        keys(":", "0", "Enter")
        wait_for(lambda s: "flash+0x0 " in status(s), 5)
        keys("/", '"MicroPython"', "Enter")
        s = wait_for(lambda s: "found at" in status(s) or "not found" in status(s), 30)
        m = re.search(r"found at 0x([0-9a-f]{8})", status(s))
        c.check(m is not None, "found: %r" % status(s))
        if m:
            at = int(m.group(1), 16)
            c.check(q.flash[at:at + 11] == b"MicroPython", "the firmware has it at 0x%x" % at)
            keys("n")
            s = wait_for(lambda s: "found at" in status(s) and m.group(0) not in status(s), 30)
            c.check("found at" in status(s), "n finds the next one: %r" % status(s))

        c.test("resizing keeps the cursor's address")
        keys(":", "0x1234", "Enter")
        wait_for(lambda s: "flash+0x1234" in status(s), 5)
        tmux("resize-window", "-t", "t", "-x", "60", "-y", "20")
        s = wait_for(lambda s: len(s.splitlines()[0]) <= 60 and "flash+0x1234" in status(s), 5)
        c.check("flash+0x1234" in status(s), "after shrinking: %r" % status(s))
        c.check(re.search(r"^00001230  ", s, re.M) is not None, "8 bytes per row at 60 columns: %r" % s[:300])
        tmux("resize-window", "-t", "t", "-x", "160", "-y", "30")
        s = wait_for(lambda s: "flash+0x1234" in status(s) and re.search(r"^00001220  ", s, re.M), 5)
        c.check("flash+0x1234" in status(s) and re.search(r"^00001220  ", s, re.M) is not None,
                "32 bytes per row at 160 columns, same cursor: %r" % status(s))

        c.test("keys are answered while the board is frozen")
        os.kill(q.proc.pid, signal.SIGSTOP)
        try:
            keys(":", "0x3f000", "Enter")  # unread bytes: a read will hang
            time.sleep(0.5)
            worst = 0.0
            for target in ("0x100", "0x200", "0x300"):
                keys(":", target, "Enter")
                t0 = time.monotonic()
                s = wait_for(lambda s, tg=target: ("flash+%s" % tg) in status(s), 2, step=0.005)
                worst = max(worst, time.monotonic() - t0)
                c.check(("flash+%s" % target) in status(s), "moved to %s" % target)
            c.check(worst < 0.1, "each key updated the screen within 100 ms (worst %.0f ms)"
                    % (worst * 1000))
        finally:
            os.kill(q.proc.pid, signal.SIGCONT)

        c.test("explain, heap head, marks, history, legend, help")
        keys(":", "gc-heap+0x18", "Enter")
        s = wait_for(lambda s: "gc-heap+0x18" in status(s), 10)
        keys("i")
        s = wait_for(lambda s: "in gc-heap +0x18" in s, 5)
        c.check("in gc-heap +0x18" in s and "in ram +0x" in s and "heap: " in s,
                "i explains the chain: %r" % s[:400])
        keys("Escape")
        keys("o")
        s = wait_for(lambda s: "head of a" in status(s) or "no heap object" in status(s), 5)
        c.check("head of a" in status(s) or "no heap object" in status(s),
                "o answers: %r" % status(s))
        keys(":", "0x40", "Enter", "m", "a", ":", "0x80", "Enter", "'", "a")
        s = wait_for(lambda s: "flash+0x40 " in status(s), 5)
        c.check("flash+0x40 " in status(s), "' a returns to mark a: %r" % status(s))
        keys("[")
        s = wait_for(lambda s: "flash+0x80 " in status(s), 5)
        c.check("flash+0x80 " in status(s), "[ goes back: %r" % status(s))
        keys("]")
        s = wait_for(lambda s: "flash+0x40 " in status(s), 5)
        c.check("flash+0x40 " in status(s), "] goes forward: %r" % status(s))
        keys("L")
        s = wait_for(lambda s: "heap-list" in s, 5)
        c.check("heap-list" in s and "peripheral" in s, "legend shows the roles")
        keys("Escape", "?")
        s = wait_for(lambda s: "explorer keys" in s, 5)
        c.check("live watch" in s and "follow" in s, "help lists the keys")
        keys("Escape")

        c.test("live watch: bytes that change light up")
        keys(":", "gc-heap", "Enter", "w")
        s = wait_for(lambda s: "live watch on" in status(s), 5)
        found = False
        end = time.monotonic() + 10
        while time.monotonic() < end and not found:
            found = "48;5;214" in screen(True) or "\x1b[43m" in screen(True)
            time.sleep(0.2)
        c.check(found, "a changed byte is highlighted while mpeek's reads stir the heap")
        keys("w")

        c.test("select a range and save it, raw and as an xxd dump")
        out_bin = tempfile.mktemp(prefix="mpeek-save-", suffix=".bin")
        out_hex = tempfile.mktemp(prefix="mpeek-save-", suffix=".hex")
        keys("Escape", ":", "0x100", "Enter", "v", ":", "0x1ff", "Enter", "v")
        s = wait_for(lambda s: "save to" in status(s), 5)
        keys(out_bin, "Enter")
        s = wait_for(lambda s: "saved 256 bytes" in status(s), 20)
        c.check("saved 256 bytes 0x00000100-0x00000200" in status(s),
                "saved, the end exclusive: %r" % status(s))
        data = open(out_bin, "rb").read() if os.path.exists(out_bin) else b""
        c.check(data == q.flash[0x100:0x200], "the file holds exactly those flash bytes")
        keys(":", "0x100", "Enter", "v", ":", "0x10f", "Enter", "v", out_bin, "Enter")
        s = wait_for(lambda s: "overwrite" in status(s), 5)
        c.check("overwrite" in status(s), "asks before overwriting: %r" % status(s))
        keys("n")
        s = wait_for(lambda s: "not saved" in status(s), 5)
        c.check("not saved" in status(s), "n answers at once, no Enter: %r" % status(s))
        c.check(os.path.getsize(out_bin) == 256, "the file was left alone")
        keys(":", "0x100", "Enter", "v", ":", "0x10f", "Enter", "v", out_hex, "Enter")
        s = wait_for(lambda s: "saved 16 bytes" in status(s), 20)
        dump = open(out_hex).read() if os.path.exists(out_hex) else ""
        exp = subprocess.run(["xxd", "-s", "0x100", "-l", "16", q.flash_path],
                             capture_output=True, text=True).stdout
        c.check(dump == exp, "the .hex file is the xxd dump: %r vs %r" % (dump, exp))
        for f in (out_bin, out_hex):
            if os.path.exists(f):
                os.unlink(f)

        c.test("q restores the terminal; the board answers >>>")
        wait_for(lambda s: "connected" in status(s) or "reading" in status(s)
                 or "timed out" in status(s), 15)
        keys("q")
        s = wait_for(lambda s: "EXITED" in s, 20)
        c.check("EXITED 0" in s, "mpeek exited 0: %r" % s[-200:])
        c.check("00000000" not in s, "the alternate screen is gone (terminal restored)")
        c.check(at_prompt(q.port, timeout=5), "board answers >>>")
        tmux("kill-session", "-t", "t")
        time.sleep(0.5)
    finally:
        if os.path.exists(log):
            os.unlink(log)


def python_test(c, q):
    """! runs a line on the board and shows what it printed; :@x and @x go
    to the object x names (the address the board's id() gives)."""
    from testlib import talk
    start("%s --port %s view" % (mpeek_bin(), q.port), width=110, height=30)
    try:
        wait_for(lambda s: "flash+0x0" in status(s), 20)
        c.test("! runs a line on the board; what it printed shows in a box")
        keys("!", "x = [7, 8, 9]", "Enter")
        s = wait_for(lambda s: "(it printed nothing)" in s, 15)
        c.check("! x = [7, 8, 9]" in s and "(it printed nothing)" in s,
                "the box names the line: %r" % s[-600:])
        keys("q", "!", "print(6 * 7, len(x))", "Enter")
        s = wait_for(lambda s: "42 3" in s, 15)
        c.check("42 3" in s, "what it printed: %r" % s[-600:])
        keys("q", "!", "d = {'k': x}", "Enter")
        wait_for(lambda s: "! d = {'k': x}" in s, 15)
        keys("q", "!", "1/0", "Enter")
        s = wait_for(lambda s: "ZeroDivisionError" in s, 15)
        c.check("ZeroDivisionError" in s, "its traceback: %r" % s[-600:])
        keys("q")

        c.test("H: the heap picture, read again after the line, shows the list")
        keys("H")
        s = wait_for(lambda s: "GC heap: arrows move" in s and "blocks of 16 bytes" in s, 15)
        c.check("GC heap: arrows move" in s and "blocks of 16 bytes" in s,
                "the picture: %r" % s[:400])
        pic = "".join(l[9:] for l in s.splitlines() if re.match(r"^[0-9a-f]{8} ", l))
        c.check("@" in pic, "mpeek's own helper drawn '@': %r" % pic[:300])
        keys("r")
        s = wait_for(lambda s: "as read at the start" not in s, 15)
        c.check("as read at the start" not in s and "free in" in s,
                "r reads it again: %r" % s[-400:])
        pic = "".join(l[9:] for l in s.splitlines() if re.match(r"^[0-9a-f]{8} ", l))
        c.check("@" in pic, "still '@' after reading it again: %r" % pic[:300])
        # the selected cell on an '@' says whose it is
        first = pic.find("@")
        if first >= 0:
            keys("l" * first)
            s = wait_for(lambda s: "mpeek's helper" in s, 10)
            c.check("mpeek's helper" in status(s) or "mpeek's helper" in s,
                    "the cell is named mpeek's helper: %r" % s[-300:])
        keys("q")

        c.test("the GC allocation table and the stack are regions the explorer names")
        keys(":", "gc-atb+4", "Enter")
        s = wait_for(lambda s: "gc-atb+0x4" in status(s), 15)
        c.check("gc-atb+0x4" in status(s), "goto gc-atb: %r" % status(s))
        keys(":", "stack+0x10", "Enter")
        s = wait_for(lambda s: "stack+0x10" in status(s), 15)
        c.check("stack+0x10" in status(s), "goto stack: %r" % status(s))

        c.test(":@x goes to the list x names")
        keys(":", "@x", "Enter")
        s = wait_for(lambda s: "the object at 0x" in status(s), 15)
        m = re.search(r"the object at 0x([0-9a-f]{8})", status(s))
        c.check(m is not None, "the status line says where: %r" % status(s))
        keys("l", "h")  # the message gives way to the cursor's address
        s = wait_for(lambda s: m is not None and status(s).startswith("0x" + m.group(1)), 5)
        c.check(m is not None and status(s).startswith("0x" + m.group(1)),
                "the cursor is there: %r" % status(s))
        addr = int(m.group(1), 16) if m else None
        keys("i")
        s = wait_for(lambda s: "list" in s, 10)
        c.check("list" in s, "the heap map read again after ! knows the list: %r" % s[:600])
        keys("q")
        keys(":", "0", "Enter", "@", "x", "Enter")
        s = wait_for(lambda s: "the object at 0x" in status(s), 15)
        c.check(m is not None and "the object at 0x" + m.group(1) in status(s),
                "@x (the key) goes there too: %r" % status(s))
        c.test("I: the data inspector reads the list's first item as the small int 7")
        keys(":", "@x", "Enter")
        wait_for(lambda s: "the object at 0x" in status(s), 15)
        keys("l" * 12, "f")
        s = wait_for(lambda s: "follow" in status(s).lower() or "->" in status(s), 5)
        keys("I")
        s = wait_for(lambda s: "word: small int 7" in s, 15)
        c.check("word: small int 7" in s and "u8 15" in s,
                "the inspector: %r" % s[-500:])
        keys("I")

        c.test("O: the object panel decodes the list; Enter follows an item")
        keys(":", "@x", "Enter")
        wait_for(lambda s: "the object at 0x" in status(s), 15)
        keys("O")
        s = wait_for(lambda s: "value: [7, 8, 9]" in s, 60)
        c.check("value: [7, 8, 9]" in s and "items -> 0x" in s and "[0] 0x0000000f int 7" in s,
                "the panel: %r" % s[-900:])
        # the selected line (the first item) is highlighted where its word
        # sits in the list's items; the list's own fields are outlined
        cs = wait_for(lambda s: styled_pairs(screen(colors=True), "48;5;110"), 5) and \
            screen(colors=True)
        c.check(styled_pairs(cs or "", "48;5;110") == ["0f", "00", "00", "00"],
                "item 0's slot highlighted on the hex rows: %r" % styled_pairs(cs or "", "48;5;110"))
        c.check(len(styled_pairs(cs or "", "4")) >= 16,
                "the list's 16 bytes outlined: %r" % styled_pairs(cs or "", "4"))
        keys("j")
        cs = wait_for(lambda s: styled_pairs(screen(colors=True), "48;5;110") == ["11", "00", "00", "00"], 5) \
            and screen(colors=True)
        c.check(styled_pairs(cs or "", "48;5;110") == ["11", "00", "00", "00"],
                "j: item 1 (8, the word 0x11) highlighted: %r"
                % styled_pairs(screen(colors=True), "48;5;110"))
        keys("q")
        cs = screen(colors=True)
        c.check(styled_pairs(cs, "48;5;110") == [], "closed: nothing highlighted")
        keys(":", "@d", "Enter")
        wait_for(lambda s: "the object at 0x" in status(s), 15)
        keys("O")
        s = wait_for(lambda s: "value: {" in s, 60)
        c.check("'k': [7, 8, 9]" in s, "a dict's entries: %r" % s[-900:])
        keys("Enter")
        s = wait_for(lambda s: "value: [7, 8, 9]" in s, 30)
        c.check("value: [7, 8, 9]" in s, "Enter followed the value to the list: %r" % s[-600:])
        keys("q")
        keys(":", "@-3", "Enter")
        s = wait_for(lambda s: "small int" in status(s), 15)
        c.check("is the small int -3" in status(s), "an immediate is said: %r" % status(s))
        keys(":", "@no_such_name", "Enter")
        s = wait_for(lambda s: "NameError" in status(s), 15)
        c.check("NameError" in status(s), "a bad name says the board's error: %r" % status(s))
        quit_clean(c, "python")
        got = talk(q.port, b"print('ID=%d' % id(x))\r", b"\r\n>>> ", timeout=5).decode(errors="replace")
        mm = re.search(r"ID=(-?\d+)", got)
        c.check(mm is not None and addr is not None and (int(mm.group(1)) & 0xffffffff) == addr,
                "the address is the board's id(x): %r vs %r" % (got[-80:], addr))
    finally:
        tmux("kill-session", "-t", "t")


def tmux_installed(c):
    if shutil.which("tmux") is None:
        print("tmux missing")
        return c.check(False, "tmux is installed")
    return True


FIXTURES = {"q": Fixture(lambda: Qemu("pty"), lambda q: q.stop())}

def styled_addrs(colored_screen, want):
    """The addresses of the hex rows' bytes drawn while SGR attribute want
    ("4" underline, "48;5;N" a background) was in force."""
    got = set()
    for line in colored_screen.splitlines():
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        m = re.match(r"^([0-9a-f]{8})  ", plain)
        if not m:
            continue
        row = int(m.group(1), 16)
        bg, ul, col, idx = None, False, 0, 0
        for m in re.finditer(r"(\x1b\[([0-9;]*)m)|([^\x1b]+)", line):
            if m.group(1):
                parts = (m.group(2) or "0").split(";")
                i = 0
                while i < len(parts):
                    p = parts[i]
                    if p == "0":
                        bg, ul = None, False
                    elif p == "4":
                        ul = True
                    elif p == "24":
                        ul = False
                    elif p == "49":
                        bg = None
                    elif p in ("38", "48") and i + 2 < len(parts) and parts[i + 1] == "5":
                        if p == "48":
                            bg = "48;5;" + parts[i + 2]
                        i += 2
                    i += 1
                continue
            for word in re.finditer(r"[0-9a-f]{2}|\S+|\s+", m.group(3)):
                text = word.group(0)
                if 10 <= col < 62 and re.fullmatch(r"[0-9a-f]{2}", text):
                    if (want == "4" and ul) or (want != "4" and bg == want):
                        got.add(row + idx)
                    idx += 1
                col += len(text)
    return got


def pane_bg(colored_screen):
    """The background of the pane's current line (the '> 0x' one)."""
    m = re.search(r"48;5;(\d+)m> 0x", colored_screen)
    return "48;5;" + m.group(1) if m else None


def dis_listing(elf, module):
    """mpeek dis MODULE's functions: [(fun_data, [(addr, bytes, text)])]."""
    out = subprocess.run([mpeek_bin(), "--image", elf, "dis", module], capture_output=True,
                         text=True, timeout=60).stdout
    funs = []
    for line in out.splitlines():
        if line.startswith("function "):
            funs.append([None, []])
            continue
        m = re.match(r"\s+address\s+0x([0-9a-f]{8}) \((?:fun_data|raw code)\)(?:, fun_data 0x([0-9a-f]{8}))?", line)
        if m and funs:
            funs[-1][0] = int(m.group(2) or m.group(1), 16)
            continue
        m = re.match(r"^\s*\d*\s+0x([0-9a-f]{8})  ((?:[0-9a-f]{2} )+)\s+(\S.*)$", line)
        if m and funs:
            funs[-1][1].append((int(m.group(1), 16), m.group(2).split(), m.group(3)))
    return funs


def cursor_at(s):
    m = re.match(r"^0x([0-9a-f]{8}) ", status(s))
    return int(m.group(1), 16) if m else None


def dis_pane_test(c):
    """D: the disassembly pane on a frozen module of the modern firmware's
    ELF (mpeek open, no board): the instruction at the cursor as mpeek dis
    lists it, its bytes outlined, j / k, Enter on a child and on a jump,
    [ back, what is not bytecode said."""
    elf = need_modern_firmware(c)
    funs = dis_listing(elf, "unittest")
    insns = [i for _, f in funs for i in f]
    if not c.check(len(funs) > 2 and insns, "mpeek dis unittest lists functions: %d" % len(funs)):
        return
    mk = next(((f, k) for _, f in funs[:1] for k, i in enumerate(f)
               if i[2].startswith("MAKE_FUNCTION")), None)
    jump = next((i for i in insns if i[2].startswith("POP_JUMP_IF_FALSE")), None)
    if not c.check(mk is not None and jump is not None, "a MAKE_FUNCTION and a jump in it"):
        return
    f, k = mk
    at, raw, text = f[k]
    child = int(re.search(r"at 0x([0-9a-f]{8})", text).group(1), 16)
    child_first = next((fi[0][0] for fd, fi in funs if fd == child and fi), None)

    c.test("D opens the pane at the instruction under the cursor")
    start("%s open %s 0x%x" % (mpeek_bin(), elf, at), height=34)
    wait_for(lambda s: cursor_at(s) == at, 10)
    plain_ul = styled_addrs(screen(True), "4")
    keys("D")
    cur = "> 0x%08x  %s" % (at, "".join(raw))
    s = wait_for(lambda s: cur in s, 10)
    line = next((x for x in s.splitlines() if cur in x), "")
    c.check(line.rstrip().endswith(text[:60].rstrip()) or text[:40] in line,
            "the current line is dis's: %r vs %r" % (line, text))
    head = next((x for x in s.splitlines() if x.startswith(" bytecode ")), "")
    c.check("unittest/__init__.py <module>" in head, "the header names module and function: %r" % head)
    c.check("bytecode" in head.split("|")[1] if "|" in head else False,
            "and carries the frozen notes line: %r" % head)
    c.check(not any(x.startswith("unittest/__init__.py +0x") for x in s.splitlines()),
            "the notes line is not shown twice")
    nxt = f[k + 1]
    c.check("  0x%08x  %s" % (nxt[0], "".join(nxt[1])) in s, "the next instruction is listed")
    col = screen(True)
    mine = set(range(at, at + len(raw)))
    got = styled_addrs(col, pane_bg(col))
    c.check(pane_bg(col) is not None and got == mine - {at},
            "its bytes (but the cursor's) in the current line's colour: %r" % sorted(got))
    got = styled_addrs(col, "4") - plain_ul
    c.check(got == mine - plain_ul - {at}, "and underlined (the cursor in its colour): %r"
            % sorted(got))

    c.test("j / k move by instruction, and the cursor with them")
    keys("j")
    s = wait_for(lambda s: cursor_at(s) == nxt[0], 5)
    c.check(cursor_at(s) == nxt[0] and ("> 0x%08x" % nxt[0]) in s,
            "j: the next instruction 0x%x: %r" % (nxt[0], status(s)))
    keys("k")
    s = wait_for(lambda s: cursor_at(s) == at, 5)
    c.check(cursor_at(s) == at, "k: back to 0x%x: %r" % (at, status(s)))

    c.test("Enter on MAKE_FUNCTION goes to the child's code; [ comes back")
    keys("Enter")
    s = wait_for(lambda s: cursor_at(s) == child_first, 5)
    c.check(child_first is not None and cursor_at(s) == child_first,
            "the child's first instruction 0x%x: %r" % (child_first or 0, status(s)))
    keys("[")
    s = wait_for(lambda s: cursor_at(s) == at, 5)
    c.check(cursor_at(s) == at and cur in s, "[ back to 0x%x, pane still open: %r" % (at, status(s)))

    c.test("Enter on a jump goes to its target, which is outlined too")
    ja, jraw, jtext = jump
    target = int(re.search(r"\(0x([0-9a-f]{8})\)", jtext).group(1), 16)
    traw = next(i[1] for i in insns if i[0] == target)
    keys("q", ":", "0x%x" % ja, "Enter")
    wait_for(lambda s: cursor_at(s) == ja, 5)
    plain_ul = styled_addrs(screen(True), "4")
    keys("D")
    s = wait_for(lambda s: ("> 0x%08x" % ja) in s, 5)
    want = set(range(ja, ja + len(jraw))) | set(range(target, target + len(traw)))
    got = styled_addrs(screen(True), "4") - plain_ul
    c.check(got == want - plain_ul - {ja},
            "the jump's bytes and its target's are underlined: %r vs %r" % (sorted(got), sorted(want)))
    keys("Enter")
    s = wait_for(lambda s: cursor_at(s) == target, 5)
    c.check(cursor_at(s) == target and ("> 0x%08x" % target) in s,
            "at the target 0x%x: %r" % (target, status(s)))
    keys("Enter")
    s = wait_for(lambda s: "no jump" in status(s), 5)
    c.check(("> 0x%08x" % target) in s and "is no jump" in status(s),
            "Enter on what goes nowhere says so: %r" % status(s))

    c.test("outside an instruction the pane says what it is")
    keys(":", "0x%x" % (funs[0][0] + 1), "Enter")
    s = wait_for(lambda s: "the prelude of" in s, 5)
    c.check("not an instruction: the prelude of <module>" in s, "the prelude: %r" % s[-600:])
    col = screen(True)
    c.check(pane_bg(col) is None, "no current line")
    keys("j")
    s = wait_for(lambda s: cursor_at(s) == funs[0][1][0][0], 5)
    c.check(cursor_at(s) == funs[0][1][0][0], "j goes to its first instruction: %r" % status(s))
    keys(":", "0x100", "Enter")
    s = wait_for(lambda s: "not bytecode:" in s, 5)
    c.check("not bytecode: 0x00000100 is in no frozen module" in s, "outside: %r" % s[-600:])

    c.test("q closes the pane; the notes line is back")
    keys(":", "0x%x" % at, "Enter", "q")
    s = wait_for(lambda s: cur not in s, 5)
    c.check(cur not in s and any(x.startswith("unittest/__init__.py +0x") for x in s.splitlines()),
            "closed, the info line shows the note: %r" % s[-400:])
    quit_clean(c, "the pane")


def dis_pane_heap_case(c, port, image, what, asm=False):
    """The pane on a function typed at the REPL of the board at port (its
    object found with :ADDR): the pane says so, Enter goes to its bytecode
    on the heap, listed as mpeek dis @f lists it; j moves; a heap block
    that is no function is said to be so.  image: the ELF, or None (then
    the board is asked which type bytecode functions have).  asm: an
    asm_thumb function too, said to be machine code."""
    from test_obj import define
    from testlib import settle, talk
    settle(port)
    define(port, ["def f(x):", "    if x:", "        return x + 1", "    return 2", ""])
    talk(port, b"lst = [1, 2, 3]\r", b">>> ", timeout=5)
    if asm:
        define(port, ["@micropython.asm_thumb", "def g(r0):", "    add(r0, r0, 1)", ""])
    got = talk(port, b"print('A=%d L=%d' % (id(f), id(lst)))\r", b">>> ", timeout=5)
    m = re.search(rb"A=(\d+) L=(\d+)", got)
    if not c.check(m is not None, "the board says id(f): %r" % got):
        return
    fobj, lobj = int(m.group(1)), int(m.group(2))
    gobj = None
    if asm:
        got = talk(port, b"print('G=%d' % id(g))\r", b">>> ", timeout=5)
        mg = re.search(rb"G=(\d+)", got)
        gobj = int(mg.group(1)) if mg else None
    img = ["--image", image] if image else []
    out = subprocess.run([mpeek_bin(), "--port", port] + img + ["dis", "@f"],
                         capture_output=True, text=True, timeout=120).stdout
    ins = [(int(a, 16), b.split(), t) for a, b, t in
           re.findall(r"^\s*\d*\s+0x([0-9a-f]{8})  ((?:[0-9a-f]{2} )+)\s+(\S.*)$", out, re.M)]
    if not c.check(len(ins) > 3, "mpeek dis @f lists it: %r" % out):
        return
    c.test("%s: on the function object the pane says so; Enter goes to its bytecode" % what)
    start("%s --port %s %s view" % (mpeek_bin(), port, " ".join(img)), width=120, height=34)
    wait_for(lambda s: cursor_at(s) is not None, 20)
    keys(":", "0x%x" % fobj, "Enter", "D")
    s = wait_for(lambda s: "the function object of f" in s, 40)
    c.check("the function object of f: its bytecode at" in s, "said: %r" % s[-800:])
    keys("Enter")
    a0, raw0, text0 = ins[0]
    s = wait_for(lambda s: ("> 0x%08x  %s" % (a0, "".join(raw0)[:8])) in s, 20)
    c.check(cursor_at(s) == a0 and text0[:30] in s,
            "the first instruction 0x%x %s: %r" % (a0, text0, s[-900:]))
    head = next((x for x in s.splitlines() if x.startswith(" bytecode ")), "")
    c.check("(heap) f" in head, "the header: the heap, f: %r" % head)
    for a, raw, text in ins[1:4]:
        c.check(("  0x%08x  %s" % (a, "".join(raw)[:8])) in s and text[:30] in s,
                "listed as dis lists it: 0x%x %s" % (a, text))
    keys("j")
    s = wait_for(lambda s: cursor_at(s) == ins[1][0], 10)
    c.check(cursor_at(s) == ins[1][0], "j: the next instruction: %r" % status(s))
    c.test("%s: a heap object that is no function: said, not guessed" % what)
    keys(":", "0x%x" % lobj, "Enter")
    s = wait_for(lambda s: "not bytecode: a" in s, 20)
    c.check("not a function" in s or "is of type list" in s,
            "the list is no function: %r" % s[-800:])
    if asm:
        c.test("%s: an asm_thumb function is machine code, not bytecode" % what)
        if c.check(gobj is not None, "the board says id(g)"):
            keys(":", "0x%x" % gobj, "Enter")
            s = wait_for(lambda s: "its machine code at" in s, 20)
            c.check("the function object of a viper or asm_thumb function: its machine code"
                    " at" in s,
                    "said: %r" % s[-800:])
    quit_clean(c, "the pane on the board (%s)" % what)


def dis_pane_heap_test(c):
    """D on functions typed at the REPL: on 1.29 with its ELF and without
    (the board says its bytecode function type), and on the micro:bit's
    1.9.2 (the v1.9 format; an asm_thumb function too)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    q = Qemu("pty")
    try:
        dis_pane_heap_case(c, q.port, None, "micro:bit 1.9.2", asm=True)
    finally:
        q.stop()
    tmux("kill-server")
    elf = need_modern_firmware(c)
    from test_qemu import ModernQemu
    q = ModernQemu()
    try:
        dis_pane_heap_case(c, q.port, elf, "1.29 with its ELF")
        tmux("kill-server")
        dis_pane_heap_case(c, q.port, None, "1.29 without an ELF")
    finally:
        q.stop()


TESTS = [
    ("explorer_test", explorer_test),
    ("diff_test", diff_test),
    ("open_vs_board", open_vs_board),
    ("narrow_status_test", narrow_status_test),
    ("reconnect_test", reconnect_test),
    ("esp_words_test", esp_words_test),
    ("images_test", images_test),
    ("microbit_image_test", microbit_image_test),
    ("search_follow_test", search_follow_test),
    ("overlay_test", overlay_test),
    ("python_test", python_test),
    ("dis_pane_test", dis_pane_test),
    ("dis_pane_heap_test", dis_pane_heap_test),
]


def main():
    return run_tests("tui", TESTS, FIXTURES, before=tmux_installed,
                     after_each=lambda: tmux("kill-server"))


if __name__ == "__main__":
    sys.exit(main())
