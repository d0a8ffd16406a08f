#!/usr/bin/env python3
"""test_fakeboard.py: self-test of tests/fakeboard.py.

Spawns fake boards, talks to their pty like a host would, and checks the
[verified] traces of micropython-wire.md plus the fake's own features
(old-firmware mode, memory, faults, log), and the real-port presets'
memory-discovery calls (esp8266: esp/flashbdev, fatal-exception reboots;
esp32: esp32.Partition, idf_heap_info, split-heap mem_info, Guru Meditation
reboots; rp2: rp2.Flash with its buffer interface, XIP aliases, SSI hang;
old: the nRF51 FICR, QEMU's and a real chip's).  Every read has a deadline and
every spawned process is killed at the end, so the test cannot hang.
Prints one line per failed check and ends with "fakeboard: N passed, N
failed" (tests; -k picks tests by name, --list names them);
the exit status is non-zero on any failure.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks, run_tests  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAKEBOARD = os.path.join(HERE, 'fakeboard.py')

RAW_BANNER = b'raw REPL; CTRL-B to exit\r\n>'
NEW_BANNER = (b'MicroPython v1.29.0-preview on 2026-11-25; fake-rp2 with RP2040\r\n'
              b'Type "help()" for more information.\r\n')
OLD_BANNER = (b'MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; micro:bit v1.0.1 with nRF51822\r\n'
              b'Type "help()" for more information.\r\n')

checks = Checks('fakeboard')
procs = []
tmpdir = tempfile.mkdtemp(prefix='fakeboard-test-')


def check(name, cond, detail=''):
    if not checks.record(cond):
        print('  FAIL %s%s' % (name, (': ' + detail) if detail else ''))
    return cond


def _read(fd, n):
    """os.read that returns b'' on EOF/EIO (the board went away)."""
    try:
        return os.read(fd, n)
    except OSError:
        return b''


class Fake:
    """One spawned fake board and an open fd on its pty."""

    def __init__(self, *args):
        self.log_path = os.path.join(tmpdir, 'log%d' % len(procs))
        self.p = subprocess.Popen([sys.executable, FAKEBOARD, '--seconds', '60',
                                   '--log', self.log_path] + list(args),
                                  stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(self.p)
        self.fd = None
        r, _, _ = select.select([self.p.stderr], [], [], 5)
        line = self.p.stderr.readline().decode() if r else ''
        m = re.match(r'char device redirected to (/dev/pts/\d+) \(label serial0\)\n$', line)
        if not check('spawn %s' % ' '.join(args), m is not None, repr(line)):
            return
        self.fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)

    def send(self, data):
        os.write(self.fd, data)

    def read_until(self, suffix, timeout=2.0):
        """Read until the data ends with suffix (or timeout); return all."""
        out = b''
        end = time.monotonic() + timeout
        while not out.endswith(suffix):
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                d = _read(self.fd, 4096)
                if not d:
                    break
                out += d
        return out

    def read_n(self, n, timeout=2.0):
        out = b''
        end = time.monotonic() + timeout
        while len(out) < n:
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                d = _read(self.fd, n - len(out))
                if not d:
                    break
                out += d
        return out

    def read_for(self, secs):
        """Everything that arrives within secs."""
        out = b''
        end = time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return out
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                d = _read(self.fd, 4096)
                if not d:
                    return out
                out += d

    def xfer(self, data, suffix, timeout=2.0):
        self.send(data)
        return self.read_until(suffix, timeout)

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read().splitlines()
        except OSError:
            return []

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(2)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def expect(name, got, want):
    return check(name, got == want, 'got %r, want %r' % (got, want))


def raw_paste(b, script, window=128):
    """A compliant raw-paste host (pyboard.py's raw_paste_write). Returns
    (number of credits seen while sending, everything after the receipt)."""
    got = b.read_n(5)
    if got != b'R\x01' + bytes([window & 0xFF, window >> 8]) + b'\x01':
        return None, got
    credits = 0
    remaining = window
    i = 0
    deadline = time.monotonic() + 5
    while i < len(script) and time.monotonic() < deadline:
        while remaining == 0 or select.select([b.fd], [], [], 0)[0]:
            c = b.read_n(1, 2)
            if c == b'\x01':
                credits += 1
                remaining += window
            elif c == b'\x04':
                b.send(b'\x04')
                return credits, b.read_until(b'\x04>')
            else:
                return None, c
        n = min(remaining, len(script) - i)
        b.send(script[i:i + n])
        i += n
        remaining -= n
    b.send(b'\x04')
    rest = b.read_until(b'>', 5)
    credits += rest.split(b'\x04', 1)[0].count(b'\x01')
    return credits, rest.split(b'\x04', 1)[1] if b'\x04' in rest else rest


def test_new():
    dump = os.path.join(tmpdir, 'dump.bin')
    b = Fake('--dump-mem', '0x1000:512:' + dump)
    if b.fd is None:
        return
    try:
        expect('boot banner', b.read_until(b'>>> '), NEW_BANNER + b'>>> ')
        expect('friendly expression', b.xfer(b'1+1\r', b'>>> '), b'1+1\r\n2\r\n>>> ')
        expect('friendly ctrl-c', b.xfer(b'\x03', b'>>> '), b'\r\n>>> ')
        expect('raw enter', b.xfer(b'\r\x01', RAW_BANNER), b'\r\n>>> \r\n' + RAW_BANNER)
        expect('print(123) framing', b.xfer(b'print(123)\x04', b'\x04>'),
               b'OK123\r\n\x04\x04>')
        expect('1/0 framing', b.xfer(b'1/0\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nZeroDivisionError: divide by zero\r\n\x04>')
        expect('compile error framing', b.xfer(b'x=(\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 2\r\n'
               b'SyntaxError: invalid syntax\r\n\x04>')
        expect('NameError wording', b.xfer(b'x\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nNameError: name \'x\' isn\'t defined\r\n\x04>')
        expect('stdout.buffer is raw', b.xfer(
            b'import sys\nsys.stdout.buffer.write(b"e\\nf\\x00\\xff\\x04g")\x04', b'\x04>'),
            b'OKe\nf\x00\xff\x04g\x04\x04>')

        # raw-paste
        b.send(b'\x05A\x01')
        expect('raw-paste handshake', b.read_n(5), b'R\x01\x80\x00\x01')
        expect('raw-paste print(123)', b.xfer(b'print(123)\x04', b'\x04>'),
               b'\x04123\r\n\x04\x04>')
        b.send(b'\x05A\x01')
        hs = b.read_n(5)
        expect('empty paste', hs + b.xfer(b'\x04', b'\x04>'),
               b'R\x01\x80\x00\x01\x04\x04\x04>')
        check('empty paste: no soft reset', 'soft-reset' not in b.log(), repr(b.log()))

        script = b'a = 0\n'
        while len(script) < 270:
            script += b'a += 1\n'
        script += b'#' * (300 - len(script) - 10) + b'\nprint(a)\n'
        assert len(script) == 300
        b.send(b'\x05A\x01')
        b.read_n(5)
        b.send(script[:256])
        expect('300-byte script: credits for the first 256 bytes', b.read_n(2, 1.0), b'\x01\x01')
        out = b.xfer(script[256:] + b'\x04', b'\x04>')
        check('300-byte script runs', re.match(rb'^\x04\d+\r\n\x04\x04>$', out) is not None,
              repr(out))

        big = b''.join(b'x%d = %d\n' % (i, i) for i in range(600))
        big = big[:5500 - 20]
        big = big[:big.rindex(b'\n') + 1]
        big += b'print(319600)\n'
        big += b'#' * (5503 - len(big))
        b.send(b'\x05A\x01')
        credits, out = raw_paste(b, big)
        expect('5503-byte script: credits', credits, 5503 // 128)
        expect('5503-byte script: output', out, b'319600\r\n\x04\x04>')

        b.send(b'\x05A\x01')
        b.read_n(5)
        expect('raw-paste compile error: early abort', b.xfer(b'x=(\ny=1\nz=2\n', b'\x04', 1.0),
               b'\x04')
        expect('raw-paste compile error: traceback', b.xfer(b'\x04', b'\x04>'),
               b'\x04Traceback (most recent call last):\r\n  File "<stdin>", line 2\r\n'
               b'SyntaxError: invalid syntax\r\n\x04>')
        b.send(b'\x05A\x01')
        b.read_n(5)
        expect('raw-paste host ctrl-c', b.xfer(b'print(1)\n\x03', b'\x04>'),
               b'\x04\x04KeyboardInterrupt: \r\n\x04>')

        b.send(b'\x05A\x01')
        b.read_n(5)
        b.send(b'#' * 400 + b'\nprint(1)\n\x04')
        b.read_until(b'\x04>', 2)
        check('window overflow is logged', 'window-overflow' in b.log(), repr(b.log()[-5:]))

        # memory
        with open(dump, 'rb') as f:
            want = f.read()
        out = b.xfer(b'import uctypes,binascii\nprint(binascii.hexlify('
                     b'uctypes.bytes_at(0x1000,512)))\x04', b'\x04>')
        expect('bytes_at equals --dump-mem', out,
               b'OK' + repr(want.hex().encode()).encode() + b'\r\n\x04\x04>')
        words = [int.from_bytes(want[i:i + 4], 'little') for i in range(0, 512, 4)]
        idx = next((i for i, w in enumerate(words) if w & 0x80000000), 0)
        signed = words[idx] - (1 << 32) if words[idx] & 0x80000000 else words[idx]
        out = b.xfer(b'import machine\nprint(machine.mem32[%d])\x04' % (0x1000 + 4 * idx),
                     b'\x04>')
        expect('mem32 is signed (flash word)', out, b'OK%d\r\n\x04\x04>' % signed)
        out = b.xfer(b'machine.mem32[0x20000000]=0xdeadbeef\nprint(machine.mem32[0x20000000],'
                     b' machine.mem16[0x20000002])\x04', b'\x04>')
        expect('mem32 write/read 0xdeadbeef', out, b'OK-559038737 57005\r\n\x04\x04>')
        expect('misaligned mem32', b.xfer(b'machine.mem32[0x1001]\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nValueError: address 00001001 is not aligned to 4 bytes\r\n\x04>')
        out = b.xfer(b'import micropython\nmicropython.mem_info(1)\x04', b'\x04>')
        check('mem_info (v1.20+ format)', re.match(
            rb'^OKstack: \d+ out of \d+\r\nGC: total: \d+, used: \d+, free: \d+\r\n'
            rb' No\. of 1-blocks: \d+, 2-blocks: \d+, max blk sz: \d+, max free sz: \d+\r\n'
            rb'GC memory layout; from [0-9a-f]+:\r\n00000000: [hBTSDLAF=.]{64}\r\n', out)
            is not None, repr(out[:200]))

        for mod in (b'esp', b'esp32', b'flashbdev', b'rp2'):
            expect('new: no %s module' % mod.decode(), traceback_line(
                run(b, b'import ' + mod)), b"ImportError: no module named '" + mod + b"'")

        # Ctrl-C while code runs
        expect('while 1: pass starts', b.xfer(b'while 1: pass\x04', b'OK'), b'OK')
        time.sleep(0.2)
        expect('ctrl-c interrupts', b.xfer(b'\x03', b'\x04>'),
               b'\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nKeyboardInterrupt: \r\n\x04>')
        expect('usable after interrupt', b.xfer(b'print(5)\x04', b'\x04>'), b'OK5\r\n\x04\x04>')

        # soft reset on bare ^D (raw)
        expect('raw soft reset', b.xfer(b'\x04', RAW_BANNER),
               b'OK\r\nMPY: soft reboot\r\n' + RAW_BANNER)
        check('soft reset is logged', 'soft-reset' in b.log())
        expect('globals cleared by soft reset', b.xfer(b'print(a)\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nNameError: name \'a\' isn\'t defined\r\n\x04>')
        expect('ctrl-b to friendly', b.xfer(b'\r\x02', b'>>> '), b'\r\n' + NEW_BANNER + b'>>> ')
        modes = [ln for ln in b.log() if ln.startswith('mode ')]
        check('last mode is friendly', modes[-1:] == ['mode friendly'], repr(modes))

        # Unmapped read: the board hangs for good.
        b.xfer(b'\r\x01', RAW_BANNER)
        expect('unmapped read: OK only', b.xfer(b'import machine\nmachine.mem32[0x50000000]\x04',
                                                b'OK'), b'OK')
        # Wait for the load itself: a Ctrl-C that arrives while
        # 'import machine' still runs interrupts it, as on a real board.
        deadline = time.monotonic() + 5.0
        while 'fault 0x50000000' not in b.log() and time.monotonic() < deadline:
            time.sleep(0.02)
        check('fault is logged', 'fault 0x50000000' in b.log(), repr(b.log()[-3:]))
        b.send(b'\x03\r\x01')
        expect('unmapped read hangs (no output in 1 s)', b.read_for(1.0), b'')
    finally:
        b.close()


def test_old():
    b = Fake('--preset', 'old')
    if b.fd is None:
        return
    try:
        expect('old: boot banner', b.read_until(b'>>> '), OLD_BANNER + b'>>> ')
        expect('old: raw enter', b.xfer(b'\r\x01', RAW_BANNER), b'\r\n>>> \r\n' + RAW_BANNER)
        expect('old: \\x05A\\x01 gives the raw banner', b.xfer(b'\x05A\x01', RAW_BANNER),
               RAW_BANNER)
        expect('old: 1/0 wording', b.xfer(b'1/0\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nZeroDivisionError: division by zero\r\n\x04>')
        expect('old: no sys.stdout', b.xfer(b'import sys\nsys.stdout\x04', b'\x04>'),
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 2, '
               b'in <module>\r\nAttributeError: \'module\' object has no attribute \'stdout\''
               b'\r\n\x04>')
        expect('old: uart.write is raw', b.xfer(
            b'import microbit\nmicrobit.uart.write(b"a\\nb\\x00\\xff")\x04', b'\x04>'),
            b'OKa\nb\x00\xff\x04\x04>')
        out = b.xfer(b'import micropython\nmicropython.mem_info(1)\x04', b'\x04>')
        check('old: mem_info format', re.match(
            rb'^OKstack: 528 out of 1800\r\nGC: total: 10048, used: \d+, free: \d+\r\n'
            rb' No\. of 1-blocks: \d+, 2-blocks: \d+, max blk sz: \d+, max free sz: \d+\r\n'
            rb'GC memory layout; from 200004a0:\r\n00000: [hBTSDLAF=.]{64}\r\n(.|\r\n)*'
            rb'       \(\d+ lines all free\)\r\n', out) is not None, repr(out[:300]))
        b.xfer(b'while 1: pass\x04', b'OK')
        time.sleep(0.2)
        b.send(b'a' * 100)
        time.sleep(0.2)
        b.xfer(b'\x03', b'\x04>')
        out = b.xfer(b'\x04', b'\x04>')
        expect('old: 64-byte ring keeps 63 bytes', out,
               b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, '
               b'in <module>\r\nNameError: name \'' + b'a' * 63 + b'\' is not defined\r\n\x04>')
        check('old: dropped input is logged', 'input-dropped 37' in b.log(), repr(b.log()))
        expect('old: soft reboot line', b.xfer(b'\x04', RAW_BANNER),
               b'OK\r\nsoft reboot\r\n' + RAW_BANNER)
    finally:
        b.close()


def test_misc():
    # Fault injection: garble byte 1, reset at byte 20 of code output
    # (offsets count from 0 over all code output since start).
    b = Fake('--fault', 'garble:1', '--fault', 'reset:20')
    if b.fd is not None:
        try:
            b.read_until(b'>>> ')
            b.xfer(b'\r\x01', RAW_BANNER)
            expect('fault garble', b.xfer(b'print("abc")\x04', b'\x04>'),
                   b'OKa' + bytes([ord('b') ^ 0x5A]) + b'c\r\n\x04\x04>')
            out = b.xfer(b'print("0123456789abcdefghij")\x04', RAW_BANNER)
            expect('fault reset', out, b'OK0123456789abcde' + b'MPY: soft reboot\r\n' + RAW_BANNER)
            check('reset is logged', 'reset-injected' in b.log(), repr(b.log()))
        finally:
            b.close()

    b = Fake('--preset', 'nrf')
    if b.fd is not None:
        try:
            b.read_until(b'>>> ')
            b.xfer(b'\r\x01', RAW_BANNER)
            b.send(b'\x05A\x01')
            expect('nrf: window 32', b.read_n(5), b'R\x01\x20\x00\x01')
            out = b.xfer(b'import uctypes\x04', b'\x04>')
            check('nrf: no uctypes', b"ImportError: no module named 'uctypes'" in out, repr(out))
            for mod in (b'esp', b'esp32', b'flashbdev', b'rp2'):
                expect('nrf: no %s module' % mod.decode(), traceback_line(
                    run(b, b'import ' + mod)), b"ImportError: no module named '" + mod + b"'")
        finally:
            b.close()

    b = Fake('--line7bit', '--preset', 'new')
    if b.fd is not None:
        try:
            b.read_until(b'>>> ')
            b.xfer(b'\r\x01', RAW_BANNER)
            expect('line7bit strips bit 7', b.xfer(
                b'import sys\nsys.stdout.buffer.write(b"\\xc1\\x41")\x04', b'\x04>'),
                b'OKAA\x04\x04>')
        finally:
            b.close()

    b = Fake('--preset', 'notpython')
    if b.fd is not None:
        try:
            out = b.xfer(b'\r\x01', b'ERROR\r\n', 1.0) + b.read_for(0.3)
            check('notpython: answers ERROR, no prompt',
                  b'ERROR\r\n' in out and b'>>>' not in out and b'raw REPL' not in out, repr(out))
        finally:
            b.close()


ESP8266_BANNER = (b'MicroPython v1.24.0 on 2024-10-25; ESP module with ESP8266\r\n'
                  b'Type "help()" for more information.\r\n')
ESP32_BANNER = (b'MicroPython v1.26.0 on 2025-08-09; Generic ESP32 module with ESP32\r\n'
                b'Type "help()" for more information.\r\n')
RP2_BANNER = (b'MicroPython v1.25.0 on 2025-04-15; Raspberry Pi Pico with RP2040\r\n'
              b'Type "help()" for more information.\r\n')
LFS_BLOCK0 = b'\x03\x00\x00\x00\xf0\x0f\xff\xf7littlefs'


def run(b, code, timeout=2.0):
    """One raw-REPL command; returns its stdout (b'' and the whole reply in
    the detail of a failed check if the framing is wrong)."""
    out = b.xfer(code + b'\x04', b'\x04>', timeout)
    m = re.match(rb'^OK(.*)\x04(.*)\x04>$', out, re.S)
    if m is None or m.group(2):
        return out
    return m.group(1)


def traceback_line(out):
    """The last line of an error reply ('Name: message')."""
    m = re.search(rb'\r\n([A-Za-z]+Error: [^\r]*)\r\n\x04>$', out)
    return m.group(1) if m else out


def fatal_reboot(b, name, code, report, banner, addr):
    """code crashes an ESP board: report, reboot banner, friendly prompt,
    globals cleared, fault-reboot logged."""
    run(b, b'marker = 1')
    out = b.xfer(code + b'\x04', b'>>> ', 3)
    check('%s: crash report then boot banner' % name,
          re.match(b'^OK' + report + rb'.*' + re.escape(banner + b'>>> ') + b'$', out, re.S)
          is not None, repr(out))
    check('%s: fault-reboot logged' % name, 'fault-reboot 0x%08x' % addr in b.log(),
          repr(b.log()[-4:]))
    expect('%s: globals cleared, friendly REPL' % name, b.xfer(b'marker\r', b'>>> '),
           b'marker\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in '
           b'<module>\r\nNameError: name \'marker\' isn\'t defined\r\n>>> ')
    b.xfer(b'\r\x01', RAW_BANNER)


def test_esp8266():
    dump = os.path.join(tmpdir, 'iram.bin')
    b = Fake('--preset', 'esp8266', '--dump-mem', '0x40100000:64:' + dump)
    if b.fd is None:
        return
    try:
        expect('esp8266: banner', b.read_until(b'>>> '), ESP8266_BANNER + b'>>> ')
        b.xfer(b'\r\x01', RAW_BANNER)
        expect('esp8266: identity', run(b, b'import sys,os\nprint(sys.platform, sys.implementation)'
                                           b'\nprint(os.uname())'),
               b"esp8266 (name='micropython', version=(1, 24, 0, ''), _machine='ESP module with "
               b"ESP8266', _mpy=9990)\r\n(sysname='esp8266', nodename='esp8266', release="
               b"'2.2.0-dev(9422289)', version='v1.24.0 on 2024-10-25', machine='ESP module with "
               b"ESP8266')\r\n")
        expect('esp8266: esp flash calls', run(
            b, b'import esp\nprint(esp.flash_size(), esp.flash_user_start(), hex(esp.flash_id()),'
               b' esp.flash_read(0, 4))\nb=bytearray(16)\nesp.flash_read(0x100000, b)\nprint(b)'),
            b"4194304 1048576 0x1640ef b'\\xe9\\x03\\x02@'\r\nbytearray(" +
            repr(LFS_BLOCK0).encode() + b')\r\n')
        expect('esp8266: flash_read past the chip', traceback_line(run(
            b, b'esp.flash_read(0x3ffffc, 8)')), b'OSError: [Errno 5] EIO')
        out = run(b, b'import flashbdev\nd=flashbdev.bdev\nprint(d)\nprint(d.SEC_SIZE, d.start_sec,'
                     b' d.blocks, d.ioctl(4, 0), d.ioctl(5, 0))\nb=bytearray(16)\n'
                     b'd.readblocks(0, b)\nprint(b == esp.flash_read(256 * 4096, 16))')
        check('esp8266: flashbdev.bdev', re.match(
            rb'^<FlashBdev object at 3ff[0-9a-f]{5}>\r\n4096 256 763 763 4096\r\nTrue\r\n$', out)
            is not None, repr(out))
        out = run(b, b"help('modules')")
        check('esp8266: help(modules) lists esp, flashbdev, inisetup',
              all(re.search(rb'\b%s\b' % n, out) for n in (b'esp', b'flashbdev', b'inisetup'))
              and b'esp32' not in out, repr(out[:200]))
        out = run(b, b'import micropython\nmicropython.mem_info(1)')
        check('esp8266: mem_info: one heap in DRAM', re.match(
            rb'^stack: 2112 out of 8192\r\nGC: total: 38272, used: \d+, free: \d+\r\n'
            rb' No\. of 1-blocks: \d+, 2-blocks: \d+, max blk sz: \d+, max free sz: \d+\r\n'
            rb'GC memory layout; from 3ffef0c0:\r\n00000000: ', out) is not None
            and out.count(b'GC memory layout') == 1, repr(out[:300]))
        with open(dump, 'rb') as f:
            iram = f.read()
        w0 = int.from_bytes(iram[0:4], 'little')
        expect('esp8266: mem32/mem8/mem16 on IRAM (-mforce-l32)', run(
            b, b'import machine\nprint(machine.mem32[0x40100000] & 0xffffffff, '
               b'machine.mem8[0x40100001], machine.mem16[0x40100002])'),
            b'%d %d %d\r\n' % (w0, iram[1], int.from_bytes(iram[2:4], 'little')))
        expect('esp8266: mapped flash = flash offsets', run(
            b, b"f=lambda o: int.from_bytes(esp.flash_read(o, 4), 'little')\n"
               b"print(machine.mem32[0x40200000] & 0xffffffff == f(0), "
               b"machine.mem32[0x402ffffc] & 0xffffffff == f(0xffffc))"), b'True True\r\n')
        expect('esp8266: uctypes on DRAM and SDK data', run(
            b, b'import uctypes\nprint(len(uctypes.bytes_at(0x3ffe8000, 64)), '
               b'len(uctypes.bytes_at(0x3fffffc0, 64)))'), b'64 64\r\n')
        for mod in (b'esp32', b'rp2'):
            expect('esp8266: no %s module' % mod.decode(), traceback_line(
                run(b, b'import ' + mod)), b"ImportError: no module named '" + mod + b"'")
        fatal_reboot(b, 'esp8266: bytes_at on IRAM', b'import uctypes\nuctypes.bytes_at(0x40100000, 4)',
                     rb'\r\nFatal exception 3\(LoadStoreErrorCause\):\r\nepc1=0x[0-9a-f]{8}, '
                     rb'epc2=0x00000000, epc3=0x00000000, excvaddr=0x40100000, depc=0x00000000\r\n',
                     ESP8266_BANNER, 0x40100000)
        fatal_reboot(b, 'esp8266: bytearray_at on mapped flash',
                     b'import uctypes\nuctypes.bytearray_at(0x40200010, 4)',
                     rb'\r\nFatal exception 3\(LoadStoreErrorCause\):\r\n.*excvaddr=0x40200010',
                     ESP8266_BANNER, 0x40200010)
        fatal_reboot(b, 'esp8266: mem32[0]', b'import machine\nmachine.mem32[0]',
                     rb'\r\nFatal exception 28\(LoadProhibitedCause\):\r\n.*excvaddr=0x00000000, ',
                     ESP8266_BANNER, 0)
        fatal_reboot(b, 'esp8266: past the flash window', b'import machine\nmachine.mem32[0x40300000]',
                     rb'\r\nFatal exception 28\(LoadProhibitedCause\)', ESP8266_BANNER, 0x40300000)
        expect('esp8266: usable after reboots', run(b, b'print(7)'), b'7\r\n')
    finally:
        b.close()


ESP32_APP = b'<Partition type=0, subtype=0, address=65536, size=2031616, label=factory, encrypted=0>'
ESP32_DATA = (b'[<Partition type=1, subtype=2, address=36864, size=24576, label=nvs, encrypted=0>, '
              b'<Partition type=1, subtype=1, address=61440, size=4096, label=phy_init, '
              b'encrypted=0>, <Partition type=1, subtype=129, address=2097152, size=2097152, '
              b'label=vfs, encrypted=0>]')


def test_esp32():
    b = Fake('--preset', 'esp32')
    if b.fd is None:
        return
    try:
        expect('esp32: banner', b.read_until(b'>>> '), ESP32_BANNER + b'>>> ')
        b.xfer(b'\r\x01', RAW_BANNER)
        expect('esp32: identity', run(b, b'import sys\nprint(sys.platform, sys.implementation)'),
               b"esp32 (name='micropython', version=(1, 26, 0, ''), _machine='Generic ESP32 "
               b"module with ESP32', _mpy=11014)\r\n")
        expect('esp32: esp flash calls', run(
            b, b'import esp\nb=bytearray(32)\nesp.flash_read(0x8000, b)\n'
               b'print(esp.flash_size(), hex(esp.flash_user_start()), bytes(b))'),
            b"4194304 0x200000 b'\\xaaP\\x01\\x02\\x00\\x90\\x00\\x00\\x00`\\x00\\x00nvs"
            + b'\\x00' * 13 + b"\\x00\\x00\\x00\\x00'\r\n")
        expect('esp32: flash_read wants a buffer', traceback_line(run(b, b'esp.flash_read(0, 8)')),
               b'TypeError: object with buffer protocol required')
        expect('esp32: Partition.find reprs', run(
            b, b'from esp32 import Partition as P\nprint(P.find())\nprint(P.find(P.TYPE_DATA))'),
            b'[' + ESP32_APP + b']\r\n' + ESP32_DATA + b'\r\n')
        expect('esp32: Partition info/ioctl', run(
            b, b"v=P('vfs')\nprint([p.info() for p in P.find(P.TYPE_APP) + P.find(P.TYPE_DATA)])\n"
               b"print(v.ioctl(4, 0), v.ioctl(5, 0), P.find(P.TYPE_DATA, label='vfs', "
               b"block_size=512)[0].ioctl(4, 0), P(P.RUNNING).info()[4], P(P.BOOT).info()[4], "
               b"P.TYPE_APP, P.TYPE_DATA, P.BOOT, P.RUNNING)\nb=bytearray(16)\n"
               b"v.readblocks(0, b)\nprint(b)"),
            b"[(0, 0, 65536, 2031616, 'factory', False), (1, 2, 36864, 24576, 'nvs', False), "
            b"(1, 1, 61440, 4096, 'phy_init', False), (1, 129, 2097152, 2097152, 'vfs', False)]"
            b"\r\n512 4096 4096 factory factory 0 1 0 1\r\nbytearray(" + repr(LFS_BLOCK0).encode() +
            b')\r\n')
        expect('esp32: unknown partition', traceback_line(run(b, b"P('nope')")),
               b'OSError: [Errno 2] ENOENT')
        expect('esp32: readblocks past the partition', traceback_line(
            run(b, b"P('nvs').readblocks(6, bytearray(4))")),
            b"OSError: (-260, 'ESP_ERR_INVALID_SIZE')")
        expect('esp32: idf_heap_info', run(
            b, b'import esp32\nprint(esp32.idf_heap_info(esp32.HEAP_DATA))'),
            b'[(240, 0, 0, 0), (7288, 0, 0, 0), (16648, 4, 4, 4), (94608, 352, 352, 340), '
            b'(15072, 15036, 15036, 15036), (113840, 110604, 110592, 110592)]\r\n')
        expect('esp32: flashbdev.bdev is the vfs partition', run(
            b, b'import flashbdev\nprint(flashbdev.bdev.info()[4])'), b'vfs\r\n')
        out = run(b, b'import micropython\nmicropython.mem_info(1)')
        check('esp32: mem_info: split heap, max new split', re.match(
            rb'^stack: 704 out of 15360\r\nGC: total: 92736, used: \d+, free: \d+, '
            rb'max new split: 110592\r\n No\. of 1-blocks: \d+, 2-blocks: \d+, max blk sz: \d+, '
            rb'max free sz: \d+\r\nGC memory layout; from 3ffc9200:\r\n(.|\r\n)*'
            rb'GC memory layout; from 3ffd70d0:\r\n', out) is not None
            and out.count(b'GC memory layout; from') == 2, repr(out[:300]))
        expect('esp32: DROM/IROM map the running app', run(
            b, b"import machine,uctypes\nb=bytearray(4)\nesp.flash_read(0x10000, b)\n"
               b"print(machine.mem32[0x400d0000] & 0xffffffff == int.from_bytes(b, 'little'), "
               b"uctypes.bytes_at(0x3f400020, 4), uctypes.bytes_at(0x3f400030, 7))"),
            b"True b'2T\\xcd\\xab' b'v1.26.0'\r\n")
        expect('esp32: mem32 on IRAM, ROM0, RTC slow', run(
            b, b'print(all(isinstance(machine.mem32[a], int) for a in '
               b'(0x40080000, 0x4005fffc, 0x40000000, 0x3ff90000, 0x50001ffc)))'), b'True\r\n')
        expect('esp32: no rp2 module', traceback_line(run(b, b'import rp2')),
               b"ImportError: no module named 'rp2'")
        guru = rb"\r\nGuru Meditation Error: Core  0 panic'ed \(%s\)\. Exception was unhandled\.\r\n"
        fatal_reboot(b, 'esp32: mem8 on IRAM', b'import machine\nmachine.mem8[0x40080001]',
                     guru % b'LoadStoreError' + rb'.*EXCVADDR: 0x40080001.*Rebooting\.\.\.\r\n',
                     ESP32_BANNER, 0x40080001)
        fatal_reboot(b, 'esp32: peripheral read', b'import machine\nmachine.mem32[0x3ff40000]',
                     guru % b'LoadProhibited', ESP32_BANNER, 0x3ff40000)
        fatal_reboot(b, 'esp32: DROM page not mapped',
                     b'import uctypes\nuctypes.bytes_at(0x3f500000, 4)',
                     guru % b'LoadProhibited', ESP32_BANNER, 0x3f500000)
    finally:
        b.close()


def test_rp2():
    b = Fake('--preset', 'rp2')
    if b.fd is None:
        return
    try:
        expect('rp2: banner', b.read_until(b'>>> '), RP2_BANNER + b'>>> ')
        b.xfer(b'\r\x01', RAW_BANNER)
        expect('rp2: identity', run(b, b'import sys\nprint(sys.platform, sys.implementation)'),
               b"rp2 (name='micropython', version=(1, 25, 0, ''), _machine='Raspberry Pi Pico "
               b"with RP2040', _mpy=4870)\r\n")
        expect('rp2: rp2.Flash', run(
            b, b'import rp2,uctypes\nf=rp2.Flash()\nprint(f, f.ioctl(4, 0), f.ioctl(5, 0), '
               b'hex(uctypes.addressof(f)), len(memoryview(f)))\nb=bytearray(16)\n'
               b'f.readblocks(0, b)\nprint(b)\ng=rp2.Flash(start=4096, len=8192)\n'
               b'print(g.ioctl(4, 0), hex(uctypes.addressof(g)), '
               b'hex(uctypes.addressof(memoryview(f))), bytes(memoryview(f)[8:16]))'),
            b"<Flash> 352 4096 0x100a0000 1441792\r\nbytearray(" + repr(LFS_BLOCK0).encode() +
            b")\r\n2 0x100a1000 0x100a0000 b'littlefs'\r\n")
        expect('rp2: Flash(start=) must be block aligned', traceback_line(
            run(b, b'rp2.Flash(start=5)')), b'ValueError: ')
        expect('rp2: XIP aliases and storage', run(
            b, b'import machine\nM=machine.mem32\nprint(M[0x10000100] == M[0x11000100] == '
               b'M[0x12000100] == M[0x13000100], uctypes.bytes_at(0x100a0008, 8), '
               b'uctypes.bytes_at(0x10, 4), hex(M[0]), isinstance(M[0x20041ffc], int))'),
            b"True b'littlefs' b'Mu\\x01\\x03' 0x20041f00 True\r\n")
        out = run(b, b'import micropython\nmicropython.mem_info(1)')
        check('rp2: mem_info: pool in SRAM', re.match(
            rb'^stack: 548 out of 7936\r\nGC: total: 256064, used: \d+, free: \d+\r\n'
            rb'.*\r\nGC memory layout; from 200017c0:\r\n', out, re.S) is not None,
            repr(out[:300]))
        expect('rp2: no esp module', traceback_line(run(b, b'import esp')),
               b"ImportError: no module named 'esp'")
        expect('rp2: SSI read: OK only', b.xfer(b'machine.mem32[0x18000000]\x04', b'OK'), b'OK')
        expect('rp2: SSI read hangs', b.read_for(0.5), b'')
        check('rp2: fault logged', 'fault 0x18000000' in b.log(), repr(b.log()[-3:]))
    finally:
        b.close()


def test_ficr():
    # QEMU: CODEPAGESIZE, CODESIZE, NUMRAMBLOCK, SIZERAMBLOCKS, then its shifted
    # 2 at 0x20, 0x2000 at 0x24, device id at 0x64.  Real QFAA: 4 x 4 KiB
    # RAM blocks (SIZERAMBLOCK[1], [3]), CLENR0 0xFFFFFFFF (no SoftDevice).
    for kind, offs, want in (('qemu', (0x10, 0x14, 0x34, 0x38, 0x20, 0x24, 0x64),
                              b'1024 256 -1 -1 2 8192 305419896\r\n'),
                             ('real', (0x10, 0x14, 0x34, 0x38, 0x3c, 0x44, 0x28),
                              b'1024 256 4 4096 4096 4096 -1\r\n')):
        b = Fake('--preset', 'old', '--ficr', kind)
        if b.fd is None:
            return
        try:
            b.read_until(b'>>> ')
            b.xfer(b'\r\x01', RAW_BANNER)
            expect('old: FICR (%s)' % kind, run(
                b, b'import machine\nM=machine.mem32\nprint(' +
                   b', '.join(b'M[0x%08x]' % (0x10000000 + o) for o in offs) + b')'), want)
            if kind == 'qemu':
                expect('old: RAM ends at 0x20004000', run(
                    b, b'print(isinstance(M[0x20003ffc], int))'), b'True\r\n')
                b.xfer(b'M[0x20004000]\x04', b'OK')
                expect('old: past RAM hangs', b.read_for(0.5), b'')
                check('old: RAM fault logged', 'fault 0x20004000' in b.log(), repr(b.log()[-3:]))
            else:
                b.xfer(b'M[0x10000100]\x04', b'OK')
                expect('old: past the FICR hangs', b.read_for(0.5), b'')
                check('old: FICR fault logged', 'fault 0x10000100' in b.log(), repr(b.log()[-3:]))
        finally:
            b.close()


TESTS = [
    ('test_new', test_new),
    ('test_old', test_old),
    ('test_misc', test_misc),
    ('test_esp8266', test_esp8266),
    ('test_esp32', test_esp32),
    ('test_rp2', test_rp2),
    ('test_ficr', test_ficr),
]


def main():
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError('watchdog')))
    signal.alarm(60)
    try:
        return run_tests('fakeboard', TESTS, checks=checks)
    finally:
        signal.alarm(0)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
