/*
 * ownheap.h: mpeek's own objects on a board's GC heap.
 *
 * mpeek defines a read helper (a function) and a marker on the board as
 * globals named with the session's prefix ("_mpk" and four hex digits).
 * The objects they hold (the function, its bytecode, constant table, child
 * functions, constant strings; on v1.2x the module context of the code it
 * was compiled in) are mpeek's, not the program's.  ownheap_walk finds
 * them: starting from the values of those globals (their id(), which is
 * their address), every word of an object that points into the head block
 * of a heap object leads to that object, as MicroPython's GC marks
 * (py/gc.c: VERIFY_PTR and an AT_HEAD block) — except the stop objects
 * (the globals dict, through which the rest of the program is reached),
 * never entered.  The objects found are marked in the heap map
 * (heapmap_mark_own).
 *
 * The walk is conservative as the GC is: a word in a bytecode block that
 * happens to point at a head is followed too (the GC keeps that object
 * alive for the same reason).  Roots that are not the head of an object
 * in the map (a small int, an object in ROM, or a helper defined after the
 * map was read) mark nothing.
 *
 * Nothing here prints or does I/O; memory comes through struct frozen_mem.
 */
#ifndef MPEEK_OWNHEAP_H
#define MPEEK_OWNHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "frozen.h"
#include "heapmap.h"
#include "rc.h"

/* The most objects one walk marks (a helper is a few dozen). */
#define OWNHEAP_MAX_OBJECTS 4096u

/*
 * Mark in h the objects reachable from roots (object addresses) without
 * passing through stops.  *marked (may be NULL) gets how many objects were
 * marked.  RC_OK; RC_NOMEM; a read error of mem ends the walk with its rc
 * (the objects marked so far stay marked); more than OWNHEAP_MAX_OBJECTS
 * objects is RC_ARG (a helper is never that big: the roots were not
 * mpeek's alone), and then nothing stays marked.
 */
int ownheap_walk(struct heapmap *h, const struct frozen_mem *mem,
                 const uint32_t *roots, size_t nroots,
                 const uint32_t *stops, size_t nstops,
                 size_t *marked, struct rc_msg *msg);

/*
 * The globals ownheap_walk starts from, from what the board printed for
 * OWNHEAP_IDS_CODE: lines "own=<id>" (the values of mpeek's globals) and
 * "glob=<id>" (the globals dict).  Returns how many roots were written
 * (at most max); *stop gets the globals dict (0 if absent).
 */
size_t ownheap_parse_ids(const char *text, uint32_t *roots, size_t max, uint32_t *stop);

/* The snippet that prints them ("_mpk" is renamed to the session's
 * prefix on the way out, so k[:8] compares with it). */
#define OWNHEAP_IDS_CODE                                                   \
    "for k in globals():\n"                                                \
    " if k[:8]=='_mpk':print('own=%d'%id(globals()[k]))\n"                 \
    "print('glob=%d'%id(globals()))"

#endif
