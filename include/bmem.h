/*
 * bmem.h: a board's memory as a struct frozen_mem (frozen.h), for the
 * decoders that walk it (frozen modules, objects, qstr pools): every byte
 * through the session's verified reader, behind the read guard of its map
 * (unless --unsafe), read in whole 256-byte pages where the map allows,
 * kept in a page cache so that each page crosses the wire once.  With no
 * board (offline), the bytes of the session's images (--image, open).
 */
#ifndef MPEEK_BMEM_H
#define MPEEK_BMEM_H

#include <stdint.h>

#include "frozen.h"
#include "qstr.h"
#include "rc.h"

struct session;
struct rmap;
struct bmem;

/* A board memory over the session's reader and map (both must outlive
 * it).  *out NULL on failure (RC_NOMEM). */
int bmem_new(struct session *s, struct bmem **out);
void bmem_free(struct bmem *bm);

/* The frozen_mem reading through bm. */
void bmem_mem(struct bmem *bm, struct frozen_mem *mem);

/* Read [addr, addr+len) into the cache in one stream (with the progress
 * bar of long reads), so that a walk finds it there.  RC_OK also when the
 * map does not allow the range (the walk then reads what it needs and
 * reports what goes wrong); RC_CANCEL when interrupted. */
int bmem_prefetch(struct bmem *bm, uint32_t addr, uint32_t len);

/* Where the decoders look for qstr pools: the flash, ROM and RAM regions
 * the map vouches for (rmap_vouched), added to w's ranges. */
void bmem_qstr_where(struct qstr_where *w, const struct rmap *map, int unsafe);

/*
 * qstr_tab_new() for the session's board with the qstr cache (qcache.h):
 * unless --no-cache, or the board said nothing of its firmware, the hint
 * kept for this firmware is given to the search, and what the search
 * learned is kept for the next run when it differs.  A cache file that
 * does not decode or whose hint the board refutes costs a full search
 * and a note on stderr; one that cannot be written, a note.  What
 * happened goes to the --log file as a "# qstr cache: ..." line.
 */
int bmem_qstr_tab(struct session *s, const struct frozen_mem *mem,
                  const struct qstr_where *w, struct qstr_tab **tab, struct rc_msg *msg);

/* The object layout of MicroPython major.minor with floats stored as
 * repr_c says (objdec_layout_for), with instance_print's address from the
 * session's ELF when it has one (a user class's instances print through
 * it). */
struct objdec_layout;
int bmem_layout(struct session *s, int major, int minor, int repr_c,
                struct objdec_layout *lay, struct rc_msg *msg);

/* id(EXPR) on the board (EXPR as the user typed it, evaluated only for its
 * id), with `also` (more Python that prints KEY=VALUE lines, or NULL) in
 * the same command; what it printed stays in out for the caller's keys.
 * The board's own error is "the board could not evaluate EXPR: ..."
 * (RC_ARG). */
struct buf;
int bmem_eval_id(struct session *s, const char *expr, const char *also, uint32_t *word,
                 struct buf *out, struct rc_msg *msg);

#endif
