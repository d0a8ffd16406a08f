/*
 * ldscript.h: GNU ld linker scripts read as a map of memory regions and
 * symbols (the MEMORY blocks, REGION_ALIASes and symbol assignments of the
 * scripts a MicroPython port links with).
 *
 * The parser covers what MicroPython's port scripts use (see
 * docs/board-memory.md section 7) with GNU ld's meaning: MEMORY blocks,
 * expressions, symbol assignments, PROVIDE/PROVIDE_HIDDEN/HIDDEN,
 * DEFINED(), REGION_ALIAS, INCLUDE, ASSERT, and SECTIONS, whose structure
 * is skipped except for the symbol assignments inside it.  Other commands
 * (ENTRY, EXTERN, PHDRS, SEARCH_DIR, GROUP, INPUT, OUTPUT_FORMAT, ...) are
 * accepted and ignored, except that SEARCH_DIR adds an INCLUDE directory
 * as it does in ld.  The parser is more lenient than ld: SECTIONS contents
 * other than assignments are not checked, and "x=1;" needs no blanks.
 * Names (symbols, regions) are words as in ld expressions: letters,
 * digits, _ . $ / \ ~, or any text in double quotes.
 *
 * Problems never stop a load: each one becomes a diagnostic
 * "file:line:col: message", the broken construct is skipped and the rest is
 * still read.  Values follow ld on a 64-bit host: unsigned 64-bit
 * arithmetic, signed '/' and '%', shift counts taken modulo 64, ld's number
 * syntax (0x.., $.., ..h/..o/..b/..d suffixes, a leading 0 for octal, K and
 * M suffixes in either case).
 *
 * What counts as a diagnostic: syntax errors, a reference to a symbol that
 * nothing defines (scripts, defsyms, PROVIDEs), division by zero, a
 * dependency cycle, an undeclared memory region, a MEMORY entry whose
 * ORIGIN or LENGTH cannot be evaluated (such an entry is left out, never
 * guessed), a failing ASSERT, a redeclared region or alias, an INCLUDE
 * that cannot be found or is nested more than 64 deep, an unterminated
 * comment, and skipped C preprocessor lines (once per file).
 *
 * Evaluation.  After every load all scripts read so far are evaluated
 * again, in link order (defsyms first, then each file in load order with
 * its INCLUDEs in place), as ld does:
 *  - a symbol reference sees the value of the latest assignment before it,
 *    or the final value when the symbol is only assigned later (forward
 *    references work); DEFINED(x) is true only if x was assigned earlier;
 *  - PROVIDE(x = e) counts unless x was already defined before it; a later
 *    plain assignment overrides it.  Unlike ld, a PROVIDE counts even when
 *    nothing references the symbol (a memory map wants ROM addresses);
 *  - MEMORY expressions see the final symbol values.  ld evaluates MEMORY
 *    before the region functions work, so a MEMORY expression using
 *    ORIGIN()/LENGTH() of a later region, or a symbol computed from
 *    ORIGIN()/LENGTH(), gives something else in ld: such entries are
 *    reported and left out;
 *  - inside an output section description ld makes plain numbers relative
 *    to the section: such a symbol is "not known" here, while one computed
 *    from ORIGIN() or ABSOLUTE() keeps its absolute value;
 *  - '.', ADDR, SIZEOF, LOADADDR, ALIGNOF, NEXT, ALIGN(x) with one
 *    argument, CONSTANT, SIZEOF_HEADERS and DATA_SEGMENT_* are not known,
 *    and neither is anything computed from them (no diagnostic).
 *
 * INCLUDE search (as ld): the name as given (relative to the current
 * directory), then each search directory of the options in order, then
 * each SEARCH_DIR() of the scripts; as a convenience not in ld, last of
 * all the folder of the including file.  The top file of ldscript_load()
 * is looked for as given, then in the search directories (as ld does for
 * -T).  Only regular files up to 16 MiB are read.
 *
 * Limits, each reported once when reached: INCLUDE depth 64, 256 INCLUDEs
 * and 64 MiB of text per load, expression nesting 256 and length 500
 * levels, 1000 diagnostics (parse and evaluation each).
 */
#ifndef MPEEK_LDSCRIPT_H
#define MPEEK_LDSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct ldscript; /* opaque */

struct ldscript_region {
    const char *name;       /* as written, e.g. "FLASH" */
    uint64_t origin, length;
    char attrs[16];         /* as written inside (), without blanks, e.g.
                               "rx", "xrw", "!w"; "" if none */
    const char *file;       /* where it was declared (the last time) */
    unsigned line;
};

struct ldscript_symbol {
    const char *name;
    int known;              /* 1: value evaluated; 0: depends on '.',
                               sections, errors or other unknowns */
    uint64_t value;         /* 0 when not known */
    int provide;            /* defined by PROVIDE/PROVIDE_HIDDEN */
    int in_sections;        /* assigned inside SECTIONS */
    const char *file;       /* the assignment that gave the final value */
    unsigned line;          /* (file "--defsym", line N for the Nth defsym) */
};

struct ldscript_opts {
    const char *const *search_dirs; /* -L style dirs for INCLUDE (--ld-path) */
    size_t nsearch;
    const char *const *defsyms;     /* "NAME=VALUE" as ld --defsym (VALUE is
                                       an expression); defined before the
                                       scripts */
    size_t ndefsyms;
};

/*
 * Make an empty parser.  opts may be NULL; its strings are copied.
 * Returns RC_OK, RC_NOMEM, or RC_ARG for a malformed defsym (*out is then
 * NULL).  Free the result with ldscript_free().
 */
int ldscript_new(const struct ldscript_opts *opts, struct ldscript **out);

/*
 * Read a script file (and its INCLUDEs) and evaluate everything read so
 * far.  May be called again for more files, as ld takes several -T.
 * Returns RC_OK when the file was read, even with diagnostics;
 * RC_NOTFOUND or RC_IO when the file cannot be read (msg names it; nothing
 * changes); RC_PARSE when the file had problems and not one construct
 * could be read from it (msg quotes the first diagnostic; the diagnostics
 * stay listed); RC_NOMEM; RC_ARG for NULL arguments.  msg may be NULL.
 */
int ldscript_load(struct ldscript *ld, const char *path, struct rc_msg *msg);

/* The same for text in memory (len bytes, NULs allowed); name is used in
 * diagnostics and its folder for the INCLUDE convenience rule. */
int ldscript_load_text(struct ldscript *ld, const char *name,
                       const char *text, size_t len, struct rc_msg *msg);

/*
 * Results.  All pointers (names, files, structs, diagnostic strings) are
 * owned by ld and stay valid until the next load or ldscript_free(); an
 * index out of range gives NULL.
 */
size_t ldscript_region_count(const struct ldscript *ld);
/* Regions that could be evaluated, in declaration order (a redeclared
 * region keeps its first place and takes the new values, as in ld). */
const struct ldscript_region *ldscript_region(const struct ldscript *ld,
                                              size_t i);
/* By name or by REGION_ALIAS name; NULL if unknown or left out. */
const struct ldscript_region *ldscript_find_region(const struct ldscript *ld,
                                                   const char *name);

/* Every symbol with an assignment, in order of its first definition. */
size_t ldscript_symbol_count(const struct ldscript *ld);
const struct ldscript_symbol *ldscript_symbol(const struct ldscript *ld,
                                              size_t i);
const struct ldscript_symbol *ldscript_find_symbol(const struct ldscript *ld,
                                                   const char *name);

/* REGION_ALIASes in order; *target is the name of the region it finally
 * names (aliases of aliases resolved).  Out of range: both set to NULL. */
size_t ldscript_alias_count(const struct ldscript *ld);
void ldscript_alias(const struct ldscript *ld, size_t i, const char **alias,
                    const char **target);

/* Diagnostics "file:line:col: message", in source order. */
size_t ldscript_diag_count(const struct ldscript *ld);
const char *ldscript_diag(const struct ldscript *ld, size_t i);

void ldscript_free(struct ldscript *ld);

/* --- additions to the basic API --- */

/* Attribute letters as ld reads them (i and l are the same flag). */
enum {
    LDSCRIPT_ATTR_R = 1,
    LDSCRIPT_ATTR_W = 2,
    LDSCRIPT_ATTR_X = 4,
    LDSCRIPT_ATTR_A = 8,
    LDSCRIPT_ATTR_L = 16,
};

/*
 * The flags of an attribute string such as "rw!x": returns the set flags
 * and stores the negated ones (after '!', which toggles) in *not_flags
 * (may be NULL).  Unknown letters are ignored.
 */
unsigned ldscript_attr_flags(const char *attrs, unsigned *not_flags);

/*
 * Replace how files are read (tests, fuzzing).  read gets a candidate path
 * and returns RC_OK with a malloc'd buffer in *text_out that the library
 * frees, RC_NOTFOUND to try the next candidate, or another code for an
 * error.  NULL restores reading from the file system.
 */
struct ldscript_reader {
    int (*read)(void *ctx, const char *path, char **text_out,
                size_t *len_out);
    void *ctx;
};
void ldscript_set_reader(struct ldscript *ld,
                         const struct ldscript_reader *reader);

#endif
