#!/usr/bin/env python3
"""mpytool_decode.py: an independent decoder of MicroPython v6 bytecode.

It follows MicroPython's own tools/mpy-tool.py (the bytecode part of it:
the Opcode table, mp_opcode_decode, read_prelude_sig, read_prelude_size,
extract_prelude and RawCodeBytecode.disassemble, the listing `-d` prints)
as of micropython/micropython commit 030d0dc587e18f6eb1df927bf245c7fdc7ab7f36
(mpy version 6, MicroPython 1.19 and later; the opcode values are those of
py/bc0.h that the tool repeats).  It is written from that tool alone, not
from mpeek's decoder, so that the tests can check `mpeek dis` against it.

It also reads the symbols of an ELF32 little-endian image with the standard
library only (.symtab and its string table; a symbol's address is turned
into a file offset through the section it belongs to), and decodes every
frozen function, i.e. every `fun_data_*` array mpy-tool's freezer wrote.

Used as a program: mpytool_decode.py ELF prints mpy-tool's listing (the
opcode lines of -d) of every fun_data_* symbol.
"""
import struct
import sys

# --- bytecode formats (mpy-tool: MP_BC_FORMAT_*, MP_BC_MASK_EXTRA_BYTE) ---
FMT_BYTE = 0
FMT_QSTR = 1
FMT_VAR_UINT = 2
FMT_OFFSET = 3
MASK_EXTRA_BYTE = 0x9E

UNARY_NAMES = ("__pos__", "__neg__", "__invert__", "<not>")
BINARY_NAMES = (
    "__lt__", "__gt__", "__eq__", "__le__", "__ge__", "__ne__", "<in>", "<is>",
    "<exception match>", "__ior__", "__ixor__", "__iand__", "__ilshift__",
    "__irshift__", "__iadd__", "__isub__", "__imul__", "__imatmul__",
    "__ifloordiv__", "__itruediv__", "__imod__", "__ipow__", "__or__", "__xor__",
    "__and__", "__lshift__", "__rshift__", "__add__", "__sub__", "__mul__",
    "__matmul__", "__floordiv__", "__truediv__", "__mod__", "__pow__")

# --- opcode values (py/bc0.h, as the tool's Opcode class lists them) ---
BASE_QSTR_O = 0x10
BASE_VINT_E = 0x20
BASE_VINT_O = 0x30
BASE_JUMP_E = 0x40
BASE_BYTE_O = 0x50
BASE_BYTE_E = 0x60
SMALL_INT_MULTI, SMALL_INT_MULTI_NUM, SMALL_INT_MULTI_EXCESS = 0x70, 64, 16
LOAD_FAST_MULTI, LOAD_FAST_MULTI_NUM = 0xB0, 16
STORE_FAST_MULTI, STORE_FAST_MULTI_NUM = 0xC0, 16
UNARY_OP_MULTI, UNARY_OP_MULTI_NUM = 0xD0, 4
BINARY_OP_MULTI, BINARY_OP_MULTI_NUM = 0xD7, 35

NAMED = {
    "LOAD_CONST_FALSE": BASE_BYTE_O + 0x00,
    "LOAD_CONST_NONE": BASE_BYTE_O + 0x01,
    "LOAD_CONST_TRUE": BASE_BYTE_O + 0x02,
    "LOAD_CONST_SMALL_INT": BASE_VINT_E + 0x02,
    "LOAD_CONST_STRING": BASE_QSTR_O + 0x00,
    "LOAD_CONST_OBJ": BASE_VINT_E + 0x03,
    "LOAD_NULL": BASE_BYTE_O + 0x03,
    "LOAD_FAST_N": BASE_VINT_E + 0x04,
    "LOAD_DEREF": BASE_VINT_E + 0x05,
    "LOAD_NAME": BASE_QSTR_O + 0x01,
    "LOAD_GLOBAL": BASE_QSTR_O + 0x02,
    "LOAD_ATTR": BASE_QSTR_O + 0x03,
    "LOAD_METHOD": BASE_QSTR_O + 0x04,
    "LOAD_SUPER_METHOD": BASE_QSTR_O + 0x05,
    "LOAD_BUILD_CLASS": BASE_BYTE_O + 0x04,
    "LOAD_SUBSCR": BASE_BYTE_O + 0x05,
    "STORE_FAST_N": BASE_VINT_E + 0x06,
    "STORE_DEREF": BASE_VINT_E + 0x07,
    "STORE_NAME": BASE_QSTR_O + 0x06,
    "STORE_GLOBAL": BASE_QSTR_O + 0x07,
    "STORE_ATTR": BASE_QSTR_O + 0x08,
    "STORE_SUBSCR": BASE_BYTE_O + 0x06,
    "DELETE_FAST": BASE_VINT_E + 0x08,
    "DELETE_DEREF": BASE_VINT_E + 0x09,
    "DELETE_NAME": BASE_QSTR_O + 0x09,
    "DELETE_GLOBAL": BASE_QSTR_O + 0x0A,
    "DUP_TOP": BASE_BYTE_O + 0x07,
    "DUP_TOP_TWO": BASE_BYTE_O + 0x08,
    "POP_TOP": BASE_BYTE_O + 0x09,
    "ROT_TWO": BASE_BYTE_O + 0x0A,
    "ROT_THREE": BASE_BYTE_O + 0x0B,
    "UNWIND_JUMP": BASE_JUMP_E + 0x00,
    "JUMP": BASE_JUMP_E + 0x02,
    "POP_JUMP_IF_TRUE": BASE_JUMP_E + 0x03,
    "POP_JUMP_IF_FALSE": BASE_JUMP_E + 0x04,
    "JUMP_IF_TRUE_OR_POP": BASE_JUMP_E + 0x05,
    "JUMP_IF_FALSE_OR_POP": BASE_JUMP_E + 0x06,
    "SETUP_WITH": BASE_JUMP_E + 0x07,
    "SETUP_EXCEPT": BASE_JUMP_E + 0x08,
    "SETUP_FINALLY": BASE_JUMP_E + 0x09,
    "POP_EXCEPT_JUMP": BASE_JUMP_E + 0x0A,
    "FOR_ITER": BASE_JUMP_E + 0x0B,
    "WITH_CLEANUP": BASE_BYTE_O + 0x0C,
    "END_FINALLY": BASE_BYTE_O + 0x0D,
    "GET_ITER": BASE_BYTE_O + 0x0E,
    "GET_ITER_STACK": BASE_BYTE_O + 0x0F,
    "BUILD_TUPLE": BASE_VINT_E + 0x0A,
    "BUILD_LIST": BASE_VINT_E + 0x0B,
    "BUILD_MAP": BASE_VINT_E + 0x0C,
    "STORE_MAP": BASE_BYTE_E + 0x02,
    "BUILD_SET": BASE_VINT_E + 0x0D,
    "BUILD_SLICE": BASE_VINT_E + 0x0E,
    "STORE_COMP": BASE_VINT_E + 0x0F,
    "UNPACK_SEQUENCE": BASE_VINT_O + 0x00,
    "UNPACK_EX": BASE_VINT_O + 0x01,
    "RETURN_VALUE": BASE_BYTE_E + 0x03,
    "RAISE_LAST": BASE_BYTE_E + 0x04,
    "RAISE_OBJ": BASE_BYTE_E + 0x05,
    "RAISE_FROM": BASE_BYTE_E + 0x06,
    "YIELD_VALUE": BASE_BYTE_E + 0x07,
    "YIELD_FROM": BASE_BYTE_E + 0x08,
    "MAKE_FUNCTION": BASE_VINT_O + 0x02,
    "MAKE_FUNCTION_DEFARGS": BASE_VINT_O + 0x03,
    "MAKE_CLOSURE": BASE_VINT_E + 0x00,
    "MAKE_CLOSURE_DEFARGS": BASE_VINT_E + 0x01,
    "CALL_FUNCTION": BASE_VINT_O + 0x04,
    "CALL_FUNCTION_VAR_KW": BASE_VINT_O + 0x05,
    "CALL_METHOD": BASE_VINT_O + 0x06,
    "CALL_METHOD_VAR_KW": BASE_VINT_O + 0x07,
    "IMPORT_NAME": BASE_QSTR_O + 0x0B,
    "IMPORT_FROM": BASE_QSTR_O + 0x0C,
    "IMPORT_STAR": BASE_BYTE_E + 0x09,
}

# the jumps whose offset is signed (the tool's Opcode.ALL_OFFSET_SIGNED)
OFFSET_SIGNED = frozenset(NAMED[n] for n in
                          ("UNWIND_JUMP", "JUMP", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE"))


def _mapping():
    """The tool's Opcode.mapping: opcode byte -> the name -d prints."""
    m = ["unknown"] * 256
    for name, value in NAMED.items():
        m[value] = name
    for i in range(SMALL_INT_MULTI_NUM):
        m[SMALL_INT_MULTI + i] = "LOAD_CONST_SMALL_INT %d" % (i - SMALL_INT_MULTI_EXCESS)
    for i in range(LOAD_FAST_MULTI_NUM):
        m[LOAD_FAST_MULTI + i] = "LOAD_FAST %d" % i
    for i in range(STORE_FAST_MULTI_NUM):
        m[STORE_FAST_MULTI + i] = "STORE_FAST %d" % i
    for i in range(UNARY_OP_MULTI_NUM):
        m[UNARY_OP_MULTI + i] = "UNARY_OP %d %s" % (i, UNARY_NAMES[i])
    for i in range(BINARY_OP_MULTI_NUM):
        m[BINARY_OP_MULTI + i] = "BINARY_OP %d %s" % (i, BINARY_NAMES[i])
    return m


MAPPING = _mapping()


def opcode_format(opcode):
    """The format of an opcode: two bits per high nibble of 0x000003A4."""
    return (0x000003A4 >> (2 * (opcode >> 4))) & 3


def opcode_decode(bc, ip):
    """mp_opcode_decode: (format, size, arg, extra_arg) of the opcode at ip.
    Raises IndexError when the opcode runs past the end of bc."""
    opcode = bc[ip]
    start = ip
    f = opcode_format(opcode)
    ip += 1
    arg = None
    extra = None
    if f in (FMT_QSTR, FMT_VAR_UINT):
        arg = bc[ip] & 0x7F
        if opcode == NAMED["LOAD_CONST_SMALL_INT"] and arg & 0x40:
            arg |= -1 << 7
        while bc[ip] & 0x80:
            ip += 1
            arg = (arg << 7) | (bc[ip] & 0x7F)
        ip += 1
    elif f == FMT_OFFSET:
        if bc[ip] & 0x80 == 0:
            arg = bc[ip]
            ip += 1
            if opcode in OFFSET_SIGNED:
                arg -= 0x40
        else:
            arg = (bc[ip] & 0x7F) | (bc[ip + 1] << 7)
            ip += 2
            if opcode in OFFSET_SIGNED:
                arg -= 0x4000
    if opcode & MASK_EXTRA_BYTE == 0:
        extra = bc[ip]
        ip += 1
    return f, ip - start, arg, extra


def jump_target(bc, ip, arg):
    """Where the offset of the jump at ip leads: mp_opcode_encode writes the
    offset from the end of the offset bytes (target - ip - 2 for a one-byte
    offset, one less for two bytes), before UNWIND_JUMP's extra byte."""
    return ip + (2 if bc[ip + 1] & 0x80 == 0 else 3) + arg


def prelude_sig(bc, ip):
    """read_prelude_sig: ((n_state, n_exc_stack, scope_flags, n_pos_args,
    n_kwonly_args, n_def_pos_args), ip after it)."""
    z = bc[ip]
    ip += 1
    s = (z >> 3) & 0xF
    e = (z >> 2) & 0x1
    f = 0
    a = z & 0x3
    k = 0
    d = 0
    n = 0
    while z & 0x80:
        z = bc[ip]
        ip += 1
        s |= (z & 0x30) << (2 * n)
        e |= (z & 0x02) << n
        f |= ((z & 0x40) >> 6) << n
        a |= (z & 0x4) << n
        k |= ((z & 0x08) >> 3) << n
        d |= (z & 0x1) << n
        n += 1
    return (s + 1, e, f, a, k, d), ip


def prelude_size(bc, ip):
    """read_prelude_size: ((n_info, n_cell), ip after it)."""
    n_info = 0
    n_cell = 0
    n = 0
    while True:
        z = bc[ip]
        ip += 1
        n_info |= ((z & 0x7E) >> 1) << (6 * n)
        n_cell |= (z & 1) << n
        if not z & 0x80:
            break
        n += 1
    return (n_info, n_cell), ip


def extract_prelude(bc, ip=0):
    """extract_prelude: a dict of the offsets, the signature, the sizes and
    the name qstr indices (simple name first, then the arguments)."""
    sig, ip = prelude_sig(bc, ip)
    offset_prelude_size = ip
    size, ip = prelude_size(bc, ip)
    offset_source_info = ip
    names = []
    for _ in range(1 + sig[3] + sig[4]):
        value = 0
        while True:
            b = bc[ip]
            ip += 1
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                break
        names.append(value)
    return {"offset_prelude_size": offset_prelude_size,
            "offset_source_info": offset_source_info,
            "offset_line_info": ip,
            "offset_closure_info": offset_source_info + size[0],
            "offset_opcodes": offset_source_info + size[0] + size[1],
            "signature": sig, "size": size, "names": names}


def disassemble(bc, base=0):
    """The opcode part of RawCodeBytecode.disassemble: from the opcodes to
    the end of fun_data.  A list of dicts: address (base + offset), bytes,
    opcode byte, name (as -d prints it), format, arg (the decoded number, as
    -d prints it for var-uint and offset formats; the qstr or obj index
    for the others), extra (the extra byte, or None) and, for jumps, target
    (the address the offset leads to, see jump_target)."""
    pre = extract_prelude(bc)
    out = []
    ip = pre["offset_opcodes"]
    while ip < len(bc):
        f, sz, arg, extra = opcode_decode(bc, ip)
        if ip + sz > len(bc):
            raise IndexError("opcode at +%d runs past the end of fun_data" % ip)
        ins = {"address": base + ip, "bytes": bytes(bc[ip:ip + sz]), "opcode": bc[ip],
               "name": MAPPING[bc[ip]], "format": f, "arg": arg, "extra": extra}
        if f == FMT_OFFSET:
            ins["target"] = base + jump_target(bc, ip, arg)
        out.append(ins)
        ip += sz
    return pre, out


# --- ELF32 symbols with the standard library ---

def elf_symbols(path):
    """(file bytes, [(name, address, size, file offset or None)]) of the
    .symtab of a little-endian ELF32 file."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ValueError("%s: not a little-endian ELF32 file" % path)
    e_shoff, = struct.unpack_from("<I", data, 0x20)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x2E)
    secs = []
    for i in range(e_shnum):
        (sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info,
         sh_addralign, sh_entsize) = struct.unpack_from("<10I", data, e_shoff + i * e_shentsize)
        secs.append({"type": sh_type, "addr": sh_addr, "offset": sh_offset,
                     "size": sh_size, "link": sh_link, "entsize": sh_entsize})
    syms = []
    for sec in secs:
        if sec["type"] != 2:  # SHT_SYMTAB
            continue
        strtab = secs[sec["link"]]
        for k in range(sec["size"] // 16):
            st_name, st_value, st_size, st_info, st_other, st_shndx = struct.unpack_from(
                "<IIIBBH", data, sec["offset"] + 16 * k)
            s = strtab["offset"] + st_name
            name = data[s:data.index(b"\0", s)].decode("latin-1")
            off = None
            if 0 < st_shndx < len(secs) and secs[st_shndx]["type"] != 8:  # not NOBITS
                home = secs[st_shndx]
                if home["addr"] <= st_value and st_value + st_size <= home["addr"] + home["size"]:
                    off = home["offset"] + st_value - home["addr"]
            syms.append((name, st_value, st_size, off))
    return data, syms


def elf_sections(data):
    """[(address, size, file offset)] of the sections of an ELF32 file
    that hold bytes in the file and are loaded (SHF_ALLOC, not NOBITS)."""
    e_shoff, = struct.unpack_from("<I", data, 0x20)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x2E)
    out = []
    for i in range(e_shnum):
        _, sh_type, sh_flags, sh_addr, sh_offset, sh_size = struct.unpack_from(
            "<6I", data, e_shoff + i * e_shentsize)
        if sh_flags & 2 and sh_type != 8 and sh_size:
            out.append((sh_addr, sh_size, sh_offset))
    return out


class Image:
    """Bytes of the ELF by load address."""

    def __init__(self, data):
        self.data = data
        self.secs = elf_sections(data)

    def read(self, addr, n):
        for a, size, off in self.secs:
            if a <= addr and addr + n <= a + size:
                return self.data[off + addr - a:off + addr - a + n]
        raise ValueError("0x%08x+%d is in no loaded section of the ELF" % (addr, n))

    def word(self, addr):
        return struct.unpack("<I", self.read(addr, 4))[0]


def qstr_names(img, pool_addr):
    """{qstr number: str} of a chain of qstr pools, last pool at pool_addr.
    The layout of qstr_pool_t (py/qstr.h, 1.22+; 32-bit, with hashes, one
    length byte): prev, total_prev_len:31 and is_sorted:1, alloc, len,
    hashes, lengths, qstrs[len]."""
    names = {}
    seen = set()
    while pool_addr and pool_addr not in seen:
        seen.add(pool_addr)
        prev, tpl, alloc, n, hashes, lengths = struct.unpack("<6I", img.read(pool_addr, 24))
        tpl &= 0x7FFFFFFF
        # (alloc of a pool in ROM is only the size the next pool starts from)
        if n > 0x10000 or (prev and tpl == 0):
            raise ValueError("qstr pool at 0x%08x: len %d, total_prev_len %d"
                             % (pool_addr, n, tpl))
        lens = img.read(lengths, n)
        for i in range(n):
            ptr = img.word(pool_addr + 24 + 4 * i)
            names[tpl + i] = img.read(ptr, lens[i]).decode("utf-8", "replace")
        pool_addr = prev
    return names


def frozen_functions(path):
    """{address: (symbol name, prelude, instructions)} of every fun_data_*
    symbol of the ELF (the freezer's arrays of frozen bytecode).  When the
    module's const_qstr_table_data_* and the qstr pools are there, the
    prelude has "qstrs" (the simple name and argument names) and each
    qstr-format instruction "qstr": the names mpy-tool -d prints
    (qstr_table[arg].str)."""
    data, syms = elf_symbols(path)
    img = Image(data)
    by_name = {name: (addr, size, off) for name, addr, size, off in syms}
    names = {}
    for pool in ("mp_qstr_frozen_const_pool", "mp_qstr_const_pool"):
        if pool in by_name:
            names = qstr_names(img, by_name[pool][0])
            break
    tables = {}
    prefix = "const_qstr_table_data_"
    for name, (addr, size, off) in by_name.items():
        if name.startswith(prefix) and off is not None:
            tables[name[len(prefix):]] = [
                v for (v,) in struct.iter_unpack("<H", data[off:off + size - size % 2])]
    funs = {}
    for name, addr, size, off in syms:
        if not name.startswith("fun_data_") or off is None or size == 0:
            continue
        bc = data[off:off + size]
        pre, insns = disassemble(bc, addr)
        homes = [m for m in tables if name.startswith("fun_data_%s_" % m)]
        if homes and names:
            table = tables[max(homes, key=len)]
            pre["qstrs"] = [names[table[i]] for i in pre["names"]]
            for ins in insns:
                if ins["format"] == FMT_QSTR:
                    ins["qstr"] = names[table[ins["arg"]]]
        funs[addr] = (name, pre, insns)
    return funs


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: mpytool_decode.py ELF\n")
        return 2
    for addr, (name, pre, insns) in sorted(frozen_functions(argv[1]).items()):
        print("%s at 0x%08x" % (name, addr))
        if "qstrs" in pre:
            print("simple_name:", pre["qstrs"][0])
            print("  args:", pre["qstrs"][1:])
        print("  prelude:", pre["signature"])
        for i in insns:
            arg = "" if i["format"] in (FMT_BYTE,) else i.get("qstr", i["arg"])
            print("  %-11s %s %s" % (i["bytes"].hex(":"), i["name"], arg))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
