/*
 * fscan.h: frozen-module names found in a board's flash without symbols.
 *
 * Without the firmware's ELF nothing says where the frozen tables are.  What
 * the board does say is the list of modules it can import (help('modules'));
 * a frozen module's name is stored in flash as "NAME.py" (or
 * "NAME/__init__.py") followed by a NUL inside a table of such names, while
 * a module built into the firmware in C is only a bare qstr "NAME".  So the
 * names table is found by looking for those strings in a flash dump, and
 * read out whole (it is a run of NUL-terminated names ending in an empty
 * one).  Pure: the caller reads the flash.
 */
#ifndef MPEEK_FSCAN_H
#define MPEEK_FSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct fscan_name {
    char name[128];
    uint32_t addr;      /* where the name string is stored */
};

struct fscan_result {
    struct fscan_name *names; /* table order; tables in address order */
    size_t n;
    size_t ntables;
    uint32_t table_addr[4];   /* the first tables' addresses */
};

/*
 * Look in mem (len bytes, at address base) for the frozen-name tables that
 * hold any of modules (names separated by spaces, as help('modules') lists
 * them).  RC_OK with out->n == 0 when there are none; RC_NOMEM.
 */
int fscan_names(const uint8_t *mem, size_t len, uint32_t base,
                const char *modules, struct fscan_result *out);
void fscan_free(struct fscan_result *r);

#endif
