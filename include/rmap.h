/*
 * rmap.h: the merged memory map of a board.
 *
 * One table of regions gathered from three sources — what the board itself
 * reports, the firmware's GNU ld linker script(s), and the built-in board
 * profile — kept with their nesting (the GC heap inside RAM, a partition
 * inside flash) and with conflicts between sources shown as notes rather
 * than resolved silently.  It answers, for any address: what is there, where
 * that knowledge came from, and whether it is safe to read.
 *
 * Invariants after rmap_finish(): regions are sorted by start address, a
 * region's parent is the smallest earlier region that contains it, and
 * end > start for every region (end is exclusive, at most 2^32).
 */
#ifndef MPEEK_RMAP_H
#define MPEEK_RMAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rc.h"

enum rmap_kind {
    RMAP_K_FLASH,
    RMAP_K_RAM,
    RMAP_K_ROM,
    RMAP_K_PERIPHERAL,
    RMAP_K_HEAP,
    RMAP_K_STACK,
    RMAP_K_FILESYSTEM,
    RMAP_K_PARTITION,
    RMAP_K_FROZEN,
    RMAP_K_UNMAPPED,
    RMAP_K_OTHER,
    RMAP_K_GCTABLE,   /* the GC's allocation / finaliser table */
    RMAP_K_COUNT
};

enum rmap_source { RMAP_S_BOARD, RMAP_S_LD, RMAP_S_PROFILE, RMAP_S_IMAGE };

enum rmap_access {
    RMAP_ACC_UNKNOWN, /* no statement (linker scripts) */
    RMAP_ACC_NONE,    /* do not read: faults, side effects */
    RMAP_ACC_READ,    /* any reads */
    RMAP_ACC_WORD,    /* aligned 32-bit reads only (Xtensa instruction bus) */
};

#define RMAP_A_R 1u
#define RMAP_A_W 2u
#define RMAP_A_X 4u

struct rmap_region {
    char name[48];
    uint32_t start;
    uint64_t end;          /* exclusive */
    unsigned attrs;        /* RMAP_A_* */
    enum rmap_kind kind;
    enum rmap_source source;
    enum rmap_access access;
    char notes[200];
    int parent;            /* index after rmap_finish, -1 for top level */
    int depth;
    /* The kind is a guess (an image's bytes, which say nothing about the
     * memory holding them): rmap_finish gives the region the kind of the
     * innermost region of another source holding it, if any. */
    int kind_guess;
};

struct rmap;

int rmap_new(struct rmap **out);
void rmap_free(struct rmap *m);

/* Add a copy of r (parent/depth are computed later).  Empty regions are
 * kept as notes only.  RC_ARG for end <= start or end > 2^32. */
int rmap_add(struct rmap *m, const struct rmap_region *r);
/* What a board reports outgrew a profile's guess: the profile region of
 * kind `kind` that holds addr (and ends below end) is widened to end, and
 * `why` is added to its notes.  1 if a region was widened (*was_out, if not
 * NULL, gets it as it was), 0 if none needed it.  Before rmap_finish(). */
int rmap_widen(struct rmap *m, uint32_t addr, uint64_t end, enum rmap_kind kind,
               const char *why, struct rmap_region *was_out);

/* A map-wide note ("the board reported NUMRAMBLOCK=0xffffffff: not used"). */
void rmap_note(struct rmap *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sort, nest, and mark conflicts between sources. */
void rmap_finish(struct rmap *m);

size_t rmap_count(const struct rmap *m);
const struct rmap_region *rmap_get(const struct rmap *m, size_t i);
size_t rmap_note_count(const struct rmap *m);
const char *rmap_note_text(const struct rmap *m, size_t i);

/* The region naming addr, or NULL: the innermost region holding it from
 * the board, a profile or a linker script (the memory), and only where none
 * holds it the innermost image region (the bytes an image puts there).  An
 * image's segment inside the board's flash is inside it, not in its place:
 * rmap_lookup_image finds it. */
const struct rmap_region *rmap_lookup(const struct rmap *m, uint32_t addr);

/* The innermost image region holding addr, or NULL. */
const struct rmap_region *rmap_lookup_image(const struct rmap *m, uint32_t addr);

/* The innermost region of any source holding addr (the start of the chain
 * of parents that `where` prints), or NULL. */
const struct rmap_region *rmap_lookup_inner(const struct rmap *m, uint32_t addr);

/*
 * May [addr, addr+len) be read?  RC_OK if every byte lies in regions known
 * to be mapped and free of side effects (*word_only set when part of it
 * allows only aligned 32-bit loads); otherwise RC_ARG with a message that
 * names the first unsafe address and the nearest regions.  Linker-script
 * regions count as mapped only when neither the board nor a profile says
 * anything about mapping.  msg may be NULL (then nothing is formatted:
 * cheap enough to ask for every byte drawn).
 */
/* The top-level regions of kind `kind` that the board or a profile vouch
 * for (not a linker script's or an image's alone) and that may be read
 * whole (or any, with unsafe): up to max of them as [start, start+len) into
 * starts/lens.  Returns how many. */
size_t rmap_vouched(const struct rmap *m, enum rmap_kind kind, int unsafe,
                    uint32_t *starts, uint32_t *lens, size_t max);

int rmap_check_read(const struct rmap *m, uint32_t addr, uint64_t len,
                    int *word_only, struct rc_msg *msg);

enum rmap_format { RMAP_FMT_TABLE, RMAP_FMT_CSV, RMAP_FMT_JSON };

/* Append the map to out: an aligned table with a summary per kind, CSV
 * (header name,start,end,size,attrs,kind,source,notes; 0x hex; end
 * exclusive), or JSON.  RC_OK, or RC_NOMEM when out is failed (see buf.h:
 * it then holds no text). */
int rmap_format(const struct rmap *m, enum rmap_format fmt, struct buf *out);

const char *rmap_kind_name(enum rmap_kind k);
int rmap_kind_parse(const char *s, enum rmap_kind *out);
const char *rmap_source_name(enum rmap_source s);
const char *rmap_access_name(enum rmap_access a);
int rmap_access_parse(const char *s, enum rmap_access *out);
/* "rwx" style text; "" for none; parse accepts r w x and '-' */
void rmap_attrs_text(unsigned attrs, char out[4]);
int rmap_attrs_parse(const char *s, unsigned *out);

#endif
