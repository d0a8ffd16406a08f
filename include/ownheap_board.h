/*
 * ownheap_board.h: mark mpeek's own objects (ownheap.h) in the session's
 * heap map, asking the board for the id() of its globals and reading the
 * objects through the session's reader.
 */
#ifndef MPEEK_OWNHEAP_BOARD_H
#define MPEEK_OWNHEAP_BOARD_H

#include <stddef.h>

#include "rc.h"

struct session;

/* RC_OK with nothing done when there is no board or no allocation table;
 * *marked (may be NULL) gets the objects marked.  An error leaves the map
 * usable (marks may be missing) and says why.  refresh: first make sure
 * the read helper is on the board (firmware without raw-paste defines it
 * at the first read) and read the heap map again, so that it holds the
 * helper (the explorer, which reads anyway; `heap` and `where` keep the
 * map read at connect). */
int ownheap_session(struct session *s, int refresh, size_t *marked, struct rc_msg *msg);

#endif
