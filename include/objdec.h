/*
 * objdec.h: MicroPython objects decoded from raw memory on the host, and
 * printed exactly as the board's repr() prints them.
 *
 * Decoding (objdec.c) turns one object word into a tree of struct
 * objdec_obj: what the word is, where the object lives, its type (named by
 * the type object's own name qstr), the raw words of its fields and its
 * children, bounded by depth and item count.  Formatting (objdec_fmt.c,
 * objdec_float.c) turns that tree into text (repr) or JSON; it reads no
 * memory.
 *
 * Every byte comes through struct frozen_mem, qstr text through struct
 * objdec_qstr_ops.  Both are untrusted: a word that is not a valid object
 * (a pointer into nothing readable, a type object whose own type is not
 * `type`, a length beyond OBJDEC_MAX_* or beyond the memory read, a
 * qstr with no text) is an error with one line naming the object and the
 * field; nothing is invented.  A child that fails fails the whole decode
 * (its message says where it was).
 *
 * Layouts follow MicroPython's py/obj.h and the object files named in
 * objdec.c, per family:
 *   OBJDEC_FAMILY_OLD    v1.9 to v1.12: mp_obj_type_t with a word-sized
 *                        name qstr and function pointers (print at +8);
 *                        None/True/False/Ellipsis are ROM objects.
 *   OBJDEC_FAMILY_SLOTS  v1.19 to the newest: uint16 flags and uint16 name
 *                        at +4; v1.19: the print pointer follows at +8;
 *                        v1.20+: uint8 slot indices (print at +9, parent
 *                        +18, locals_dict +19) and slots[] from +20, and
 *                        flag 0x0200 marks user classes; None/False/True
 *                        are immediate words, Ellipsis a ROM object.
 * v1.13 to v1.18 are not supported (objdec_layout_for says so).
 *
 * Checked on the boards: heaps read from the v1.9.2 micro:bit and the
 * v1.29 qemu firmware decode to exactly the repr() they printed
 * (tests/data/objdec_v*_heap.txt), and float text matches theirs.
 *
 * Exactness: a text is the board's own unless the model says otherwise
 * (objdec_obj.exact 0, and JSON "exact": false): a type whose print
 * function is not modelled, an instance whose class has __repr__ or a
 * base class, parts cut by the limits, floats of an unknown formatter.
 */
#ifndef MPEEK_OBJDEC_H
#define MPEEK_OBJDEC_H

#include <stddef.h>
#include <stdint.h>

#include "frozen.h"
#include "rc.h"

enum objdec_family {
    OBJDEC_FAMILY_OLD = 1,   /* v1.9 .. v1.12 */
    OBJDEC_FAMILY_SLOTS = 2, /* v1.19 .. newest */
};

enum objdec_repr {
    OBJDEC_REPR_A = 1, /* small int xxx1, qstr and immediates tagged, boxed floats */
    OBJDEC_REPR_C = 3, /* as A, plus floats inline in the word (30 bits) */
};

enum objdec_float_text {
    /* py/formatfloat.c as in v1.9-v1.22: "%g" with MicroPython's own
     * digit loop, precision 7 (repr A) or 6 (repr C). */
    OBJDEC_FLOAT_G = 1,
    /* v1.29: the rewritten py/formatfloat.c with
     * MICROPY_FLOAT_FORMAT_IMPL_APPROX (the single-float default) and
     * repr precision: up to 9 digits searched until they read back (with
     * py/parsenum.c's parser) as the same float; positional below 1e16. */
    OBJDEC_FLOAT_APPROX = 2,
    /* The formatter of this version is not known (1.23-1.28): floats are
     * printed as OBJDEC_FLOAT_APPROX does and marked not exact. */
    OBJDEC_FLOAT_UNKNOWN = 3,
};

struct objdec_layout {
    unsigned word_size;  /* 4 (the only size supported) */
    int family;          /* enum objdec_family */
    int minor;           /* MicroPython 1.<minor> (prelude format, slots) */
    int repr;            /* enum objdec_repr */
    unsigned float_size; /* 4 (single precision) */
    int float_text;      /* enum objdec_float_text */
    /* OLD: the function's simple name in the bytecode is 2 raw bytes
     * (MICROPY_PERSISTENT_CODE), else a variable-length uint. */
    int persistent_code;
    /* SLOTS: names in the bytecode index the module's qstr table
     * (MICROPY_EMIT_BYTECODE_USES_QSTR_TABLE, on with .mpy loading). */
    int bc_qstr_table;
    /* MICROPY_PY_BUILTINS_STR_UNICODE.  OLD: str repr goes by code point
     * (\xNN, \uNNNN, \UNNNNNNNN for those outside ' '..'~'), else by byte
     * (\xNN).  SLOTS (v1.29 as seen): bytes >= 0x80 of a str print as they
     * are either way. */
    int unicode;
    /* OLD: the address of instance_print (py/objtype.c), when known (from
     * the firmware's symbols): types printing with it are user classes.
     * 0: instances of user classes decode as OBJDEC_OTHER, not exact. */
    uint32_t instance_print;
};

/* Fill lay for MicroPython 1.<minor> with object representation repr
 * (OBJDEC_REPR_A or _C) and the usual port settings (32-bit words, single
 * floats, unicode off for 1.9-1.12, the qstr table on for 1.19+).
 * RC_UNSUPP for v1.13-v1.18, other major versions and other reprs. */
int objdec_layout_for(struct objdec_layout *lay, int major, int minor,
                      int repr, struct rc_msg *msg);

/* Qstr text: text() writes the NUL-terminated text of qstr into buf
 * (size bytes) or returns a negative rc with a message. */
struct objdec_qstr_ops {
    int (*text)(void *ctx, uint32_t qstr, char *buf, size_t size,
                struct rc_msg *msg);
    void *ctx;
};

#define OBJDEC_DEFAULT_DEPTH 4u
#define OBJDEC_DEFAULT_ITEMS 64u
#define OBJDEC_MAX_DEPTH 64u        /* limits above this are an error */
#define OBJDEC_MAX_ITEMS 65536u
#define OBJDEC_MAX_BYTES (1u << 20) /* str/bytes/array bytes read at most */
#define OBJDEC_MAX_ALLOC (1u << 22) /* list/dict/set table sizes */
#define OBJDEC_MAX_MPZ_DIGS 2048u   /* 16-bit digits of a big int */

struct objdec_limits {
    unsigned depth;     /* levels of children below the root (0: none) */
    unsigned max_items; /* items per container, and bytes/16 of strings */
};

enum objdec_kind {
    OBJDEC_CUT = 0,    /* left out (depth reached); printed "..." */
    OBJDEC_SMALL_INT,  /* ival */
    OBJDEC_QSTR,       /* an interned str: text */
    OBJDEC_NONE,
    OBJDEC_BOOL,       /* ival 0/1 */
    OBJDEC_SINGLETON,  /* Ellipsis, NotImplemented: text is its name */
    OBJDEC_FLOAT,      /* fbits (inline or boxed) */
    OBJDEC_INT,        /* big int: text is its decimal digits */
    OBJDEC_STR,        /* text/len (bytes as stored) */
    OBJDEC_BYTES,
    OBJDEC_BYTEARRAY,
    OBJDEC_ARRAY,      /* typecode, text holds the raw item bytes */
    OBJDEC_MEMORYVIEW,
    OBJDEC_LIST,       /* items */
    OBJDEC_TUPLE,
    OBJDEC_DICT,       /* items: key, value, key, value ... */
    OBJDEC_SET,
    OBJDEC_FROZENSET,
    OBJDEC_FUNCTION,   /* text: name (bytecode function) */
    OBJDEC_CLOSURE,
    OBJDEC_BOUND_METH,
    OBJDEC_GENERATOR,  /* text: its function's name */
    OBJDEC_CLASS,      /* a type object: text is its name */
    OBJDEC_INSTANCE,   /* instance of a user class */
    OBJDEC_MODULE,     /* text: __name__; file: __file__ or NULL */
    OBJDEC_OTHER,      /* any other type */
};

#define OBJDEC_MAX_FIELDS 6

/* A raw field of the object as it sits in memory. */
struct objdec_field {
    const char *name; /* static text: "alloc", "len", "items", ... */
    uint32_t value;
    int is_ptr;       /* printed "-> 0x..." */
    uint32_t off;     /* where it is stored: size bytes from the object's */
    uint32_t size;    /* address (several fields may share a word: a
                       * dict's used and flags); size 0 for a field that
                       * is not in memory (a tagged word's qstr) */
};

struct objdec_obj {
    enum objdec_kind kind;
    uint32_t word;         /* the object word decoded */
    uint32_t addr;         /* the object's address; 0 for tagged words */
    uint32_t hdr_len;      /* bytes read at addr for its fields: 16, or 8
                              for a small object at the end of readable
                              memory (fields past them read as 0) */
    uint32_t at;           /* a child: where its word is stored (its slot in
                              the parent's items, table or tuple); 0 for the
                              root */
    uint32_t type_addr;    /* 0 for tagged words */
    char type_name[128];   /* from the type's name qstr ("int" for small ints) */
    int has_print;         /* the type has a print function */
    int exact;             /* 0: the board's print function is not modelled
                              (the text is the generic form) */
    struct objdec_field fields[OBJDEC_MAX_FIELDS];
    size_t nfields;
    int32_t ival;
    uint32_t fbits;        /* IEEE single bits */
    char *text;            /* owned; NUL-terminated, may hold NULs (len) */
    size_t len;
    int text_cut;          /* text holds only the first len bytes */
    char *file;            /* module __file__ (owned) or NULL */
    char typecode;         /* array typecode */
    struct objdec_obj **items; /* owned children */
    size_t nitems;         /* entries in items (dict: 2 per pair) */
    size_t total;          /* elements the object really has */
    int items_cut;         /* more elements than shown */
};

/* Decode the object word into *out (free with objdec_free).  lim NULL
 * means the defaults (OBJDEC_DEFAULT_DEPTH, OBJDEC_DEFAULT_ITEMS).
 * Returns RC_OK, or a negative rc with one line in msg (*out NULL):
 * RC_PARSE for bytes that are no valid object, the memory reader's rc for
 * unreadable memory, RC_NOMEM, RC_ARG for a bad layout or limits. */
int objdec_decode(const struct objdec_layout *lay,
                  const struct frozen_mem *mem,
                  const struct objdec_qstr_ops *qs, uint32_t word,
                  const struct objdec_limits *lim, struct objdec_obj **out,
                  struct rc_msg *msg);

void objdec_free(struct objdec_obj *o);

/* The text repr() prints for o, malloc'd into *out (caller frees).
 * Parts left out are "...".  RC_NOMEM. */
int objdec_repr(const struct objdec_obj *o, const struct objdec_layout *lay,
                char **out, struct rc_msg *msg);

/* One JSON object for scripts: {"type":..,"addr":..,"word":..,"fields":{..},
 * "value": <repr text>, "exact": bool, "items":[..]}.  Malloc'd. */
int objdec_json(const struct objdec_obj *o, const struct objdec_layout *lay,
                char **out, struct rc_msg *msg);

/* repr() of the single float with these bits, as the layout's firmware
 * prints it, into buf (at least 32 bytes). */
void objdec_float_repr(uint32_t bits, const struct objdec_layout *lay,
                       char *buf, size_t size);

/* The float in a repr-C float word (bits, low two bits clear). */
uint32_t objdec_repr_c_float_bits(uint32_t word);

#endif
