#!/usr/bin/env python3
"""ihex2bin.py HEX START SIZE OUT: the bytes an Intel HEX file puts in
[START, START+SIZE), 0xFF where it has none.  Checksums are verified."""
import sys


def load(path, start, size):
    out = bytearray(b"\xff" * size)
    base = 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if not line.startswith(":"):
                raise SystemExit("%s:%d: not an Intel HEX record" % (path, n))
            rec = bytes.fromhex(line[1:])
            if sum(rec) & 0xFF:
                raise SystemExit("%s:%d: bad checksum" % (path, n))
            count, addr, kind = rec[0], rec[1] << 8 | rec[2], rec[3]
            data = rec[4:4 + count]
            if kind == 0:
                a = base + addr
                for i, b in enumerate(data):
                    if start <= a + i < start + size:
                        out[a + i - start] = b
            elif kind == 1:
                break
            elif kind == 2:
                base = (data[0] << 8 | data[1]) << 4
            elif kind == 4:
                base = (data[0] << 8 | data[1]) << 16
    return out


if __name__ == "__main__":
    hexpath, start, size, outpath = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0), sys.argv[4]
    with open(outpath, "wb") as f:
        f.write(load(hexpath, start, size))
