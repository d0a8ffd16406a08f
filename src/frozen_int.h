/*
 * frozen_int.h: what the frozen-module modules share (not part of the
 * public API).  frozen.c finds the modules and owns the helpers below;
 * frozen_manifest.c (manifests) and frozen_notes.c (bytecode notes for
 * the explorer) use them.
 *
 * Every byte read through struct frozen_mem is untrusted; the symbol
 * look-ups work on a loaded image (through its index) and on a hand-built
 * one (tests, fuzzing: searched whole).
 */
#ifndef MPEEK_FROZEN_INT_H
#define MPEEK_FROZEN_INT_H

#include "frozen.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct image;
struct image_sym;

#define FROZEN_MAX_MODS 4096u /* modules in a set or a manifest */
#define FROZEN_MAX_NAME 127u  /* bytes of a module name (frozen_mod.name) */

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Read failures that mean "the table points nowhere sensible" rather than
 * "the board went away". */
static inline int soft_fail(int rc)
{
    return rc == RC_NOTFOUND || rc == RC_PARSE;
}

/* len bytes at addr through mem: RC_OK (also for len 0), RC_PARSE for a
 * range past 4 GiB, else what mem->read says (with its message). */
int frozen_read(const struct frozen_mem *mem, uint32_t addr, uint32_t len,
                uint8_t *out, struct rc_msg *msg);

/* The symbol named name, a global one first; NULL if none. */
const struct image_sym *frozen_sym_named(const struct image *img,
                                         const char *name);

/* The smallest sized symbol covering addr, or NULL. */
const struct image_sym *frozen_sym_covering(const struct image *img,
                                            uint32_t addr);

/* The sized symbol that starts at addr and whose name starts with prefix
 * ("" for any), or NULL. */
const struct image_sym *frozen_sym_starting(const struct image *img,
                                            uint32_t addr, const char *prefix);

/* 1 if any symbol's name starts with prefix. */
int frozen_any_sym_prefix(const struct image *img, const char *prefix);

/* 1 if the n bytes at s make a module name: printable, valid UTF-8, no
 * space at either end, 1..FROZEN_MAX_NAME bytes. */
int frozen_name_ok(const char *s, size_t n);

/* mpy-tool's escaped module name into out (size bytes, always
 * NUL-terminated): the path without its extension, every character that
 * is not a letter or digit turned into '_' ("a/b-c.py" -> "a_b_c"). */
void frozen_escape_name(const char *name, char *out, size_t size);

#endif
