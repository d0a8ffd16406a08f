/*
 * dispane.c: the disassembly pane's model (see dispane.h).
 */
#include "dispane.h"

static int machine(const struct bc_fun *f)
{
    return f->kind == BC_KIND_NATIVE || f->kind == BC_KIND_VIPER || f->kind == BC_KIND_ASM ||
           f->kind == BC_KIND_VIPER_OR_ASM;
}

enum dispane_where dispane_locate(const struct bc_prog *p, uint32_t addr, size_t *fun,
                                  size_t *insn)
{
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        const struct bc_fun *f = &p->f[i];
        if (f->bytes == NULL || f->len == 0 || addr < f->fun_data ||
            (uint64_t)addr >= (uint64_t)f->fun_data + f->len) {
            continue;
        }
        uint32_t off = addr - f->fun_data;
        *fun = i;
        if (machine(f)) {
            return DISPANE_MACHINE;
        }
        /* Instructions are in offset order: a binary search. */
        size_t lo = 0, hi = f->ninsns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const struct bc_insn *in = &f->insns[mid];
            if (off < in->off) {
                hi = mid;
            } else if (off >= in->off + in->len) {
                lo = mid + 1;
            } else {
                *insn = mid;
                return DISPANE_INSN;
            }
        }
        if (!f->have_prelude || off < f->pre.code_at) {
            return DISPANE_PRELUDE;
        }
        return DISPANE_TAIL;
    }
    return DISPANE_NONE;
}

uint32_t dispane_insn_addr(const struct bc_prog *p, size_t fun, size_t insn)
{
    if (fun >= p->n || insn >= p->f[fun].ninsns) {
        return 0;
    }
    return p->f[fun].fun_data + p->f[fun].insns[insn].off;
}

static void add(struct dispane_hl *h, uint64_t addr, uint64_t len, int part)
{
    if (h->n >= sizeof h->span / sizeof h->span[0] || len == 0 ||
        addr + len > 0x100000000ULL) {
        return;
    }
    h->span[h->n].addr = (uint32_t)addr;
    h->span[h->n].len = (uint32_t)len;
    h->span[h->n].part = part;
    h->n++;
}

/* The instruction of f starting at offset off, or NULL. */
static const struct bc_insn *insn_at_off(const struct bc_fun *f, uint32_t off)
{
    size_t lo = 0, hi = f->ninsns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->insns[mid].off == off) {
            return &f->insns[mid];
        }
        if (f->insns[mid].off < off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

void dispane_outline(const struct bc_prog *p, size_t fun, size_t insn, struct dispane_hl *out)
{
    out->n = 0;
    if (p == NULL || fun >= p->n || insn >= p->f[fun].ninsns) {
        return;
    }
    const struct bc_fun *f = &p->f[fun];
    const struct bc_insn *in = &f->insns[insn];
    add(out, (uint64_t)f->fun_data + in->off, in->len, DISPANE_HL_INSN);
    if (in->argk == BC_A_JUMP) {
        const struct bc_insn *to = insn_at_off(f, in->target);
        if (to != NULL) {
            add(out, (uint64_t)f->fun_data + to->off, to->len, DISPANE_HL_TARGET);
        }
    }
}

const struct dispane_span *dispane_hl_at(const struct dispane_hl *h, uint32_t addr)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct dispane_span *s = &h->span[i];
        if (addr >= s->addr && (uint64_t)addr < (uint64_t)s->addr + s->len) {
            return s;
        }
    }
    return NULL;
}

int dispane_follow(const struct bc_prog *p, size_t fun, size_t insn, uint32_t *to,
                   struct rc_msg *msg)
{
    if (p == NULL || fun >= p->n || insn >= p->f[fun].ninsns) {
        return rc_set(msg, RC_ARG, "no instruction selected");
    }
    const struct bc_fun *f = &p->f[fun];
    const struct bc_insn *in = &f->insns[insn];
    if (in->argk == BC_A_JUMP) {
        if ((uint64_t)f->fun_data + in->target > 0xffffffffULL) {
            return rc_set(msg, RC_ARG, "%s goes past the end of memory", in->name);
        }
        *to = f->fun_data + in->target;
        return RC_OK;
    }
    if (in->argk == BC_A_CHILD) {
        if (in->child >= 0 && (size_t)in->child < p->n) {
            const struct bc_fun *c = &p->f[in->child];
            *to = c->have_prelude && c->ninsns > 0 ? c->fun_data + c->insns[0].off
                                                   : c->fun_data;
            return RC_OK;
        }
        if (in->have_value) {
            *to = in->value;
            return RC_OK;
        }
        return rc_set(msg, RC_ARG, "%s: its child is not readable", in->name);
    }
    return rc_set(msg, RC_ARG, "%s is no jump and makes no function: Enter follows "
                  "jumps and MAKE_FUNCTION", in->name);
}
