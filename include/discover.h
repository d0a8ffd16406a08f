/*
 * discover.h: asking a connected board about its memory.
 *
 * At connect time, with calls that are safe on that port (the profile
 * names which): the GC heap and stack from micropython.mem_info(1), the
 * modules from help('modules'), and per port the flash and RAM sizes
 * (nRF51 FICR), filesystem extents (esp8266 flashbdev, rp2.Flash) and
 * partitions (esp32.Partition).  Values the board reports are checked for
 * plausibility; an implausible one is noted on the map and not used.
 *
 * The discover_apply_* functions are pure: they take the text a snippet
 * printed and add regions and notes to the map, so they are unit-tested
 * with captured output.
 */
#ifndef MPEEK_DISCOVER_H
#define MPEEK_DISCOVER_H

#include "buf.h"
#include "heapmap.h"
#include "rc.h"
#include "rmap.h"

struct rrepl;
struct profile;

/* What discovery learned besides regions. */
struct discover_info {
    struct heapmap heap;   /* parsed mem_info(1); heap.nareas 0 if none */
    int have_heap;
    /* The mem_info(1) text heap was parsed from, as the board printed it
     * (for a snapshot); NULL when there is none.  Owned. */
    char *heap_text;
    char modules[8192];    /* help('modules'), space separated */
    int nmodules;          /* names kept in modules */
    int modules_dropped;   /* names that did not fit */
};

void discover_info_init(struct discover_info *d);
void discover_info_fini(struct discover_info *d);

/* Run every discovery the profile allows (prof may be NULL: the common
 * ones only) and add what was found to map. */
int discover_run(struct rrepl *r, const struct profile *prof,
                 struct rmap *map, struct discover_info *d,
                 struct rc_msg *msg);

/* The parts of discover_run, for a caller that needs only some of them
 * (a plain read needs neither the heap map nor the module list): the GC
 * heap and stack from mem_info(1); the module list from help('modules');
 * the port's own sizes and extents the profile names.  A snippet the
 * board raises on is noted on the map (RC_OK); other rc end them. */
int discover_heap(struct rrepl *r, const struct profile *prof,
                  struct rmap *map, struct discover_info *d,
                  struct rc_msg *msg);
int discover_modules(struct rrepl *r, struct discover_info *d,
                     struct rc_msg *msg);
int discover_port(struct rrepl *r, const struct profile *prof,
                  struct rmap *map, struct rc_msg *msg);

/* Profile regions into the map. */
void discover_add_profile(struct rmap *map, const struct profile *prof);

/* Pure parts, one per snippet. */
void discover_apply_meminfo(struct rmap *map, struct discover_info *d,
                            const char *text, unsigned block_size);
void discover_apply_modules(struct discover_info *d, const char *text);
void discover_apply_ficr(struct rmap *map, const char *text);
void discover_apply_esp8266(struct rmap *map, const char *text);
void discover_apply_esp32(struct rmap *map, const char *text);
void discover_apply_rp2(struct rmap *map, const char *text);

/*
 * The GC allocation table (and finaliser table) and the stack, from
 * MicroPython's own state in RAM.  The board scans the RAM below the heap's
 * pool ([scan_lo, pool start)) for the words gc_pool_start, gc_pool_end that
 * mem_info's pool gives, and prints the three words before each hit
 * (gc_alloc_table_start, gc_alloc_table_byte_len and, with finalisers,
 * gc_finaliser_table_start: the order of mp_state_mem_t in py/mpstate.h of
 * v1.9 to v1.2x); and each pair of words (stack_top, stack_limit) whose
 * limit is the one mem_info's "stack: N out of M" gives (mp_state_thread_t).
 *
 * discover_gc_scan_code: the snippet for heap h (the first area only), the
 * RAM [ram_start, ram_end) holding its pool; 0 (and nothing written) when
 * h gives nothing to look for.  discover_apply_gcstate: its output into
 * regions "gc-atb", "gc-ftb" (kind gc-table) and "stack", each only when
 * exactly one hit passes every check against mem_info (table length =
 * blocks / 4, tables below the pool, in that RAM); otherwise a note says
 * why nothing is shown.
 */
size_t discover_gc_scan_code(const struct heapmap *h, uint32_t ram_start,
                             uint64_t ram_end, char *out, size_t size);
void discover_apply_gcstate(struct rmap *map, const struct heapmap *h,
                            const char *text, uint32_t ram_start,
                            uint64_t ram_end);

#endif
