/*
 * ownheap_board.c: mpeek's own objects marked in the session's heap map,
 * from the board: the id() of its globals, then the walk (ownheap.h)
 * through the session's memory reader.
 */
#include "ownheap_board.h"

#include <string.h>

#include "bmem.h"
#include "buf.h"
#include "ownheap.h"
#include "rrepl.h"
#include "session.h"

int ownheap_session(struct session *s, size_t *marked, struct rc_msg *msg)
{
    if (marked != NULL) {
        *marked = 0;
    }
    if (s->rrepl == NULL || s->reader == NULL || !s->disc.have_heap ||
        s->disc.heap.nareas == 0) {
        return RC_OK;
    }
    struct buf out;
    buf_init(&out);
    int rc = rrepl_exec_own(s->rrepl, OWNHEAP_IDS_CODE, &out, msg);
    uint32_t roots[16], stop = 0;
    size_t n = rc == RC_OK ? ownheap_parse_ids(buf_str(&out), roots, 16, &stop) : 0;
    buf_fini(&out);
    if (rc < 0) {
        return rc_prefix(msg, rc, "asking the board for mpeek's globals");
    }
    if (n == 0) {
        return RC_OK;
    }
    struct bmem *bm;
    if (bmem_new(s, &bm) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct frozen_mem mem;
    bmem_mem(bm, &mem);
    rc = ownheap_walk(&s->disc.heap, &mem, roots, n, &stop, stop ? 1 : 0, marked, msg);
    bmem_free(bm);
    return rc < 0 ? rc_prefix(msg, rc, "finding mpeek's own objects on the heap") : RC_OK;
}
