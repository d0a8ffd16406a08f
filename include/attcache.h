/*
 * attcache.h: what the last full probe of a port learnt, to attach faster
 * next time (a "warm" probe, board.h).
 *
 * One small file per port under $XDG_CACHE_HOME/mpeek (else
 * ~/.cache/mpeek), named by the SHA-256 of the port's name:
 *
 *   mpeek attach cache 1
 *   port PORT
 *   ident HEX        the identity the board must show (board_warm.ident)
 *   text HEX         the probe's answer (board_warm.text)
 *   sha256 HEX       of the lines above, with their newlines
 *
 * The file is outside input: it is parsed defensively (fuzzed), and a
 * file that does not parse, names another port, or fails its checksum is
 * simply not used.  It never decides what mpeek reads: the board checks
 * the identity itself before it defines anything, and everything read is
 * verified as always.  MPEEK_NO_CACHE=1 in the environment turns it off.
 */
#ifndef MPEEK_ATTCACHE_H
#define MPEEK_ATTCACHE_H

#include <stddef.h>

#include "board.h"
#include "rc.h"

/* Parse a cache file's bytes for port into *w.  RC_OK, or RC_PARSE with
 * a message saying what is wrong. */
int attcache_parse(const char *data, size_t len, const char *port,
                   struct board_warm *w, struct rc_msg *msg);

/* The file's bytes for port and w, malloc'd into *out (NUL-terminated,
 * *len without it).  RC_NOMEM, RC_ARG for a port name too long. */
int attcache_format(const char *port, const struct board_warm *w, char **out,
                    size_t *len, struct rc_msg *msg);

/* The cache file for port ("" when there is no cache folder or the cache
 * is off). */
void attcache_path(const char *port, char *path, size_t size);

/* Load what is known of port into *w (RC_NOTFOUND when nothing usable is). */
int attcache_load(const char *port, struct board_warm *w, struct rc_msg *msg);

/* Store w for port (best effort: the folder is created, the file written
 * atomically; RC_IO with a message when it could not be). */
int attcache_save(const char *port, const struct board_warm *w,
                  struct rc_msg *msg);

#endif
