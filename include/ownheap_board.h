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
 * usable (marks may be missing) and says why. */
int ownheap_session(struct session *s, size_t *marked, struct rc_msg *msg);

#endif
