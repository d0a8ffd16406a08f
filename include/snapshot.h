/*
 * snapshot.h: a board recorded to a file, to explore later with no board
 * (mpeek snapshot FILE; then --image FILE, open FILE).
 *
 * A snapshot holds the board's readable RAM and flash/ROM (as blocks of
 * bytes at their addresses), the region map as it was (every region with
 * its source, kind, access and notes, and the map's notes), the heap map
 * as the text micropython.mem_info(1) printed (so it parses the same),
 * and what the board said of itself (version, platform, machine,
 * firmware, how it stores floats).
 *
 * The format, version 1; every number little-endian:
 *
 *   offset  size  what
 *   0       8     magic "MPEEKSNP"
 *   8       4     format version (1)
 *   12      4     flags (0; readers ignore them)
 *   16      8     length of the whole file, digest included
 *   24      ...   sections, one after another, each:
 *                   4  tag (four ASCII letters)
 *                   4  0 (reserved)
 *                   8  payload length N
 *                   N  payload
 *   end-32  32    SHA-256 of every byte before it
 *
 * Strings are a 2-byte length and that many bytes (no NUL byte in them;
 * at most what the struct below keeps: a region's name 47 bytes, its
 * notes 199, the firmware string 199, ...).  Sections:
 *
 *   INFO (one)   8 recorded (seconds since 1970, UTC), 4 repr_c (signed:
 *                1 floats in the object word, 0 boxed, -1 not known),
 *                strings: implementation, version, firmware, machine,
 *                platform, port, the mpeek version that wrote it
 *   REGN (one)   4 count, then per region: 4 start, 8 end (exclusive),
 *                strings: name, kind ("flash", "ram", ... as rmap_kind_name),
 *                source ("board", "profile", "linker script"), access
 *                ("read", "word", "none", "unknown"), attributes ("rwx"
 *                with '-'), notes
 *   NOTE (0-1)   4 count, then the map's notes as strings
 *   HEAP (0-1)   4 GC block size, then the mem_info(1) text to the end
 *   MEM  (0-n)   4 address, then the bytes there to the end ("MEM "
 *                with a space); blocks do not overlap
 *
 * A section with another tag is skipped (room for additions that older
 * readers may ignore); anything that changes the meaning of these takes a
 * new format version, which older readers refuse by name.
 *
 * Reading checks, in this order, each with one line naming the file and
 * what is wrong: the magic, the version, the length in the header against
 * the file's (truncated, or bytes after the end), the digest (damaged or
 * altered), then every section and field against the bytes that remain.
 * Nothing is read out of bounds whatever the input (fuzzed:
 * tests/fuzz/fuzz_snapshot.c).  No printing; file I/O only in
 * snapshot_load.
 */
#ifndef MPEEK_SNAPSHOT_H
#define MPEEK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rc.h"
#include "rmap.h"

#define SNAPSHOT_MAGIC "MPEEKSNP"
#define SNAPSHOT_MAGIC_LEN 8
#define SNAPSHOT_VERSION 1u
#define SNAPSHOT_HEADER 24u
#define SNAPSHOT_DIGEST 32u
/* The largest file read or written. */
#define SNAPSHOT_MAX_FILE (512u << 20)

struct snapshot_info {
    int64_t recorded;       /* seconds since 1970, UTC */
    int repr_c;             /* 1, 0, or -1 not known */
    char impl[32];
    char version[32];
    char firmware[200];
    char machine[120];
    char platform[32];
    char port[256];         /* where it was read */
    char mpeek[32];         /* the mpeek version that wrote it */
};

/* Bytes at an address. */
struct snapshot_mem {
    uint32_t addr;
    uint32_t len;
    const uint8_t *data;
};

struct snapshot {
    uint32_t version;                /* of the file read (SNAPSHOT_VERSION) */
    struct snapshot_info info;
    const struct rmap_region *regions; /* parent/depth/kind_guess not kept */
    size_t nregions;
    const char *const *notes;        /* the map's notes, NUL-terminated */
    size_t nnotes;
    const char *heap_text;           /* mem_info(1) as printed; NULL: none */
    size_t heap_len;
    uint32_t block_size;             /* GC block bytes (with heap_text) */
    const struct snapshot_mem *mem;  /* sorted by address, disjoint */
    size_t nmem;
    void *store;                     /* private (NULL for one the caller built) */
};

/* Does data start with the snapshot magic?  (Any len.) */
int snapshot_is(const uint8_t *data, size_t len);

/* Is the file at path a snapshot (its first bytes the magic)?  0 when it
 * cannot be read: the loader of images says why. */
int snapshot_file_is(const char *path);

/* Append s in the format above to out (memory blocks as given: sorted,
 * disjoint).  RC_OK, RC_ARG when a field does not fit the format (a
 * string over 65535 bytes, a block past 2^32, overlapping blocks), or
 * RC_NOMEM. */
int snapshot_encode(const struct snapshot *s, struct buf *out,
                    struct rc_msg *msg);

/* Parse a snapshot from len bytes (copied; name is used in messages:
 * "NAME: truncated: ...").  RC_PARSE on anything malformed, RC_NOMEM;
 * *out NULL on failure, else freed with snapshot_free. */
int snapshot_parse(const uint8_t *data, size_t len, const char *name,
                   struct snapshot **out, struct rc_msg *msg);

/* The same from a file: RC_NOTFOUND, RC_PERM, RC_IO when it cannot be
 * read. */
int snapshot_load(const char *path, struct snapshot **out, struct rc_msg *msg);

void snapshot_free(struct snapshot *s);

/* "2026-12-06 07:15 UTC" for t. */
void snapshot_time_text(int64_t t, char *out, size_t size);

#endif
