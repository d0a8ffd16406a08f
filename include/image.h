/*
 * image.h: firmware images on the host: ELF, Intel HEX, raw binary.
 *
 * An image is what a flasher would write (its load bytes, at their load
 * addresses), the sections an ELF names (as regions of the memory map), and
 * its symbols (names, addresses, sizes).
 *
 *   - ELF (read with libelf): the bytes are the PT_LOAD program headers'
 *     file contents at their physical (load) addresses, exactly what
 *     `objcopy -O binary` would put in flash; .data therefore sits where
 *     it is stored in flash, not at its RAM address.  Sections with
 *     SHF_ALLOC become image_sect entries at their run (virtual) address.
 *     Symbols come from .symtab: functions (Thumb bit cleared), objects and
 *     untyped/absolute symbols; section, file and ARM mapping symbols
 *     ($t, $d, $a) are left out.
 *   - Intel HEX (ihex.h): its merged segments; no sections, no symbols.
 *   - UF2 (the drag-and-drop format of the micro:bit v2, RP2040, ...):
 *     the payload of every 512-byte block at its target address; blocks
 *     flagged "not main flash" are left out; no sections, no symbols.
 *   - raw binary: the file's bytes at the base address the caller gives.
 *
 * Malformed files (truncated headers, sizes or offsets that lie, load
 * segments that overlap, bad HEX checksums, a binary that runs past 4 GiB)
 * are RC_PARSE with "FILE: message"; nothing is ever read out of bounds.
 * The kind is chosen by content: "\x7fELF" is ELF, the UF2 magic words
 * are UF2, a first non-blank ':' is Intel HEX, anything else needs a base
 * address (--base) and is raw.
 *
 * Invariants after a successful load: segs are sorted by address, disjoint,
 * non-empty and end at most at 2^32; syms are sorted by address (then by
 * name); every pointer is into the image's own storage.
 */
#ifndef MPEEK_IMAGE_H
#define MPEEK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

/* IMAGE_SNAP: the memory of an mpeek snapshot (snapshot.h), made by
 * image_from_segs; image_load never makes one. */
enum image_kind { IMAGE_ELF, IMAGE_HEX, IMAGE_BIN, IMAGE_UF2, IMAGE_SNAP };

/* Load bytes: [addr, addr+len) of data. */
struct image_seg {
    uint32_t addr;
    uint32_t len;
    const uint8_t *data;
};

#define IMAGE_SF_WRITE 1u  /* SHF_WRITE */
#define IMAGE_SF_EXEC  2u  /* SHF_EXECINSTR */
#define IMAGE_SF_NOBITS 4u /* SHT_NOBITS (.bss): no bytes in the file */

/* An ELF section that occupies memory (SHF_ALLOC, size > 0). */
struct image_sect {
    char name[48];
    uint32_t addr;      /* run (virtual) address */
    uint32_t size;
    uint32_t load;      /* load address (where its bytes sit in the image); == addr when not relocated */
    unsigned flags;     /* IMAGE_SF_* */
};

enum image_symtype { IMAGE_SYM_FUNC, IMAGE_SYM_OBJECT, IMAGE_SYM_OTHER };

struct image_sym {
    const char *name;
    uint32_t addr;      /* Thumb bit cleared for functions */
    uint32_t size;      /* 0 when the ELF gives none */
    enum image_symtype type;
    int global;         /* STB_GLOBAL or STB_WEAK */
};

struct image {
    char path[256];     /* as given, for messages */
    enum image_kind kind;
    struct image_seg *segs;
    size_t nsegs;
    struct image_sect *sects;
    size_t nsects;
    struct image_sym *syms;
    size_t nsyms;
    int has_entry;
    uint32_t entry;
    void *store;        /* private */
};

/*
 * Load path.  base is used only for raw binaries (have_base 1); a file that
 * is neither ELF, UF2 nor Intel HEX without a base is RC_ARG ("FILE: not an
 * ELF, UF2 or Intel HEX file; for a raw binary give --base ADDR").  RC_NOTFOUND /
 * RC_IO / RC_PERM when it cannot be read.  *out is NULL on failure.
 */
int image_load(const char *path, uint32_t base, int have_base,
               struct image **out, struct rc_msg *msg);

/* The same from memory (tests, fuzzing); name is used in messages.  data
 * is copied. */
int image_load_mem(const uint8_t *data, size_t len, const char *name,
                   uint32_t base, int have_base, struct image **out,
                   struct rc_msg *msg);

/* An image of n segments given in memory (copied; any order, disjoint,
 * each ending at most at 2^32): no sections, no symbols.  RC_PARSE
 * ("NAME: segments overlap at 0x...") or RC_NOMEM; *out NULL on failure. */
int image_from_segs(const char *name, enum image_kind kind,
                    const struct image_seg *segs, size_t n,
                    struct image **out, struct rc_msg *msg);

void image_free(struct image *img);

const char *image_kind_name(enum image_kind k);

/* 1 and *value when the image has a byte at addr, else 0.  O(log segs). */
int image_byte(const struct image *img, uint32_t addr, uint8_t *value);

/* Copy what the image holds of [addr, addr+len) into out; bytes it does
 * not hold are left alone.  Returns how many it held. */
size_t image_copy(const struct image *img, uint32_t addr, uint32_t len,
                  uint8_t *out);

/* Total load bytes. */
uint64_t image_size(const struct image *img);

/* The symbol named name (exact; a global one first when names repeat), or
 * NULL.  Through the index of a loaded image; a hand-built one (no store)
 * is searched. */
const struct image_sym *image_sym_find(const struct image *img,
                                       const char *name);

/* The symbol covering addr: the innermost (smallest) sized symbol with
 * addr in [addr, addr+size), else NULL. */
const struct image_sym *image_sym_at(const struct image *img, uint32_t addr);

/* Index of the first symbol with address >= addr (nsyms if none). */
size_t image_sym_lower(const struct image *img, uint32_t addr);

#endif
