/*
 * pcache.h: what mpeek has read of a board's memory, page by page.
 *
 * A sparse cache of 256-byte pages.  Every byte has a state: never read,
 * read and verified, failed verification, or stale (read before the board
 * was lost, not read again since).  Bytes are only ever stored here after
 * verification (mread delivers nothing else), so OK means "this byte was
 * on the board".  For live watch, each byte also remembers the refresh
 * generation in which its value last changed.
 *
 * Thread-safe: the reading thread stores while the UI thread looks.
 */
#ifndef MPEEK_PCACHE_H
#define MPEEK_PCACHE_H

#include <stddef.h>
#include <stdint.h>

#define PCACHE_PAGE 256u

enum pcache_state { PCACHE_UNREAD, PCACHE_OK, PCACHE_BAD, PCACHE_STALE };

struct pcache;

int pcache_new(struct pcache **out);
void pcache_free(struct pcache *c);

/* Store verified bytes; bytes whose value differs from a previous read
 * get the current generation as their change mark. */
void pcache_put(struct pcache *c, uint32_t addr, const uint8_t *data,
                size_t len);

/* Mark bytes BAD (failed verification) or UNREAD (forget them). */
void pcache_mark(struct pcache *c, uint32_t addr, size_t len,
                 enum pcache_state st);

/* The state of the byte at addr, and its value when it has one (OK or
 * STALE).  *changed_gen (may be NULL) gets the generation of its last
 * change, 0 if never changed. */
enum pcache_state pcache_get(struct pcache *c, uint32_t addr, uint8_t *value,
                             unsigned *changed_gen);

/* 1 if every byte of [addr, addr+len) is OK. */
int pcache_have(struct pcache *c, uint32_t addr, size_t len);

/* The board was lost: every OK byte becomes STALE. */
void pcache_stale_all(struct pcache *c);

/* Start a new refresh generation (live watch); returns it. */
unsigned pcache_next_gen(struct pcache *c);
unsigned pcache_gen(struct pcache *c);

/* Pages held (for tests and memory accounting). */
size_t pcache_pages(struct pcache *c);

#endif
