/*
 * modcost.h: what each MicroPython module holds on the GC heap, found by
 * walking from its module object the way the collector marks.
 *
 * The heap is known from its map (heapmap.h: block heads and sizes, from
 * mem_info(1)) and its bytes (struct frozen_mem).  A walk starts at a
 * module object and its globals dict and follows, like gc_mark, every
 * word of a reached block that is the address of a block head.  It stops
 * at the other modules (their module objects, globals dicts and the dict
 * tables), at the blocks the caller names (sys.modules), and everywhere
 * off the heap: firmware objects in flash are not walked.  A module's
 * own module object and globals dict may lie off the heap (__main__'s
 * are in .bss); their words are read directly.
 *
 * Each root is walked on its own; a block reached from exactly one root
 * counts for it, a block reached from two or more counts once on the
 * "shared" line.  Used blocks reached from no root are "not attributed"
 * (the qstr pools, the REPL's state, mpeek's own helper, garbage not yet
 * collected).
 *
 * Entries of a root's globals dict whose key's text starts with
 * skip_prefix (mpeek's own helpers, named with the session's prefix) are
 * not followed for roots with skip set.
 *
 * Categories come from the object at the head of a block (through the
 * caller's classify callback, which uses the object decoder) and from the
 * field that pointed at the block, with these layouts:
 *   MODCOST_FAMILY_OLD (v1.9 py/objfun.h, py/emitglue.h):
 *     mp_obj_fun_bc_t {base, globals, bytecode +8, const_table +12, ...}
 *     mp_raw_code_t   {kind:3|scope_flags:7|n_pos_args:11, bytecode +4,
 *                      const_table +8, ...}; const_table entries are
 *     objects or raw-code structs; bytecode may hold such pointers inline.
 *   MODCOST_FAMILY_SLOTS (v1.19+ py/objfun.h, py/bc.h, py/emitglue.h):
 *     mp_obj_fun_bc_t {base, context +4, child_table +8, bytecode +12, ...}
 *     mp_module_context_t {module {base, globals}, qstr_table +8,
 *                      obj_table +12} (an object of type module)
 *     mp_raw_code_t   {v1.22+: proto_fun_indicator[2], kind,
 *                      is_generator (bytes); v1.19: kind:3|scope_flags:7|
 *                      n_pos_args:11}, fun_data +4, children +8 (v1.19 to
 *                      v1.21 with fun_data_len: +12)
 *   Both: mp_obj_dict_t {base, map {used bits, alloc +8, table +12}}, the
 *   table alloc pairs of (key, value) words.
 *
 * Nothing here prints or does I/O; the callbacks read.
 */
#ifndef MPEEK_MODCOST_H
#define MPEEK_MODCOST_H

#include <stddef.h>
#include <stdint.h>

#include "frozen.h"
#include "heapmap.h"
#include "rc.h"

enum modcost_family {
    MODCOST_FAMILY_OLD = 1,   /* v1.9 .. v1.12 */
    MODCOST_FAMILY_SLOTS = 2, /* v1.19 .. newest */
};

enum modcost_cat {
    MODCOST_BYTECODE,    /* prelude + bytecode blocks (native code too) */
    MODCOST_RAWCODE,     /* raw-code structs, v1.19+ module contexts */
    MODCOST_CONST_TABLE, /* const tables, child tables, qstr tables */
    MODCOST_CONST_OBJ,   /* objects the code holds as constants, with their data */
    MODCOST_FUNCTION,    /* function, closure, bound method, generator objects */
    MODCOST_GLOBALS,     /* the module object, its globals dict and table */
    MODCOST_OTHER,       /* the values the module made at run time */
    MODCOST_NCAT
};

/* What the caller's classify says about the block head at addr. */
enum modcost_obj {
    MODCOST_OBJ_NONE = 0, /* not an object (raw bytes, tables) */
    MODCOST_OBJ_FUN_BC,   /* a bytecode (or native) function: the layouts above */
    MODCOST_OBJ_FUNLIKE,  /* closure, bound method, generator */
    MODCOST_OBJ_MODULE,   /* an object of type module */
    MODCOST_OBJ_OTHER,    /* any other object */
};

struct modcost_ops {
    /* The kind of object at the head of the block at addr (its first
     * word read as a type pointer); MODCOST_OBJ_NONE when it is none. */
    enum modcost_obj (*classify)(void *ctx, uint32_t addr);
    /* The text of a dict key word into buf; 0 when it has none (then the
     * entry is followed). */
    int (*key_text)(void *ctx, uint32_t word, char *buf, size_t size);
    void *ctx;
};

struct modcost_root {
    uint32_t module;  /* the module object's address */
    uint32_t globals; /* its globals dict's address (from the module's +4) */
    int skip;         /* leave out globals whose key starts with skip_prefix */
};

struct modcost_cost {
    uint64_t bytes[MODCOST_NCAT]; /* heap bytes (whole blocks) per category */
    uint64_t total;
    uint32_t objects;             /* block heads counted */
    uint32_t fun_heap_code;       /* functions whose bytecode is on the heap */
    uint32_t fun_rom_code;        /* ... elsewhere (frozen in flash) */
    uint32_t skipped;             /* globals entries left out (skip_prefix) */
};

struct modcost_result {
    struct modcost_cost *mods;   /* one per root, owned */
    size_t nmods;
    struct modcost_cost shared;  /* blocks reached from two or more roots */
    uint64_t used_bytes;         /* all used blocks of the heap map */
    uint64_t unattributed_bytes; /* used blocks reached from no root */
};

struct modcost_in {
    const struct heapmap *heap;
    const struct frozen_mem *mem;
    const struct modcost_ops *ops;
    int family;                  /* enum modcost_family */
    const struct modcost_root *roots;
    size_t nroots;               /* at most MODCOST_MAX_ROOTS */
    const uint32_t *stop;        /* addresses not walked into (sys.modules) */
    size_t nstop;
    const char *skip_prefix;     /* NULL or "": nothing is skipped */
};

#define MODCOST_MAX_ROOTS 4096u

/* Walk every root and fill *out (free with modcost_result_fini).  RC_ARG
 * for a bad input, RC_NOMEM, or the memory reader's rc (with msg naming
 * the block) when a reached block cannot be read; *out is then empty. */
int modcost_measure(const struct modcost_in *in, struct modcost_result *out,
                    struct rc_msg *msg);

void modcost_result_fini(struct modcost_result *r);

/* What freezing the module would give back to the heap: its bytecode,
 * raw-code structs, constant tables and constant objects (function
 * objects and the globals are made at import either way). */
uint64_t modcost_freeze_saving(const struct modcost_cost *c);

/* "bytecode", "raw code", "const tables", "const objects", "functions",
 * "globals", "other"; never NULL. */
const char *modcost_cat_name(enum modcost_cat c);
/* The same as one word for CSV and JSON keys ("bytecode", "raw_code", ...). */
const char *modcost_cat_key(enum modcost_cat c);

/* ---- the report (modcost_fmt.c) ------------------------------------------ */

/* Where a module's code lives. */
enum modcost_where {
    MODCOST_WHERE_UNKNOWN = 0, /* no functions and no file to tell */
    MODCOST_WHERE_FROZEN,      /* in flash: bytecode off the heap, or a frozen row */
    MODCOST_WHERE_PY,          /* loaded into RAM from a .py file */
    MODCOST_WHERE_MPY,         /* loaded into RAM from a .mpy file */
    MODCOST_WHERE_RAM,         /* in RAM, file not known */
    MODCOST_WHERE_REPL,        /* __main__: typed at the REPL or run from main.py */
};

struct modcost_row {
    char name[128];
    char file[256];      /* __file__ or "" */
    char frozen_as[128]; /* the `mpeek frozen` row it matches, or "" */
    enum modcost_where where;
    struct modcost_cost cost;
};

struct modcost_report {
    const struct modcost_row *rows;
    size_t nrows;
    struct modcost_cost shared;
    uint64_t used_bytes, unattributed_bytes;
    unsigned skipped;    /* mpeek's own globals left out of __main__ */
    const char *note;    /* NULL, or one line on how the module list was found */
    long board_used;     /* the "GC: ... used:" bytes the board printed (-1: none) */
};

/* The code's place from the counts, the file name and a frozen match. */
enum modcost_where modcost_where_of(const char *name, const char *file,
                                    const char *frozen_as,
                                    const struct modcost_cost *c);
/* "flash (frozen)", "RAM (.py)", "RAM (.mpy)", "RAM", "RAM (REPL)", "unknown". */
const char *modcost_where_name(enum modcost_where w);
/* 1 for the RAM places a module file could be frozen from. */
int modcost_freezable(enum modcost_where w);

/* The sum modcost_freeze_saving over the rows loaded from files into RAM
 * (__main__ not included). */
uint64_t modcost_report_saving(const struct modcost_report *rep);

/* The report as text: fmt 0 table, 1 csv, 2 json, appended to out.
 * RC_NOMEM (out failed) or RC_ARG for another fmt. */
struct buf;
int modcost_format(const struct modcost_report *rep, int fmt, struct buf *out);

#endif
