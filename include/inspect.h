/*
 * inspect.h: the explorer's data inspector: the bytes at the cursor read as
 * numbers of every common width and order, and as a MicroPython object
 * word.  Pure: text from bytes, the map, the heap map and the object
 * layout; nothing is read from the board here.
 */
#ifndef MPEEK_INSPECT_H
#define MPEEK_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "objdec.h"

struct rmap;
struct heapmap;

#define INSPECT_LINE 200

/*
 * The numbers in b[0..n) (n verified bytes from the cursor on, at most 8
 * used): line1 "u8 200  i8 -56  u16 0x1234 4660 (be 0x3412 13330)  i16 ...",
 * line2 "u32 ... i32 ... f32 ...", little-endian first, big-endian in
 * parentheses; widths that need more bytes than n are left out.
 */
void inspect_numbers(const uint8_t *b, size_t n, char line1[INSPECT_LINE],
                     char line2[INSPECT_LINE]);

/*
 * The 32-bit little-endian word as an object word: "small int -3",
 * "qstr 123 'name'" (the text when qs is given and knows it), "None",
 * "True", "float 1.5" (representation C), "0: NULL, not a pointer",
 * "pointer into ram (gc-heap): the head of a 2-block list at 0x...",
 * "pointer into no known region".  lay NULL: the object layout is not
 * known (only the pointer reading is given).  map, heap, qs may be NULL.
 */
void inspect_word(uint32_t w, const struct objdec_layout *lay,
                  const struct rmap *map, const struct heapmap *heap,
                  const struct objdec_qstr_ops *qs, char line[INSPECT_LINE]);

#endif
