/*
 * view.h: the model of the hex explorer, apart from any terminal.
 *
 * The curses layer paints what this module computes:
 *
 *   - struct view_space: the displayable address space built from a region
 *     map.  Rows of bpr (8, 16 or 32) bytes cover the union of all regions
 *     (any access); every stretch between them that holds at least one
 *     whole row is ONE "gap" row ("-- 255.7 MiB unmapped --"), so scrolling
 *     from flash to RAM is one page.  Rows always start at multiples of bpr:
 *     a region starting mid-row gets a row whose leading bytes lie outside
 *     the map (OUTSIDE cells).  Row index <-> address is O(log spans).
 *   - view_format_row(): one row as text plus per-byte decisions (value
 *     state, byte class, ink, region kind, heap object kind, boundaries) that
 *     the painter maps to theme roles.
 *   - the status line, the goto prompt (with Tab completion of names),
 *     search patterns and an incremental search over cached bytes,
 *     comparison with a firmware image, list filtering, navigation helpers
 *     and the region panel.
 *
 * Invariants of a space: its rows partition [0, 2^32) in address order;
 * data rows are bpr bytes at a multiple of bpr; a gap row covers a multiple
 * of bpr bytes and is never next to another gap row; every address belongs
 * to exactly one row.  A space copies what it needs from the map and keeps
 * no pointer to it.
 *
 * Everything here is pure: no I/O, no globals, no allocation except in
 * view_space_new and view_space_new_ranges.  Bytes come from the caller through struct view_provider
 * (the page cache in the program, an array in the tests).  Errors are rc
 * codes with the detail in struct rc_msg where one is taken.
 */
#ifndef MPEEK_VIEW_H
#define MPEEK_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "heapmap.h"
#include "rc.h"
#include "rmap.h"

/* Bytes per row: one of these three. */
#define VIEW_MAX_BPR 32u
/* Longest row text (bpr 32, group 1 is 170 columns) plus the NUL. */
#define VIEW_LINE_MAX 192u
/* Longest search pattern in bytes. */
#define VIEW_PATTERN_MAX 256u
/* Widest region-panel bar. */
#define VIEW_BAR_MAX 64u
/* The end of the 32-bit address space (exclusive). */
#define VIEW_ADDR_END 0x100000000ULL

/* ---- bytes from the caller ------------------------------------------------ */

/* What the provider knows about one byte. */
enum view_byte {
    VIEW_BYTE_UNREAD,  /* not read (yet) */
    VIEW_BYTE_OK,      /* read and verified; *value set */
    VIEW_BYTE_BAD,     /* read but failed verification (value not trusted) */
    VIEW_BYTE_STALE,   /* read earlier, may have changed since; *value set */
    VIEW_BYTE_OUTSIDE, /* not readable / not part of the map */
    VIEW_BYTE_ABSENT,  /* inside the view, but no firmware image holds a
                        * byte here (the explorer over images, no board) */
};

/*
 * The byte source.  get() returns one enum view_byte for addr and sets
 * *value for OK and STALE (it may leave it alone otherwise).  It must not
 * block or do I/O: the page cache answers from memory and queues reads on
 * its own.  Any other return value counts as UNREAD.  A NULL provider (or
 * NULL get) means every byte is UNREAD.
 */
struct view_provider {
    int (*get)(void *ctx, uint32_t addr, uint8_t *value);
    void *ctx;
};

/*
 * Linker symbols for the goto prompt: lookup() sets *value and returns
 * RC_OK, or returns RC_NOTFOUND (any non-zero) for an unknown name.  name is
 * NUL-terminated and only valid during the call.
 */
struct view_symbols {
    int (*lookup)(void *ctx, const char *name, uint32_t *value);
    void *ctx;
};

/* ---- layout --------------------------------------------------------------- */

/*
 * Row text layout (all ASCII, one column per char; hex digits lower case):
 *
 *   "20000490  00 00 00 00 a0 04 00 20  de ad be ef 4d 50 00 ff  ....... ....MP.."
 *    ^addr(8)  ^hex_col(0): 3 columns per byte, one extra space between
 *              groups, two spaces before the ASCII column
 *
 *   hex_col(i)   = 10 + 3*i + i/group
 *   ascii_col(i) = 10 + 3*bpr + bpr/group + i
 *   width        = 10 + 4*bpr + bpr/group      (78 for bpr 16, group 4)
 *
 * A gap row is "00040000  -- 255.7 MiB unmapped --" (address, two spaces,
 * label).  group is the number of bytes per group: 4 or 8 normally, any
 * power of two from 1 to 32; a group larger than bpr counts as bpr.
 */

/* Columns of a data row, or 0 when bpr is not 8/16/32 or group is not a
 * power of two from 1 to 32. */
unsigned view_row_width(unsigned bpr, unsigned group);

/* Column of byte i's first hex digit / ASCII char within the row text
 * (i < bpr; nonsense arguments give 0). */
unsigned view_hex_col(unsigned bpr, unsigned group, unsigned i);
unsigned view_ascii_col(unsigned bpr, unsigned group, unsigned i);

/* The largest of 32/16/8 bytes per row whose row fits in cols columns;
 * 8 when none fits. */
unsigned view_fit_bpr(unsigned cols, unsigned group);

/* The next width for the cycle key: 8 -> 16 -> 32 -> 8 (16 for anything
 * else). */
unsigned view_next_bpr(unsigned bpr);

/* "1 byte", "17 bytes", "3.7 KiB", "256 KiB", "255.7 MiB", "2.4 GiB",
 * "4 GiB": whole numbers when exact, else one decimal rounded DOWN (an
 * amount never reads larger than it is).  out is always NUL-terminated when
 * size > 0. */
void view_size_text(uint64_t n, char *out, size_t size);

/* ---- the space ------------------------------------------------------------ */

/* Show the whole 4 GiB uncollapsed, whatever the map says (--unsafe). */
#define VIEW_SPACE_ALL 1u

struct view_space;

/*
 * Build the space of map (NULL or empty maps give the whole 4 GiB, as does
 * VIEW_SPACE_ALL) laid out for bpr bytes per row.  The caller frees *out
 * with view_space_free; the map may be changed or freed afterwards (rebuild
 * the space when the map changes).  RC_ARG for a bpr other than 8/16/32,
 * RC_NOMEM; *out is NULL on failure.
 */
int view_space_new(const struct rmap *map, unsigned flags, unsigned bpr,
                   struct view_space **out, struct rc_msg *msg);
void view_space_free(struct view_space *s);

/* A stretch of addresses [start, end), end at most 2^32. */
struct view_range {
    uint32_t start;
    uint64_t end;
};

/* The same, with extra stretches shown as well (the load bytes of
 * firmware images that no region covers, e.g. .data's initial values in
 * flash).  extra may be NULL when nextra is 0.  The whole 4 GiB is shown
 * only for VIEW_SPACE_ALL or when neither the map nor extra has anything. */
int view_space_new_ranges(const struct rmap *map, const struct view_range *extra,
                          size_t nextra, unsigned flags, unsigned bpr,
                          struct view_space **out, struct rc_msg *msg);

/* Sort ranges by start and merge the ones that overlap or touch, in
 * place; empty ranges are dropped.  Returns the new count. */
size_t view_ranges_merge(struct view_range *r, size_t n);

/* Re-lay the rows for another bpr without allocating (on resize or the
 * width key); keep the cursor by its address and find its row again with
 * view_row_of.  RC_ARG (and no change) for a bpr other than 8/16/32. */
int view_space_set_bpr(struct view_space *s, unsigned bpr);
unsigned view_space_bpr(const struct view_space *s);

/* Is addr inside the union of the map's regions (always 1 for a
 * whole-space view)?  O(log spans). */
int view_space_contains(const struct view_space *s, uint32_t addr);

/* One row of the space. */
struct view_row {
    uint64_t index;        /* 0 .. view_row_count()-1 */
    uint32_t addr;         /* first address, a multiple of bpr */
    uint64_t end;          /* exclusive: addr + bpr for data rows; <= 2^32 */
    int gap;               /* 1 for a collapsed unmapped stretch */
    /* Gap rows: the unmapped bytes the label counts.  They may begin
     * before addr and end after end, where the data rows on either side
     * hold a few of them as OUTSIDE cells.  Data rows: 0 and 0. */
    uint64_t unmapped_start, unmapped_end;
};

/* Number of rows; at most 2^29 (the whole space at 8 bytes per row). */
uint64_t view_row_count(const struct view_space *s);

/* Row number index (O(log spans)); RC_ARG for index >= view_row_count. */
int view_row_at(const struct view_space *s, uint64_t index, struct view_row *out);

/* Index of the row holding addr (a gap row for an unmapped address). */
uint64_t view_row_of(const struct view_space *s, uint32_t addr);

/* "-- 255.7 MiB unmapped --" for a gap row (view_size_text of
 * unmapped_end - unmapped_start); "" for a data row. */
void view_gap_label(const struct view_row *row, char *out, size_t size);

/* ---- row cells ------------------------------------------------------------ */

/* Byte class, for colouring values. */
enum view_class {
    VIEW_CLASS_NONE,  /* value not known (UNREAD, BAD, OUTSIDE) */
    VIEW_CLASS_ZERO,  /* 0x00 */
    VIEW_CLASS_FF,    /* 0xff */
    VIEW_CLASS_PRINT, /* 0x20..0x7e */
    VIEW_CLASS_OTHER,
};

/* The one foreground decision per cell ("ink"): state first, then class. */
enum view_ink {
    VIEW_INK_OUTSIDE, /* blank: "  " and ' ' */
    VIEW_INK_UNREAD,  /* ".." and ' ' */
    VIEW_INK_BAD,     /* "!!" and '!' */
    VIEW_INK_STALE,   /* the old value, dimmed by the painter */
    VIEW_INK_ZERO,
    VIEW_INK_FF,
    VIEW_INK_PRINT,
    VIEW_INK_OTHER,
    VIEW_INK_ABSENT,  /* "--" and ' ': no image byte here */
    VIEW_INK_COUNT
};

/* Cell flags. */
#define VIEW_CF_BOUNDARY 0x01u  /* the innermost region differs from the byte before (a region starts or ends here) */
#define VIEW_CF_GROUP    0x02u  /* first byte of a hex group */
#define VIEW_CF_HEAP     0x04u  /* inside a block of the heap map: heap_state/heap_kind valid */
#define VIEW_CF_HEADBLK  0x08u  /* in an object's head block */
#define VIEW_CF_OBJSTART 0x10u  /* first byte of an object (of its head block) */
#define VIEW_CF_BLOCK    0x20u  /* first byte of a heap block */

struct view_cell {
    uint32_t addr;
    uint8_t value;                     /* valid for OK and STALE */
    enum view_byte state;
    enum view_class cls;
    enum view_ink ink;
    enum rmap_kind kind;               /* innermost region's kind, RMAP_K_UNMAPPED if none */
    const struct rmap_region *region;  /* innermost region or NULL; points into the map */
    enum heapmap_state heap_state;     /* with VIEW_CF_HEAP */
    enum heapmap_kind heap_kind;       /* with VIEW_CF_HEAP: the object's kind (NONE when free) */
    unsigned flags;                    /* VIEW_CF_* */
    unsigned hex_col, ascii_col;       /* columns in line */
    char hex[3];                       /* "4d", "..", "!!", "--" or "  " */
    char ascii;                        /* the char, '.', ' ' or '!' */
};

struct view_rowcells {
    struct view_row row;
    unsigned bpr, group;               /* group as used (clamped to bpr) */
    unsigned ncells;                   /* bpr for a data row, 0 for a gap row */
    unsigned width;                    /* strlen(line) */
    char addr_text[9];                 /* "%08x" of row.addr (gap rows too) */
    char label[48];                    /* gap rows: "-- 3.5 GiB unmapped --"; "" otherwise */
    char ascii[VIEW_MAX_BPR + 1];      /* the ASCII column */
    char line[VIEW_LINE_MAX];          /* the whole row text (layout above) */
    struct view_cell cell[VIEW_MAX_BPR];
};

/*
 * Fill *out for row index of s: the row text and, for a data row, one cell
 * per byte.  provider supplies the bytes (NULL: all UNREAD); it is called
 * only for addresses inside the space (view_space_contains), the others
 * are OUTSIDE.  map (may be NULL) gives region kinds and boundaries; heap
 * (may be NULL) gives heap object kinds.  No allocation.  RC_ARG for an
 * index out of range or a bad group (out is then zeroed).
 */
int view_format_row(const struct view_space *s, uint64_t index, unsigned group,
                    const struct view_provider *provider, const struct rmap *map,
                    const struct heapmap *heap, struct view_rowcells *out);

/* ---- status line ---------------------------------------------------------- */

struct view_values {
    uint32_t addr;
    int have_u8, have_u16, have_u32;   /* 1 when all their bytes are OK (not past 0xffffffff) */
    uint8_t u8;
    uint16_t u16;                      /* little endian */
    uint32_t u32;                      /* little endian */
    const struct rmap_region *target;  /* innermost region u32 points into, or NULL
                                        * (also for 0: NULL is not a pointer); into map */
    uint32_t target_off;               /* u32 - target->start */
    int stale;                         /* 1 when some of the bytes used are STALE */
};

/* The values at addr for the status line (map may be NULL: no target).
 * STALE bytes count (with stale set: the board is away, the values are
 * what was read last); any other state ends the values there. */
void view_values(const struct view_provider *provider, const struct rmap *map,
                 uint32_t addr, struct view_values *out);

/*
 * Compose the status text for the cursor at v->addr, e.g.
 *
 *   "0x20000540  gc-heap+0xa0 rwx heap  u8 0x41 65 'A'  u16 0x4241"
 *   "  u32 0x20000941 -> gc-heap+0x4a1  heap: list head 0x20000530, 3 blocks"
 *   "  | <link>"                                 (all on one line)
 *
 * Region part: innermost region name + offset, its attrs ("---" if none)
 * and kind, or "unmapped".  Missing values print as "u8 --" etc.; the
 * "-> region+off" part only when u32 points into a region.  The heap part
 * (heap may be NULL) names the object kind, its head and size in blocks,
 * or "heap: free, N blocks from 0x..." / "heap: orphan tail, ...".  link
 * (may be NULL or "") is appended after "  | ".  Writes at most size-1
 * chars plus NUL; returns the length the whole text needs, like snprintf.
 */
size_t view_status_text(const struct rmap *map, const struct heapmap *heap,
                        const struct view_values *v, const char *link,
                        char *out, size_t size);

/*
 * The status line for a terminal width columns wide (0: no limit): when
 * the whole text is wider, fields are left out, the least useful first:
 * u16, the region's attrs and kind, u32, u8, where, the heap object, the
 * link; the address and the region+offset always stay.  Same return as
 * view_status_text (the length of the text written in full).
 */
size_t view_status_fit(const struct rmap *map, const struct heapmap *heap,
                       const struct view_values *v, const char *where,
                       const char *link, unsigned width, char *out, size_t size);

/* What a byte state means, for messages: "not read yet", "stale", "in no
 * image", ...; static text, "unknown" for a value outside the enum. */
const char *view_byte_text(int state);

/* The same with where (may be NULL or "") put right after the region part,
 * two spaces before it: "0x00000104  .text+0x104 r-x flash  main+0x4  u8 ..".
 * The explorer puts the symbol, the image comparison and the frozen module
 * there, where a narrow terminal still shows them. */
size_t view_status_compose(const struct rmap *map, const struct heapmap *heap,
                           const struct view_values *v, const char *where,
                           const char *link, char *out, size_t size);

/* A symbol as the status line names the cursor's place: "main+0x4" when
 * the symbol covers addr (covers 1), "~main+0x40" when it is only the
 * nearest symbol before addr (covers 0).  A name longer than the room is
 * cut.  out is always NUL-terminated when size > 0. */
void view_sym_text(const char *name, uint32_t sym_addr, uint32_t addr, int covers,
                   char *out, size_t size);

/* ---- goto ----------------------------------------------------------------- */

/*
 * Parse the goto prompt into *addr_out: terms joined by '+' and '-' (an
 * optional sign in front, spaces anywhere between terms), each one of
 *
 *   0x20000000  4096  16K  0b1010  0o17    numbers as fmt_parse_u64 takes
 *                                          them: bare digits are DECIMAL
 *   2000h                                  hex with a trailing h
 *   ram  gc-heap  FLASH                    a region name -> its start (the
 *                                          longest name that matches, exact
 *                                          case first, then any case; names
 *                                          may hold '-')
 *   _estack  mp_state_ctx                  a symbol, via symbols (may be NULL)
 *   .                                      the current address
 *
 * e.g. "ram+0x100-16", ".+0x40", "gc-heap + 32".  Each term and the result
 * must lie in 0..0xffffffff.  RC_ARG with a message for empty text, syntax
 * errors ("... at column N"), unknown names ("no region or symbol named
 * 'foo'; regions: flash, ficr, ram, ..."; bare hex such as 'deadbeef' gets
 * a "write 0x..." hint) and results out of range.  *addr_out is set only on
 * success.
 */
int view_parse_goto(const char *text, const struct rmap *map,
                    const struct view_symbols *symbols, uint32_t current,
                    uint32_t *addr_out, struct rc_msg *msg);

/* ---- completion of the goto prompt ---------------------------------------- */

/*
 * Names for completion (regions and symbols) are an array of C strings the
 * caller owns.  view_names_sort sorts it (strcmp order) and drops repeats
 * and empty names in place, returning the new count; the other functions
 * take such a sorted, repeat-free array.
 */
size_t view_names_sort(const char **names, size_t n);

/* How many names start with prefix (case-sensitive); *first_out (may be
 * NULL) the index of the first one.  O(log n). */
size_t view_names_prefix(const char *const *names, size_t n, const char *prefix,
                         size_t *first_out);

/* Where the goto text's last term starts: the offset of the trailing run
 * of name characters (letters, digits, '_', '.', '$'); strlen(text) when
 * the text ends in an operator or space. */
size_t view_goto_word(const char *text);

/* The state of Tab completion between key presses. */
struct view_tab {
    int cycling;        /* 1: Tab steps through the matches of stem */
    size_t word_at;     /* where the completed word starts in the text */
    char stem[128];     /* the word as typed before cycling */
    size_t index;       /* the match shown now (an index into names) */
};

/* Any key but Tab ends a completion: forget the state. */
void view_tab_reset(struct view_tab *tab);

/*
 * Tab (dir 1) or Shift-Tab (dir -1) in the goto prompt: complete the last
 * term of text (a buffer of size bytes) in place, as a shell does.
 *   - no name starts with the word: text unchanged, returns 0;
 *   - one name: the word becomes it, returns 1;
 *   - several, and their common prefix is longer than the word: the word
 *     becomes the common prefix, returns the count;
 *   - several, the word already their common prefix (or cycling): the
 *     word becomes the next (dir 1) or previous match in name order,
 *     wrapping around; further presses go on cycling; returns the count.
 * A name that does not fit in text is left out of the cycle.  An empty
 * word does not complete (returns 0).
 */
size_t view_tab_complete(const char *const *names, size_t n, struct view_tab *tab,
                         char *text, size_t size, int dir);

/* ---- filtering lists -------------------------------------------------------- */

/* 1 when needle occurs in hay ignoring ASCII case (an empty needle
 * occurs everywhere). */
int view_contains_ci(const char *hay, const char *needle);

/*
 * The indexes i < n (in order) whose name_of(ctx, i) contains needle,
 * ignoring case, written to out (room for n); returns how many.  A NULL
 * name never matches.  For symbol lists of tens of thousands: one pass,
 * no allocation.
 */
size_t view_filter(const char *(*name_of)(void *ctx, size_t i), void *ctx, size_t n,
                   const char *needle, size_t *out);

/* ---- comparing with an image ----------------------------------------------- */

/* view_diff_next results (positive; a negative value is an rc error). */
enum view_diff_status {
    VIEW_DIFF_FOUND = 1,   /* *addr_out: a byte whose board value differs */
    VIEW_DIFF_MORE = 2,    /* limit reached: call again with start = *addr_out */
    VIEW_DIFF_UNREAD = 3,  /* *addr_out: the first board byte not read yet
                            * (stop_unread): read it, then call again there */
    VIEW_DIFF_NONE = 4,    /* no difference in that direction */
};

/* What a comparison went through (added to, never reset). */
struct view_diff_stats {
    uint64_t compared;     /* board byte OK and image byte known */
    uint64_t unread;       /* board byte not read yet (passed over) */
    uint64_t skipped;      /* board byte BAD, STALE or OUTSIDE, or no image byte */
};

/*
 * Look for a byte where the board (OK bytes only) differs from the image,
 * among the addresses of ranges (sorted and disjoint, as view_ranges_merge
 * leaves them: where the images hold bytes).  dir > 0: the first at or
 * after start; dir < 0: the last at or before start.  image gives the
 * reference byte (OK when it has one).  stop_unread: stop at the first
 * board byte that is UNREAD (VIEW_DIFF_UNREAD) so the caller can have it
 * read; else count it in stats->unread and go on.  At most limit addresses
 * are looked at (0: no limit).  stats may be NULL.  RC_ARG for dir 0.
 */
int view_diff_next(const struct view_provider *board, const struct view_provider *image,
                   const struct view_range *ranges, size_t nranges, uint32_t start,
                   int dir, uint64_t limit, int stop_unread, uint32_t *addr_out,
                   struct view_diff_stats *stats);

/* ---- search --------------------------------------------------------------- */

/* A byte matches when (byte & mask[i]) == bytes[i]; mask 0 is "any". */
struct view_pattern {
    uint8_t bytes[VIEW_PATTERN_MAX];   /* already masked */
    uint8_t mask[VIEW_PATTERN_MAX];
    size_t len;                        /* 1 .. VIEW_PATTERN_MAX */
};

/*
 * Parse a search pattern: a sequence, spaces optional between items, of
 *
 *   de ad be ef / deadbeef    hex bytes in memory order (pairs of digits)
 *   ?? / d?                   any byte / any low nibble ('?' per nibble)
 *   0x20000100                a little-endian number: 1-2 digits one byte,
 *                             3-4 two bytes, 5-8 four bytes (a pointer)
 *   "MicroPython"             text with C escapes \n \r \t \0 \\ \" \' \xHH
 *
 * e.g. `"MP" 00 ?? 0x20000000`.  RC_ARG with a message (and out->len 0) for
 * an empty pattern, an odd number of hex digits, a bad escape, an
 * unterminated string, junk, more than VIEW_PATTERN_MAX bytes, or a
 * pattern of wildcards only.
 */
int view_parse_search(const char *text, struct view_pattern *out,
                      struct rc_msg *msg);

/* view_search results (positive; a negative value is an rc error). */
enum view_search_status {
    VIEW_SEARCH_FOUND = 1,         /* *addr_out: the match's first byte */
    VIEW_SEARCH_NOT_FOUND_YET = 2, /* limit reached: call again with start = *addr_out */
    VIEW_SEARCH_EXHAUSTED = 3,     /* no match in that direction */
};

/*
 * Look for pat among the bytes the provider has as OK: a match lies wholly
 * inside the space's mapped bytes and every byte of it is OK (an UNREAD,
 * BAD, STALE, OUTSIDE or ABSENT byte ends a candidate, wildcards included).
 * dir > 0: the first match starting at or after start; dir < 0: the last
 * match starting at or before start.  For "next"/"previous" from a cursor
 * pass cursor+1 / cursor-1 (at 0xffffffff / 0 there is nothing further).
 * At most limit provider calls are made (the candidate in progress is
 * finished; 0 means no limit), so the UI can resume it between frames.
 * Unmapped stretches are skipped for free.  RC_ARG for a NULL or empty
 * pattern or dir 0.
 */
int view_search(const struct view_provider *provider, const struct view_space *s,
                const struct view_pattern *pat, uint32_t start, int dir,
                uint64_t limit, uint32_t *addr_out);

/* ---- navigation ----------------------------------------------------------- */

/* Start of the nearest region (any depth) starting after / before addr.
 * RC_NOTFOUND when there is none (wrap with rmap_get(map, 0)->start: the
 * map is sorted by start). */
int view_next_region(const struct rmap *map, uint32_t addr, uint32_t *start_out);
int view_prev_region(const struct rmap *map, uint32_t addr, uint32_t *start_out);

/* First and last address of the innermost region holding addr (g / G).
 * RC_NOTFOUND outside every region. */
int view_region_bounds(const struct rmap *map, uint32_t addr,
                       uint32_t *first_out, uint32_t *last_out);

/*
 * Move the cursor by delta rows (page up/down, arrows), a gap row counting
 * as one row, clamped to the first/last row.  On a data row the cursor
 * takes column col (0..bpr-1), or when col < 0 its current column (0 when
 * it comes from a gap row); on a gap row it sits at the row's address.
 */
uint32_t view_move_rows(const struct view_space *s, uint32_t addr, int64_t delta,
                        int col);

/* Move the cursor by delta bytes (left/right), a gap row counting as one
 * position: from the byte before a gap, +1 lands on the gap row's address,
 * +1 again on the first byte after it.  Clamped to 0 / 0xffffffff. */
uint32_t view_step(const struct view_space *s, uint32_t addr, int64_t delta);

/* The first visible row that keeps row cursor on a screen of height rows,
 * moving top as little as possible from its old value (and never past the
 * last full screen). */
uint64_t view_scroll_top(const struct view_space *s, uint64_t top,
                         uint64_t cursor, unsigned height);

/* The u32 (little endian) at addr as an address (Enter / "follow").
 * RC_NOTFOUND with a message unless all four bytes are OK, or when the
 * word is 0 (NULL is not a pointer); RC_ARG past 0xfffffffc. */
int view_follow(const struct view_provider *provider, uint32_t addr,
                uint32_t *target_out, struct rc_msg *msg);

/* ---- region panel --------------------------------------------------------- */

struct view_panel_row {
    const struct rmap_region *region;  /* into the map */
    size_t index;                      /* rmap_get index */
    int depth;
    char label[64];                    /* name indented two spaces per depth */
    char start[11];                    /* "0x20000000" */
    char size[16];                     /* view_size_text of end - start */
    const char *kind;                  /* rmap_kind_name, static */
    char attrs[4];                     /* "rwx", "r-x", ... */
    unsigned fill;                     /* 1..bar_width marked chars */
    char bar[VIEW_BAR_MAX + 1];        /* bar_width chars: fill of '#' (top
                                        * level) or '=' (nested), then ' ' */
};

/*
 * Panel row i (map order, which is address order with parents first): the
 * bar is on a log2 scale relative to the largest region of the map, so a
 * 256-byte region still shows (at least one char).  bar_width is clamped to
 * 1..VIEW_BAR_MAX.  RC_ARG for i >= rmap_count(map).
 */
int view_panel_row(const struct rmap *map, size_t i, unsigned bar_width,
                   struct view_panel_row *out);

/* Panel index of the innermost region holding addr (to highlight it);
 * RC_NOTFOUND outside every region. */
int view_panel_find(const struct rmap *map, uint32_t addr, size_t *index_out);

#endif
