/*
 * mapsrc.h: linker-script knowledge into the region map.
 *
 * MEMORY regions become map regions (source "linker script"; their kind is
 * guessed from the name: FLASH/ROM/TEXT -> flash, RAM/CCM -> ram), and
 * well-known symbol pairs become regions too (_heap_start/_heap_end,
 * _sstack/_estack, _fs_start/_fs_end, __GcHeapStart/__GcHeapEnd, ...).
 */
#ifndef MPEEK_MAPSRC_H
#define MPEEK_MAPSRC_H

#include "rmap.h"

struct ldscript;

/* Guess a region's kind from its linker-script name. */
enum rmap_kind mapsrc_guess_kind(const char *name);

/* Add the script's regions and symbol-pair regions to map. */
void mapsrc_add_ld(struct rmap *map, const struct ldscript *ld);

#endif
