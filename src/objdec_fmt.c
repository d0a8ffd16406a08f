/*
 * objdec_fmt.c: the text of a decoded object (repr as the board prints it,
 * and JSON for scripts).  Reads no memory: everything comes from the model.
 *
 * Follows the print functions of MicroPython: list_print, tuple_print
 * ("(1,)"), dict_print ("{k: v}", OrderedDict(...)), set_print ("set()",
 * "frozenset()", "frozenset({1})"), mp_str_print_quoted (quote choice,
 * escapes), array_print ("bytearray(b'..')", "array('i', [1, 2])"),
 * fun_bc_print ("<function f at 0x%p>"), gen_instance_print ("<generator
 * object 'g' at %p>"), instance_print ("<A object at %p>"), module_print,
 * type_print ("<class 'A'>") and mp_obj_print_helper's "<NAME>" for types
 * without a print function.  %p prints lower-case hex without 0x.
 */
#include "objdec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* v1.9-v1.12 with unicode: utf8_get_char / utf8_next_char of py/unicode.c
 * (a lead byte's marker bits cleared, then every continuation byte taken),
 * bounded by the string's end. */
static uint32_t utf8_char(const unsigned char *s, size_t n, size_t *i)
{
    uint32_t ord = s[(*i)++];
    if (ord < 0x80) {
        return ord;
    }
    ord &= 0x7f;
    for (uint32_t mask = 0x40; ord & mask; mask >>= 1) {
        ord &= ~mask;
    }
    while (*i < n && (s[*i] & 0xc0) == 0x80) {
        ord = ord << 6 | (s[(*i)++] & 0x3f);
    }
    return ord;
}

/* mp_str_print_quoted (bytes, and str in v1.19+: bytes >= 0x80 of a str
 * pass through) and uni_print_quoted (str in v1.9-v1.12 with unicode: by
 * code point, \xNN, \uNNNN, \UNNNNNNNN). */
static void quoted(struct buf *b, const struct objdec_layout *lay,
                   const unsigned char *s, size_t n, int is_bytes)
{
    int has_single = 0, has_double = 0;
    for (size_t i = 0; !has_double && i < n; i++) {
        if (s[i] == '\'') {
            has_single = 1;
        } else if (s[i] == '"') {
            has_double = 1;
        }
    }
    char q = has_single && !has_double ? '"' : '\'';
    int modern = lay->family == OBJDEC_FAMILY_SLOTS;
    int by_char = !modern && lay->unicode && !is_bytes;
    buf_add(b, &q, 1);
    for (size_t i = 0; i < n;) {
        size_t start = i;
        uint32_t c = by_char ? utf8_char(s, n, &i) : s[i++];
        if (c == (unsigned char)q) {
            buf_printf(b, "\\%c", q);
        } else if (c == '\\') {
            buf_addstr(b, "\\\\");
        } else if (c >= 0x20 && c < 0x7f) {
            buf_add(b, &s[start], 1);
        } else if (modern && c > 0x7f && !is_bytes) {
            buf_add(b, &s[start], 1); /* UTF-8 passes through */
        } else if (c == '\n') {
            buf_addstr(b, "\\n");
        } else if (c == '\r') {
            buf_addstr(b, "\\r");
        } else if (c == '\t') {
            buf_addstr(b, "\\t");
        } else if (c < 0x100) {
            buf_printf(b, "\\x%02" PRIx32, c);
        } else if (c < 0x10000) {
            buf_printf(b, "\\u%04" PRIx32, c);
        } else {
            buf_printf(b, "\\U%08" PRIx32, c);
        }
    }
    buf_add(b, &q, 1);
}

static void float_text(struct buf *b, uint32_t bits, const struct objdec_layout *lay)
{
    char t[48];
    objdec_float_repr(bits, lay, t, sizeof t);
    buf_addstr(b, t);
}

static uint64_t le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) {
        v = v << 8 | p[i];
    }
    return v;
}

/* One element of an array, as mp_binary_get_val_array makes it. */
static void array_item(struct buf *b, const struct objdec_obj *o, size_t i,
                       const struct objdec_layout *lay)
{
    const unsigned char *p = (const unsigned char *)o->text;
    switch (o->typecode) {
    case 'b': buf_printf(b, "%d", (int8_t)p[i]); break;
    case 'B': buf_printf(b, "%u", p[i]); break;
    case 'h': buf_printf(b, "%d", (int16_t)le(p + 2 * i, 2)); break;
    case 'H': buf_printf(b, "%u", (unsigned)le(p + 2 * i, 2)); break;
    case 'i':
    case 'l': buf_printf(b, "%" PRId32, (int32_t)le(p + 4 * i, 4)); break;
    case 'I':
    case 'L': buf_printf(b, "%" PRIu32, (uint32_t)le(p + 4 * i, 4)); break;
    case 'q': buf_printf(b, "%" PRId64, (int64_t)le(p + 8 * i, 8)); break;
    case 'Q': buf_printf(b, "%" PRIu64, le(p + 8 * i, 8)); break;
    case 'f':
    case 'd': {
        uint32_t bits;
        if (o->typecode == 'f') {
            bits = (uint32_t)le(p + 4 * i, 4);
        } else {
            uint64_t u = le(p + 8 * i, 8);
            double dv;
            float fv;
            memcpy(&dv, &u, sizeof dv);
            fv = (float)dv;
            memcpy(&bits, &fv, sizeof bits);
        }
        if (lay->repr == OBJDEC_REPR_C) {
            bits &= ~3u; /* mp_obj_new_float drops the low bits */
        }
        float_text(b, bits, lay);
        break;
    }
    default: buf_addstr(b, "?"); break;
    }
}

static unsigned item_size(char tc)
{
    switch (tc) {
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'l': case 'L': case 'f': return 4;
    case 'q': case 'Q': case 'd': return 8;
    default: return 1;
    }
}

static void repr(struct buf *b, const struct objdec_obj *o,
                 const struct objdec_layout *lay)
{
    size_t i;
    switch (o->kind) {
    case OBJDEC_CUT:
        buf_addstr(b, "...");
        break;
    case OBJDEC_SMALL_INT:
        buf_printf(b, "%" PRId32, o->ival);
        break;
    case OBJDEC_QSTR:
    case OBJDEC_STR:
        quoted(b, lay, (const unsigned char *)o->text, o->len, 0);
        if (o->text_cut) {
            buf_addstr(b, "...");
        }
        break;
    case OBJDEC_BYTES:
        buf_addstr(b, "b");
        quoted(b, lay, (const unsigned char *)o->text, o->len, 1);
        if (o->text_cut) {
            buf_addstr(b, "...");
        }
        break;
    case OBJDEC_NONE:
        buf_addstr(b, "None");
        break;
    case OBJDEC_BOOL:
        buf_addstr(b, o->ival ? "True" : "False");
        break;
    case OBJDEC_SINGLETON:
    case OBJDEC_INT:
        buf_addstr(b, o->text);
        break;
    case OBJDEC_FLOAT:
        float_text(b, o->fbits, lay);
        break;
    case OBJDEC_BYTEARRAY:
    case OBJDEC_ARRAY:
        if (o->kind == OBJDEC_BYTEARRAY || o->typecode == 1) {
            buf_addstr(b, "bytearray(b");
            quoted(b, lay, (const unsigned char *)o->text, o->len, 1);
            if (o->text_cut) {
                buf_addstr(b, "...");
            }
        } else {
            buf_printf(b, "array('%c'", o->typecode);
            if (o->total > 0) {
                size_t n = o->len / item_size(o->typecode);
                buf_addstr(b, ", [");
                for (i = 0; i < n; i++) {
                    if (i > 0) {
                        buf_addstr(b, ", ");
                    }
                    array_item(b, o, i, lay);
                }
                buf_addstr(b, o->text_cut ? ", ...]" : "]");
            }
        }
        buf_addstr(b, ")");
        break;
    case OBJDEC_MEMORYVIEW:
        buf_addstr(b, "<memoryview>");
        break;
    case OBJDEC_LIST:
    case OBJDEC_TUPLE:
        buf_addstr(b, o->kind == OBJDEC_LIST ? "[" : "(");
        for (i = 0; i < o->nitems; i++) {
            if (i > 0) {
                buf_addstr(b, ", ");
            }
            repr(b, o->items[i], lay);
        }
        if (o->items_cut) {
            buf_addstr(b, o->nitems ? ", ..." : "...");
        }
        if (o->kind == OBJDEC_TUPLE && o->total == 1) {
            buf_addstr(b, ",");
        }
        buf_addstr(b, o->kind == OBJDEC_LIST ? "]" : ")");
        break;
    case OBJDEC_DICT: {
        int ordered = strcmp(o->type_name, "OrderedDict") == 0;
        if (ordered) {
            buf_addstr(b, "OrderedDict(");
        }
        buf_addstr(b, "{");
        for (i = 0; i + 1 < o->nitems; i += 2) {
            if (i > 0) {
                buf_addstr(b, ", ");
            }
            repr(b, o->items[i], lay);
            buf_addstr(b, ": ");
            repr(b, o->items[i + 1], lay);
        }
        if (o->items_cut) {
            buf_addstr(b, o->nitems ? ", ..." : "...");
        }
        buf_addstr(b, ordered ? "})" : "}");
        break;
    }
    case OBJDEC_SET:
    case OBJDEC_FROZENSET: {
        int frozen = o->kind == OBJDEC_FROZENSET;
        if (o->total == 0) {
            buf_addstr(b, frozen ? "frozenset()" : "set()");
            break;
        }
        buf_addstr(b, frozen ? "frozenset({" : "{");
        for (i = 0; i < o->nitems; i++) {
            if (i > 0) {
                buf_addstr(b, ", ");
            }
            repr(b, o->items[i], lay);
        }
        if (o->items_cut) {
            buf_addstr(b, o->nitems ? ", ..." : "...");
        }
        buf_addstr(b, frozen ? "})" : "}");
        break;
    }
    case OBJDEC_FUNCTION:
        if (o->text != NULL) {
            buf_printf(b, "<function %s at 0x%" PRIx32 ">", o->text, o->addr);
        } else {
            buf_addstr(b, "<function>");
        }
        break;
    case OBJDEC_GENERATOR:
        if (o->text != NULL) {
            buf_printf(b, "<generator object '%s' at %" PRIx32 ">", o->text, o->addr);
        } else {
            buf_addstr(b, "<generator>");
        }
        break;
    case OBJDEC_CLASS:
        buf_printf(b, "<class '%s'>", o->text);
        break;
    case OBJDEC_MODULE:
        if (o->file != NULL) {
            buf_printf(b, "<module '%s' from '%s'>", o->text, o->file);
        } else {
            buf_printf(b, "<module '%s'>", o->text);
        }
        break;
    case OBJDEC_INSTANCE:
        buf_printf(b, "<%s object at %" PRIx32 ">", o->type_name, o->addr);
        break;
    case OBJDEC_CLOSURE:
    case OBJDEC_BOUND_METH:
    case OBJDEC_OTHER:
    default:
        if (o->has_print) {
            buf_printf(b, "<%s object at %" PRIx32 ">", o->type_name, o->addr);
        } else {
            buf_printf(b, "<%s>", o->type_name);
        }
        break;
    }
}

/* The text made by fn into a malloc'd string (*out), or RC_NOMEM naming
 * what it was. */
static int made(void (*fn)(struct buf *, const struct objdec_obj *,
                           const struct objdec_layout *),
                const struct objdec_obj *o, const struct objdec_layout *lay,
                const char *what, char **out, struct rc_msg *msg)
{
    struct buf b;
    buf_init(&b);
    *out = NULL;
    fn(&b, o, lay);
    if (buf_check(&b, msg, what) == RC_OK) {
        *out = strdup(buf_str(&b));
    }
    int failed = buf_failed(&b) || *out == NULL;
    buf_fini(&b);
    if (failed) {
        return rc_set(msg, RC_NOMEM, "out of memory for the %s", what);
    }
    return RC_OK;
}

int objdec_repr(const struct objdec_obj *o, const struct objdec_layout *lay,
                char **out, struct rc_msg *msg)
{
    return made(repr, o, lay, "object text", out, msg);
}

/* All parts printed exactly as the board would (nothing cut, every print
 * function modelled). */
static int all_exact(const struct objdec_obj *o, const struct objdec_layout *lay)
{
    if (!o->exact || o->kind == OBJDEC_CUT || o->items_cut || o->text_cut) {
        return 0;
    }
    if (lay->float_text == OBJDEC_FLOAT_UNKNOWN &&
        (o->kind == OBJDEC_FLOAT || (o->kind == OBJDEC_ARRAY &&
                                     (o->typecode == 'f' || o->typecode == 'd')))) {
        return 0;
    }
    for (size_t i = 0; i < o->nitems; i++) {
        if (!all_exact(o->items[i], lay)) {
            return 0;
        }
    }
    return 1;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), else 0. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            return 0;
        }
    }
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)) {
        return 0; /* overlong, surrogate or beyond U+10FFFF */
    }
    return len;
}

/* A JSON string: valid UTF-8 as it is, other bytes >= 0x80 as the code
 * point of the same value (\u00NN), controls escaped. */
static void json_str(struct buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    buf_addstr(b, "\"");
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t u = c >= 0x80 ? utf8_valid(s + i, n - i) : 0;
        if (u > 0) {
            buf_add(b, s + i, u);
            i += u;
            continue;
        }
        if (c == '"' || c == '\\') {
            buf_printf(b, "\\%c", c);
        } else if (c < 0x20 || c >= 0x7f) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_add(b, &c, 1);
        }
        i++;
    }
    buf_addstr(b, "\"");
}

static void json(struct buf *b, const struct objdec_obj *o,
                 const struct objdec_layout *lay)
{
    struct buf r;
    buf_init(&r);
    repr(&r, o, lay);
    buf_addstr(b, "{\"type\":");
    if (o->kind == OBJDEC_CUT) {
        buf_addstr(b, "null");
    } else {
        json_str(b, o->type_name, strlen(o->type_name));
    }
    buf_printf(b, ",\"word\":\"0x%08" PRIx32 "\"", o->word);
    if (o->addr != 0) {
        buf_printf(b, ",\"addr\":\"0x%08" PRIx32 "\",\"type_addr\":\"0x%08" PRIx32 "\"",
                   o->addr, o->type_addr);
    }
    if (o->nfields > 0) {
        buf_addstr(b, ",\"fields\":{");
        for (size_t i = 0; i < o->nfields; i++) {
            buf_printf(b, "%s\"%s\":", i ? "," : "", o->fields[i].name);
            if (o->fields[i].is_ptr) {
                buf_printf(b, "\"0x%08" PRIx32 "\"", o->fields[i].value);
            } else {
                buf_printf(b, "%" PRIu32, o->fields[i].value);
            }
        }
        buf_addstr(b, "}");
    }
    buf_addstr(b, ",\"value\":");
    if (buf_failed(&r)) {
        buf_set_failed(b);
    } else {
        json_str(b, buf_str(&r), r.len);
    }
    buf_fini(&r);
    buf_printf(b, ",\"exact\":%s", all_exact(o, lay) ? "true" : "false");
    if (o->nitems > 0) {
        buf_addstr(b, ",\"items\":[");
        for (size_t i = 0; i < o->nitems; i++) {
            if (i > 0) {
                buf_addstr(b, ",");
            }
            json(b, o->items[i], lay);
        }
        buf_addstr(b, "]");
    }
    buf_addstr(b, "}");
}

int objdec_json(const struct objdec_obj *o, const struct objdec_layout *lay,
                char **out, struct rc_msg *msg)
{
    return made(json, o, lay, "object JSON", out, msg);
}
