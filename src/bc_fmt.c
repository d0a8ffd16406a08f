/*
 * bc_fmt.c: the listing of a decoded bytecode program (see bc_fmt.h).
 *
 * Instruction names and the first argument are those mpy-tool.py -d
 * prints (its Opcode.mapping: "LOAD_FAST 3", "BINARY_OP 27 __add__", a
 * qstr argument as the name); the rest is what the argument means.
 */
#include "bc_fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "nativedis.h"

#define QMAX 200

static void qname(const struct bc_names *nm, int have, uint32_t q, uint32_t idx,
                  char *out, size_t size)
{
    char t[QMAX];
    if (have && nm != NULL && nm->qstr != NULL && nm->qstr(nm->ctx, q, t, sizeof t)) {
        fmt_esc(t, out, size);
    } else if (have) {
        snprintf(out, size, "qstr#%u", q);
    } else {
        snprintf(out, size, "[%u]", idx);
    }
}

/* A str as Python writes its literal: '...' with \\, \', \n, \xNN. */
static void pylit(const char *s, char *out, size_t size)
{
    size_t o = 0;
    out[o++] = '\'';
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 6 < size; p++) {
        if (*p == '\\' || *p == '\'') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o++] = '\'';
    out[o] = 0;
}

static const char *fun_name(const struct bc_prog *p, int i, const struct bc_names *nm,
                            char *buf, size_t size)
{
    if (i < 0 || (size_t)i >= p->n) {
        snprintf(buf, size, "?");
        return buf;
    }
    const struct bc_fun *f = &p->f[i];
    if (!f->have_prelude) {
        snprintf(buf, size, "(%s code)", bc_kind_name(f->kind));
        return buf;
    }
    qname(nm, f->have_names, f->simple_name, f->pre.names[0], buf, size);
    return buf;
}

/* The instruction as mpy-tool names it, then what its argument means. */
static int insn_text(const struct bc_prog *p, const struct bc_fun *f,
                     const struct bc_insn *in, const struct bc_names *nm,
                     struct buf *b)
{
    char t[QMAX + 40], u[QMAX + 40];
    buf_addstr(b, in->name);
    switch (in->argk) {
    case BC_A_QSTR:
        qname(nm, in->have_value, in->value, (uint32_t)in->arg, t, sizeof t);
        if (strcmp(in->name, "LOAD_CONST_STRING") == 0 && in->have_value) {
            char raw[QMAX];
            if (nm != NULL && nm->qstr != NULL && nm->qstr(nm->ctx, in->value, raw, sizeof raw)) {
                pylit(raw, u, sizeof u);
                buf_printf(b, " %s", u);
                break;
            }
        }
        buf_printf(b, " %s", t);
        break;
    case BC_A_UINT:
    case BC_A_SINT:
    case BC_A_MULTI:
        buf_printf(b, " %" PRId64, in->arg);
        if (in->opname != NULL) {
            buf_printf(b, " %s", in->opname);
        }
        break;
    case BC_A_OBJ: {
        char *lit = NULL;
        int ok = in->have_value && nm != NULL && nm->obj != NULL &&
                 nm->obj(nm->ctx, in->value, &lit);
        if (ok) {
            buf_printf(b, " %s", lit);
        } else if (in->arg >= 0) {
            buf_printf(b, " %" PRId64, in->arg);
        } else {
            buf_printf(b, " 0x%08x", in->value);
        }
        if (in->have_value && in->arg < 0) {
            buf_printf(b, "  ; object 0x%08x%s%s", in->value, !ok && lit ? ": " : "",
                       !ok && lit ? lit : "");
        } else if (in->have_value) {
            buf_printf(b, "  ; obj[%" PRId64 "] 0x%08x%s%s", in->arg, in->value,
                       !ok && lit ? ": " : "", !ok && lit ? lit : "");
        } else {
            buf_printf(b, "  ; obj[%" PRId64 "] not in the object table", in->arg);
        }
        free(lit);
        break;
    }
    case BC_A_JUMP:
        if (in->label != 0) {
            buf_printf(b, " L%u", in->label);
        } else {
            buf_printf(b, " %+" PRId64, in->arg);
        }
        buf_printf(b, " (0x%08x)", f->fun_data + in->target);
        if (in->label == 0) {
            buf_addstr(b, "  ; not the start of an instruction");
        }
        if (in->has_extra) {
            buf_printf(b, " unwind=%u%s", in->extra & 0x7f,
                       in->extra & 0x80 ? " pop_iter" : "");
        }
        break;
    case BC_A_CALL:
        buf_printf(b, " n_args=%u n_kw=%u", (unsigned)(in->arg & 0xff),
                   (unsigned)((in->arg >> 8) & 0xff));
        break;
    case BC_A_CHILD:
        if (in->arg >= 0) {
            buf_printf(b, " %" PRId64, in->arg);
        } else {
            buf_printf(b, " 0x%08x", in->value);
        }
        if (in->has_extra) {
            buf_printf(b, " n_closed=%u", in->extra);
        }
        if (in->child >= 0) {
            buf_printf(b, "  ; %s at 0x%08x", fun_name(p, in->child, nm, t, sizeof t),
                       in->value);
        } else if (in->have_value) {
            buf_printf(b, "  ; child at 0x%08x", in->value);
        } else {
            buf_addstr(b, "  ; child not readable");
        }
        break;
    default:
        break;
    }
    return buf_failed(b) ? RC_NOMEM : RC_OK;
}

static void hexbytes(const uint8_t *p, size_t n, char *out, size_t size)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && o + 4 < size; i++) {
        o += (size_t)snprintf(out + o, size - o, "%s%02x", i ? " " : "", p[i]);
    }
}

static void header(const struct bc_prog *p, size_t i, const struct bc_names *nm,
                   struct buf *b)
{
    const struct bc_fun *f = &p->f[i];
    char t[QMAX + 40], u[QMAX + 40];
    buf_printf(b, "%sfunction %s", i ? "\n" : "", fun_name(p, (int)i, nm, t, sizeof t));
    if (f->have_prelude && f->have_names) {
        qname(nm, 1, f->source_file, 0, u, sizeof u);
        buf_printf(b, "  (file %s)", u);
    }
    buf_addstr(b, "\n");
    if (f->parent >= 0) {
        buf_printf(b, "  parent    %s, child %u\n", fun_name(p, f->parent, nm, t, sizeof t),
                   f->child_index);
    }
    if (f->addr != f->fun_data) {
        buf_printf(b, "  address   0x%08x (raw code), fun_data 0x%08x", f->addr, f->fun_data);
    } else {
        buf_printf(b, "  address   0x%08x (fun_data)", f->fun_data);
    }
    if (f->len > 0) {
        buf_printf(b, ", %u bytes%s", f->len, f->len_known ? "" : " read");
    }
    buf_addstr(b, "\n");
    buf_printf(b, "  kind      %s%s\n", bc_kind_name(f->kind),
               f->generator == 1 ? ", generator" : "");
    if (f->have_prelude) {
        const struct bc_prelude *pr = &f->pre;
        buf_printf(b, "  prelude   n_state=%u n_exc_stack=%u scope_flags=0x%02x "
                   "n_pos_args=%u n_kwonly_args=%u n_def_pos_args=%u "
                   "(n_info=%u n_cell=%u)\n", pr->n_state, pr->n_exc_stack,
                   pr->scope_flags, pr->n_pos_args, pr->n_kwonly_args,
                   pr->n_def_pos_args, pr->n_info, pr->n_cell);
        buf_addstr(b, "  args      ");
        if (pr->nnames <= 1) {
            buf_addstr(b, "(none)");
        }
        for (uint32_t k = 1; k < pr->nnames; k++) {
            qname(nm, f->have_names, f->arg_qstr[k - 1], pr->names[k], t, sizeof t);
            buf_printf(b, "%s%s%s", k > 1 ? ", " : "",
                       k == 1 + pr->n_pos_args ? "*, " : "", t);
        }
        buf_addstr(b, "\n");
        if (pr->n_cell > 0) {
            buf_addstr(b, "  cells    ");
            for (uint32_t k = 0; k < pr->n_cell; k++) {
                buf_printf(b, " %u", f->bytes[pr->closure_at + k]);
            }
            buf_addstr(b, "\n");
        }
        buf_addstr(b, "  lines    ");
        for (size_t k = 0; k < f->nlines; k++) {
            buf_printf(b, " 0x%08x:%u", f->fun_data + f->lines[k].off, f->lines[k].line);
        }
        buf_addstr(b, "\n");
    }
}

int bc_fmt_text(const struct bc_prog *p, const struct bc_names *nm, struct buf *b)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct bc_fun *f = &p->f[i];
        header(p, i, nm, b);
        uint32_t last = 0;
        for (size_t k = 0; k < f->ninsns; k++) {
            const struct bc_insn *in = &f->insns[k];
            char hx[64], ln[16] = "", lb[16] = "";
            hexbytes(f->bytes + in->off, in->len, hx, sizeof hx);
            if (in->line != last) {
                snprintf(ln, sizeof ln, "%u", in->line);
                last = in->line;
            }
            if (in->is_label) {
                snprintf(lb, sizeof lb, "L%u:", in->is_label);
            }
            buf_printf(b, "%5s  0x%08x  %-20s %-5s ", ln, f->fun_data + in->off, hx, lb);
            if (insn_text(p, f, in, nm, b) != RC_OK) {
                return RC_NOMEM;
            }
            buf_addstr(b, "\n");
        }
        if (f->kind != BC_KIND_BYTECODE && f->bytes != NULL && f->code_end > 0) {
            buf_printf(b, "  machine code, Thumb (data the emitter put after the code, "
                       "such as the prelude, shows as instructions too):\n");
            if (nativedis_thumb(f->bytes, f->code_end, f->fun_data, p->native_table, b) ==
                RC_UNSUPP) {
                buf_addstr(b, "  not disassembled: capstone could not be opened\n");
            }
        }
        if (f->npad > 0) {
            buf_printf(b, "       0x%08x  (%u zero bytes to the end of the heap block)\n",
                       f->fun_data + f->code_end, f->npad);
        }
        if (f->err[0]) {
            buf_printf(b, "  not decoded: %s\n", f->err);
        }
    }
    if (p->truncated) {
        buf_printf(b, "\n(more than %u functions: the rest is left out)\n", BC_MAX_FUNS);
    }
    return buf_failed(b) ? RC_NOMEM : RC_OK;
}

int bc_fmt_json(const struct bc_prog *p, const struct bc_names *nm, struct buf *b)
{
    char t[QMAX + 40];
    buf_printf(b, "{\"format\": \"%s\", \"functions\": [",
               p->fmt == BC_FMT_V6 ? "v6 (MicroPython 1.19+)"
               : p->fmt == BC_FMT_V5 || p->fmt == BC_FMT_V5_PC ? "v5 (MicroPython 1.12-1.18)"
                                                                : "MicroPython 1.9-1.11");
    for (size_t i = 0; i < p->n; i++) {
        const struct bc_fun *f = &p->f[i];
        buf_printf(b, "%s\n {\"name\": ", i ? "," : "");
        fmt_json_str(b, fun_name(p, (int)i, nm, t, sizeof t));
        buf_printf(b, ", \"address\": %u, \"fun_data\": %u, \"length\": %u, \"kind\": \"%s\", "
                   "\"parent\": %d, \"depth\": %u", f->addr, f->fun_data, f->len,
                   bc_kind_name(f->kind), f->parent, f->depth);
        if (f->have_prelude && f->have_names) {
            buf_addstr(b, ", \"file\": ");
            qname(nm, 1, f->source_file, 0, t, sizeof t);
            fmt_json_str(b, t);
        }
        if (f->have_prelude) {
            const struct bc_prelude *pr = &f->pre;
            buf_printf(b, ", \"prelude\": {\"n_state\": %u, \"n_exc_stack\": %u, "
                       "\"scope_flags\": %u, \"n_pos_args\": %u, \"n_kwonly_args\": %u, "
                       "\"n_def_pos_args\": %u}, \"args\": [", pr->n_state, pr->n_exc_stack,
                       pr->scope_flags, pr->n_pos_args, pr->n_kwonly_args, pr->n_def_pos_args);
            for (uint32_t k = 1; k < pr->nnames; k++) {
                qname(nm, f->have_names, f->arg_qstr[k - 1], pr->names[k], t, sizeof t);
                buf_addstr(b, k > 1 ? ", " : "");
                fmt_json_str(b, t);
            }
            buf_addstr(b, "], \"lines\": [");
            for (size_t k = 0; k < f->nlines; k++) {
                buf_printf(b, "%s[%u, %u]", k ? ", " : "", f->fun_data + f->lines[k].off,
                           f->lines[k].line);
            }
            buf_addstr(b, "]");
        }
        if (f->kind != BC_KIND_BYTECODE && f->bytes != NULL) {
            buf_addstr(b, ", \"machine_code\": \"");
            for (uint32_t k = 0; k < f->code_end && k < f->len; k++) {
                buf_printf(b, "%02x", f->bytes[k]);
            }
            buf_addstr(b, "\"");
        }
        buf_addstr(b, ", \"insns\": [");
        for (size_t k = 0; k < f->ninsns; k++) {
            const struct bc_insn *in = &f->insns[k];
            char hx[64];
            hexbytes(f->bytes + in->off, in->len, hx, sizeof hx);
            buf_printf(b, "%s\n  {\"address\": %u, \"bytes\": \"%s\", \"op\": \"%s\", "
                       "\"line\": %u, \"text\": ", k ? "," : "", f->fun_data + in->off, hx,
                       in->name, in->line);
            struct buf one;
            buf_init(&one);
            if (insn_text(p, f, in, nm, &one) != RC_OK) {
                buf_fini(&one);
                return RC_NOMEM;
            }
            fmt_json_str(b, buf_str(&one));
            buf_fini(&one);
            if (in->argk == BC_A_JUMP) {
                buf_printf(b, ", \"target\": %u", f->fun_data + in->target);
            }
            buf_addstr(b, "}");
        }
        buf_addstr(b, "]");
        if (f->err[0]) {
            buf_addstr(b, ", \"error\": ");
            fmt_json_str(b, f->err);
        }
        buf_addstr(b, "}");
    }
    buf_addstr(b, "\n]}\n");
    return buf_failed(b) ? RC_NOMEM : RC_OK;
}

int bc_fmt_insn(const struct bc_prog *p, const struct bc_fun *f, const struct bc_insn *in,
                const struct bc_names *nm, struct buf *out)
{
    return insn_text(p, f, in, nm, out);
}
