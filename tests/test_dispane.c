/*
 * test_dispane.c: the disassembly pane's model on hand-built v1.19+
 * bytecode: which instruction covers an address, the spans outlined on
 * the hex rows, where Enter goes (a jump's target, a child's code).
 */
#include "dispane.h"

#include <string.h>

#include "harness.h"

#define BASE 0x1000u
static uint8_t g_mem[0x600];
static uint32_t g_len_main = 11;

static int mem_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                    struct rc_msg *msg)
{
    (void)ctx;
    if (addr < BASE || (uint64_t)addr - BASE + len > sizeof g_mem) {
        return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
    }
    memcpy(out, g_mem + (addr - BASE), len);
    return RC_OK;
}

static uint32_t mem_len(void *ctx, uint32_t addr, int *exact)
{
    (void)ctx;
    *exact = 1;
    return addr == 0x1100 ? g_len_main : addr == 0x1400 ? 5 : 0;
}

static void put32(uint32_t addr, uint32_t v)
{
    uint8_t *p = g_mem + (addr - BASE);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Raw code 0x1000 -> fun_data 0x1100, children 0x1080 -> [0x1400]:
 *   0x1103 LOAD_CONST_NONE
 *   0x1104 POP_JUMP_IF_FALSE +2 (to 0x1108)
 *   0x1106 MAKE_FUNCTION 0 (the child at 0x1400, code at 0x1403)
 *   0x1108 POP_TOP
 *   0x1109 LOAD_CONST_NONE
 *   0x110a RETURN_VALUE */
static int load(struct bc_prog *prog, struct rc_msg *m)
{
    memset(g_mem, 0, sizeof g_mem);
    put32(0x1000, 0x00020000u);
    put32(0x1004, 0x1100);
    put32(0x1008, 0x1080);
    put32(0x1080, 0x1400);
    g_mem[0x1500 - BASE] = 10; /* qstr table: [0] = 10 */
    static const uint8_t code[] = {0x18, 0x02, 0x00, 0x51, 0x44, 0x42, 0x32, 0x00,
                                   0x59, 0x51, 0x63};
    memcpy(g_mem + 0x100, code, sizeof code);
    static const uint8_t child[] = {0x18, 0x02, 0x00, 0x51, 0x63};
    memcpy(g_mem + 0x400, child, sizeof child);
    static struct frozen_mem mem = {mem_read, NULL};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = BC_FMT_V6;
    src.proto_fun = 1;
    src.qstr_table = 0x1500;
    src.nqstr = 1;
    src.len_of = mem_len;
    memset(prog, 0, sizeof *prog);
    return bc_load_proto(&src, 0x1000, prog, m);
}

TEST(which_instruction_covers_an_address)
{
    struct bc_prog p;
    struct rc_msg m = {{0}};
    g_len_main = 11;
    CHECK_EQ_INT(load(&p, &m), RC_OK);
    CHECK_EQ_INT((int)p.n, 2);
    CHECK_EQ_INT((int)p.f[0].ninsns, 6);
    size_t fun = 99, insn = 99;
    CHECK_EQ_INT(dispane_locate(&p, 0x1101, &fun, &insn), DISPANE_PRELUDE);
    CHECK_EQ_INT((int)fun, 0);
    CHECK_EQ_INT(dispane_locate(&p, 0x1105, &fun, &insn), DISPANE_INSN);
    CHECK_EQ_INT((int)fun, 0);
    CHECK_EQ_INT((int)insn, 1);
    CHECK_STR(p.f[0].insns[insn].name, "POP_JUMP_IF_FALSE");
    CHECK_EQ_INT(dispane_insn_addr(&p, fun, insn), 0x1104);
    CHECK_EQ_INT(dispane_locate(&p, 0x110a, &fun, &insn), DISPANE_INSN);
    CHECK_EQ_INT((int)insn, 5);
    CHECK_EQ_INT(dispane_locate(&p, 0x1403, &fun, &insn), DISPANE_INSN);
    CHECK_EQ_INT((int)fun, 1);
    CHECK_EQ_INT((int)insn, 0);
    fun = 99;
    CHECK_EQ_INT(dispane_locate(&p, 0x110b, &fun, &insn), DISPANE_NONE);
    CHECK_EQ_INT((int)fun, 99);
    CHECK_EQ_INT(dispane_locate(&p, 0x1000, &fun, &insn), DISPANE_NONE);
    CHECK_EQ_INT(dispane_insn_addr(&p, 0, 6), 0);
    bc_prog_free(&p);
    /* a byte past the last instruction that does not decode */
    g_len_main = 12;
    g_mem[0x10b] = 0;
    CHECK_EQ_INT(load(&p, &m), RC_OK);
    CHECK_EQ_INT(dispane_locate(&p, 0x110b, &fun, &insn), DISPANE_TAIL);
    CHECK_EQ_INT((int)fun, 0);
    bc_prog_free(&p);
    g_len_main = 11;
}

TEST(outline_spans)
{
    struct bc_prog p;
    struct rc_msg m = {{0}};
    CHECK_EQ_INT(load(&p, &m), RC_OK);
    struct dispane_hl h;
    dispane_outline(&p, 0, 1, &h); /* the jump: itself and its target */
    CHECK_EQ_INT((int)h.n, 2);
    const struct dispane_span *s = dispane_hl_at(&h, 0x1105);
    CHECK(s != NULL && s->part == DISPANE_HL_INSN && s->addr == 0x1104 && s->len == 2);
    s = dispane_hl_at(&h, 0x1108);
    CHECK(s != NULL && s->part == DISPANE_HL_TARGET && s->len == 1);
    CHECK(dispane_hl_at(&h, 0x1106) == NULL);
    CHECK(dispane_hl_at(&h, 0x1103) == NULL);
    dispane_outline(&p, 0, 2, &h); /* MAKE_FUNCTION: its two bytes */
    CHECK_EQ_INT((int)h.n, 1);
    CHECK(dispane_hl_at(&h, 0x1107) != NULL && dispane_hl_at(&h, 0x1108) == NULL);
    dispane_outline(&p, 0, 6, &h); /* no such instruction */
    CHECK_EQ_INT((int)h.n, 0);
    dispane_outline(&p, 5, 0, &h);
    CHECK_EQ_INT((int)h.n, 0);
    bc_prog_free(&p);
}

TEST(following_a_jump_and_a_child)
{
    struct bc_prog p;
    struct rc_msg m = {{0}};
    CHECK_EQ_INT(load(&p, &m), RC_OK);
    uint32_t to = 0;
    CHECK_EQ_INT(dispane_follow(&p, 0, 1, &to, &m), RC_OK);
    CHECK_EQ_INT(to, 0x1108);
    CHECK_EQ_INT(dispane_follow(&p, 0, 2, &to, &m), RC_OK);
    CHECK_EQ_INT(to, 0x1403); /* the child's first instruction, past its prelude */
    CHECK_EQ_INT(dispane_follow(&p, 0, 0, &to, &m), RC_ARG);
    CHECK(strstr(m.text, "LOAD_CONST_NONE is no jump") != NULL);
    CHECK_EQ_INT(dispane_follow(&p, 0, 9, &to, &m), RC_ARG);
    /* a child that did not decode: Enter goes to its bytes */
    p.f[1].have_prelude = 0;
    CHECK_EQ_INT(dispane_follow(&p, 0, 2, &to, &m), RC_OK);
    CHECK_EQ_INT(to, 0x1400);
    bc_prog_free(&p);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(which_instruction_covers_an_address);
    RUN(outline_spans);
    RUN(following_a_jump_and_a_child);
    return harness_done("dispane");
}
