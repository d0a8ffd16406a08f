/*
 * frozen_manifest.h: manifests of a firmware's frozen modules (one row per
 * module: name, address, size, SHA-256; see frozen.h for what is hashed),
 * written as a table, CSV or JSON, read back from any of the three, and
 * compared with the modules found now.
 *
 * Pure: no I/O.  A manifest read back is the caller's, freed with
 * frozen_manifest_free().
 */
#ifndef MPEEK_FROZEN_MANIFEST_H
#define MPEEK_FROZEN_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "frozen.h"
#include "rc.h"

enum frozen_format { FROZEN_FMT_TABLE, FROZEN_FMT_CSV, FROZEN_FMT_JSON };

/*
 * The manifest: one row per module.
 *   table: "NAME  ADDRESS  SIZE  SHA256" aligned, with a header line
 *   csv:   header "name,address,size,sha256"; address as 0x%08x, size in
 *          decimal, sha256 as 64 lower-case hex digits
 *   json:  [{"name": ..., "address": "0x...", "size": N, "sha256": "..."}]
 */
int frozen_format(const struct frozen_set *set, enum frozen_format fmt,
                  struct buf *out);

/* A manifest read back (any of the three formats above). */
struct frozen_entry {
    char name[128];
    uint32_t size;
    uint8_t sha256[32];
};

struct frozen_manifest {
    struct frozen_entry *e;
    size_t n;
};

/* Parse a manifest; name is used in messages ("NAME:LINE: message").
 * RC_PARSE for anything that is not one. */
int frozen_manifest_parse(const char *text, size_t len, const char *name,
                          struct frozen_manifest *out, struct rc_msg *msg);
void frozen_manifest_free(struct frozen_manifest *m);

enum frozen_cmp { FROZEN_SAME, FROZEN_CHANGED, FROZEN_ADDED, FROZEN_REMOVED };

/*
 * Compare the modules now (set) with an earlier manifest: one line per
 * module, "same", "changed" (with the old and new size), "added" (in set,
 * not in the manifest) or "removed", in name order, appended to out.
 * *differs is set to 1 when any module is not "same".
 */
int frozen_compare(const struct frozen_set *set,
                   const struct frozen_manifest *old, struct buf *out,
                   int *differs);

const char *frozen_cmp_name(enum frozen_cmp c);

#endif
