/*
 * fmt.h: parsing and formatting for the command line (pure functions).
 */
#ifndef MPEEK_FMT_H
#define MPEEK_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rc.h"

/*
 * Parse a number as the command line takes ADDR and LEN: decimal, 0x hex,
 * 0o octal or 0b binary, an optional K (x1024) or M (x1048576) suffix
 * (either case), '_' allowed between digits.  The value must fit in 64
 * bits.  what names the argument in the message ("ADDR").
 */
int fmt_parse_u64(const char *s, const char *what, uint64_t *out,
                  struct rc_msg *msg);

/* Check ADDR and LEN for a 32-bit board (len > 0, addr + len <= 2^32). */
int fmt_check_range(uint64_t addr, uint64_t len, struct rc_msg *msg);

/*
 * One xxd-style line: "00000000: 0040 0020 d9cc 0100 ...  .@. ....\n" for
 * n <= 16 bytes at address addr; short lines are padded like xxd's.
 * Returns the length written (out needs at least 80 bytes).
 */
size_t fmt_xxd_line(uint32_t addr, const uint8_t *p, size_t n, char *out);

/* A progress line: "[#####.....]  45%  12.3 KiB/s" (out >= 80 bytes). */
void fmt_progress(uint64_t done, uint64_t total, double secs, char *out,
                  size_t size);

/*
 * Find a line "KEY=VALUE" in text (lines end in \n or \r\n) and copy
 * VALUE into out (truncated to size-1).  With from non-NULL the search
 * starts at *from (NULL or "" there: the start) and *from is moved past the
 * line found, so repeated calls walk every such line.  1 if found.
 */
int fmt_kv(const char *text, const char *key, char *out, size_t size,
           const char **from);

/* The value of a hex digit character, or -1. */
int fmt_hex_digit(int c);

/* "256 KiB", "1.5 MiB", "17 bytes" */
void fmt_size(uint64_t n, char *out, size_t size);

/*
 * Text from outside (a board's strings, names in files, bytes of a record)
 * made safe to show on a terminal.  Control characters (C0, DEL, and C1
 * written as UTF-8) and bytes that are not UTF-8 become visible escapes,
 * "\x1b"; the rest of the text, UTF-8 included, is kept.  Characters in
 * keep (e.g. "\n" for text of several lines) are left as they are.
 *
 * fmt_escape: n bytes of s (a NUL among them is escaped too) into out,
 * truncated to size-1 bytes without splitting an escape; returns out.
 * fmt_esc: the same for a C string.  fmt_escape_buf: appended to b.
 *
 * The functions that append to a struct buf return RC_OK, or RC_NOMEM when
 * b is failed (out of memory now or earlier; see buf.h).
 */
char *fmt_escape(const char *s, size_t n, const char *keep, char *out,
                 size_t size);
const char *fmt_esc(const char *s, char *out, size_t size);
int fmt_escape_buf(struct buf *b, const char *s, size_t n, const char *keep);

/* Does s hold anything fmt_escape would change (keep as there)? */
int fmt_needs_escape(const char *s, size_t n, const char *keep);

/* s as a JSON string, with its quotes: control characters as \u00XX, a
 * byte that is not UTF-8 as the character of that value (\u00XX). */
int fmt_json_str(struct buf *b, const char *s);

/* s as a CSV field: escaped as fmt_escape does, then quoted when it holds
 * a comma or a quote (quotes doubled). */
int fmt_csv_field(struct buf *b, const char *s);

#endif
