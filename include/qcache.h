/*
 * qcache.h: what a search of a board's qstr pools learned (struct
 * qstr_hint, qstr.h), kept between runs: one file per firmware under
 * $XDG_CACHE_HOME/mpeek/qstr (~/.cache/mpeek/qstr when it is not set),
 * named by the firmware's identity (what the board says when mpeek
 * attaches: implementation, version, os.uname().version, machine,
 * sys.platform).
 *
 * The file (format version 1, little-endian 32-bit words):
 *     0  "MPKQSTR\n"
 *     8  format version (1)
 *    12  the identity: SHA-256 (32 bytes)
 *    44  fam, hw, lw, hdr
 *    60  npools (1 .. QSTR_HINT_POOLS)
 *    64  count
 *    68  digest (32 bytes)
 *   100  last_word
 *   104  npools x {addr, first, len, alloc, hashes, lengths}
 *   end  SHA-256 of every byte before it (32 bytes)
 * A file is outside input: qcache_decode() takes nothing it has not
 * checked, and what it takes is only a hint (qstr_tab_new validates it on
 * the board before it names anything).
 */
#ifndef MPEEK_QCACHE_H
#define MPEEK_QCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "qstr.h"
#include "rc.h"

struct board_info;

#define QCACHE_FORMAT 1
#define QCACHE_HEAD 104u
#define QCACHE_MAX (QCACHE_HEAD + 24u * QSTR_HINT_POOLS + 32u)

/* The firmware's identity from what the board said (board.h). */
void qcache_identity(const struct board_info *info, uint8_t id[32]);

/* The file's bytes for h (QCACHE_MAX at most); 0 when h has no pools or
 * more than QSTR_HINT_POOLS. */
size_t qcache_encode(const struct qstr_hint *h, const uint8_t id[32], uint8_t *out);

/* The hint in the n bytes b of a file made for id.  RC_PARSE with one
 * line saying what is wrong ("not an mpeek qstr cache", "format version
 * 7; this mpeek reads 1", "its checksum does not match", "it is for
 * another firmware", a field out of range). */
int qcache_decode(const uint8_t *b, size_t n, const uint8_t id[32], struct qstr_hint *h,
                  struct rc_msg *msg);

/* The cache folder: $XDG_CACHE_HOME/mpeek/qstr or $HOME/.cache/mpeek/qstr.
 * RC_NOTFOUND when neither is set; RC_ARG when the path is too long. */
int qcache_dir(char *buf, size_t size, struct rc_msg *msg);

/* The file for id in dir ("<dir>/<first 16 bytes of id in hex>.qc"). */
void qcache_path(const char *dir, const uint8_t id[32], char *buf, size_t size);

/* Read and decode path.  RC_NOTFOUND when there is no such file (a
 * miss), RC_PARSE when it does not decode (msg says why), RC_IO. */
int qcache_load(const char *path, const uint8_t id[32], struct qstr_hint *h,
                struct rc_msg *msg);

/* Write h for id as path (the folder dir made first, mode 0700): a
 * temporary file renamed over it, so a reader sees the old file or the
 * new, never half of one.  RC_IO/RC_PERM with the path and the reason. */
int qcache_store(const char *dir, const char *path, const uint8_t id[32],
                 const struct qstr_hint *h, struct rc_msg *msg);

#endif
