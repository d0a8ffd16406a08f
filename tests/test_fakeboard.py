#!/usr/bin/env python3
"""test_fakeboard.py: self-test of tests/fakeboard.py.

Spawns fake boards, talks to their pty like a host would, and checks the
[verified] traces of micropython-wire.md plus the fake's own features
(old-firmware mode, memory, faults, log).  Every read has a deadline and
every spawned process is killed at the end, so the test cannot hang.
Prints one line per failure and ends with "fakeboard: N passed, N failed";
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

HERE = os.path.dirname(os.path.abspath(__file__))
FAKEBOARD = os.path.join(HERE, 'fakeboard.py')

RAW_BANNER = b'raw REPL; CTRL-B to exit\r\n>'
NEW_BANNER = (b'MicroPython v1.29.0-preview on 2026-11-25; fake-rp2 with RP2040\r\n'
              b'Type "help()" for more information.\r\n')
OLD_BANNER = (b'MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; micro:bit v1.0.1 with nRF51822\r\n'
              b'Type "help()" for more information.\r\n')

passed = 0
failed = 0
procs = []
tmpdir = tempfile.mkdtemp(prefix='fakeboard-test-')


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
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
        b.send(b'\x03\r\x01')
        expect('unmapped read hangs (no output in 1 s)', b.read_for(1.0), b'')
        check('fault is logged', 'fault 0x50000000' in b.log(), repr(b.log()[-3:]))
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


def main():
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError('watchdog')))
    signal.alarm(60)
    try:
        for t in (test_new, test_old, test_misc):
            try:
                t()
            except Exception as e:   # a crash in one group must not stop the others
                check(t.__name__, False, 'exception %r' % (e,))
    finally:
        signal.alarm(0)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmpdir, ignore_errors=True)
    print('fakeboard: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
