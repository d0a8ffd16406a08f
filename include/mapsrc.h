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
struct image;

/* Guess a region's kind from its linker-script name. */
enum rmap_kind mapsrc_guess_kind(const char *name);

/* Add the script's regions and symbol-pair regions to map. */
void mapsrc_add_ld(struct rmap *map, const struct ldscript *ld);

/*
 * Add a firmware image's knowledge (source "image"): each ELF section at
 * its run address (executable or read-only: flash, writable: ram), and for
 * a section stored elsewhere than it runs (.data) its stored copy as
 * "<name> (load)".  Intel HEX and raw images have no sections: each of
 * their segments becomes one flash region named after the file.  Like a
 * linker script, an image alone never makes memory count as mapped where
 * the board or a profile says anything.
 */
void mapsrc_add_image(struct rmap *map, const struct image *img);

struct profile_set;

/*
 * The built-in profiles a firmware image fits, by its content: every
 * segment inside the profile's flash and rom regions, some of them in a rom
 * region (the chip's configuration, as the nRF51's UICR), and at the start of
 * its flash a Cortex-M vector table (initial stack pointer at the top of
 * one of its RAM regions, a Thumb reset vector into the image's bytes).
 * The micro:bit's firmware.hex (code at 0, bytes in the UICR, the stack
 * at 0x20004000) fits microbit and nrf51-microbit.  Writes the names,
 * comma-separated, into out; returns how many.
 */
size_t mapsrc_image_boards(const struct profile_set *set, const struct image *img,
                           char *out, size_t size);

#endif
