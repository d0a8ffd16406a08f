/*
 * test_discover.c: turning what a board prints into regions and notes
 * (captured and documented outputs of each port's discovery snippet).
 */
#include "discover.h"
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const struct rmap_region *find(const struct rmap *m, const char *name)
{
    for (size_t i = 0; i < rmap_count(m); i++) {
        if (strcmp(rmap_get(m, i)->name, name) == 0) {
            return rmap_get(m, i);
        }
    }
    return NULL;
}

static int has_note(const struct rmap *m, const char *text)
{
    for (size_t i = 0; i < rmap_note_count(m); i++) {
        if (strstr(rmap_note_text(m, i), text) != NULL) {
            return 1;
        }
    }
    return 0;
}

TEST(ficr_qemu_values)
{
    /* QEMU's nRF51: CODEPAGESIZE 0x400, CODESIZE 0x100, RAM fields
     * 0xFFFFFFFF (machine.mem32 prints them signed). */
    struct rmap *m;
    rmap_new(&m);
    discover_apply_ficr(m, "ficr=1024,256,-1,-1\r\n");
    rmap_finish(m);
    const struct rmap_region *f = find(m, "flash");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK_EQ_INT(f->start, 0);
        CHECK_EQ_INT(f->end, 0x40000);
        CHECK_EQ_INT(f->source, RMAP_S_BOARD);
        CHECK(strstr(f->notes, "CODESIZE 256 pages x CODEPAGESIZE 1024") != NULL);
    }
    CHECK(find(m, "ram") == NULL);
    CHECK(has_note(m, "NUMRAMBLOCK=0xffffffff, SIZERAMBLOCKS=0xffffffff: implausible, not used"));
    rmap_free(m);
}

TEST(ficr_real_values)
{
    struct rmap *m;
    rmap_new(&m);
    discover_apply_ficr(m, "ficr=1024,256,4,4096\r\n");
    rmap_finish(m);
    const struct rmap_region *r = find(m, "ram");
    CHECK(r != NULL && r->start == 0x20000000 && r->end == 0x20004000);
    rmap_free(m);
    rmap_new(&m);
    discover_apply_ficr(m, "garbage");
    CHECK(has_note(m, "FICR could not be read"));
    rmap_free(m);
}

TEST(esp8266)
{
    struct rmap *m;
    rmap_new(&m);
    discover_apply_esp8266(m, "flash_size=4194304\r\nuser_start=1048576\r\nfs=256,4096,763\r\n");
    rmap_finish(m);
    const struct rmap_region *fw = find(m, "firmware");
    CHECK(fw != NULL && fw->start == 0x40200000 && fw->end == 0x40300000);
    CHECK(fw != NULL && fw->access == RMAP_ACC_WORD);
    CHECK(find(m, "filesystem") == NULL); /* beyond the mapped 1 MiB */
    CHECK(has_note(m, "flash chip: 4 MiB"));
    CHECK(has_note(m, "at flash offset 0x100000, beyond the memory-mapped"));
    rmap_free(m);
    /* The 1 MiB build: filesystem inside the mapped window. */
    rmap_new(&m);
    discover_apply_esp8266(m, "flash_size=1048576\r\nuser_start=622592\r\nfs=153,4096,98\r\n");
    rmap_finish(m);
    const struct rmap_region *fs = find(m, "filesystem");
    CHECK(fs != NULL && fs->start == 0x40299000 && fs->end == 0x40299000 + 98 * 4096);
    rmap_free(m);
    rmap_new(&m);
    discover_apply_esp8266(m, "flash_size=524288\r\nuser_start=503808\r\nfs=none\r\n");
    CHECK(has_note(m, "no flash filesystem"));
    rmap_free(m);
}

TEST(esp32_partitions)
{
    struct rmap *m;
    rmap_new(&m);
    discover_apply_esp32(m,
        "part=0,0,65536,2031616,0,factory\r\n"
        "part=1,1,36864,24576,0,nvs\r\n"
        "part=1,1,61440,4096,0,phy_init\r\n"
        "part=1,129,2097152,2097152,0,vfs\r\n"
        "flash_size=4194304\r\n");
    CHECK(has_note(m, "partition factory: app/0x00 at flash offset 0x10000, 1.9 MiB"));
    CHECK(has_note(m, "partition vfs: data/0x81 at flash offset 0x200000, 2 MiB"));
    CHECK(has_note(m, "flash chip: 4 MiB"));
    rmap_free(m);
}

TEST(rp2_flash)
{
    struct rmap *m;
    rmap_new(&m);
    discover_apply_rp2(m, "fs_blocks=352,4096\r\nfs_addr=269090816,1441792\r\n");
    rmap_finish(m);
    const struct rmap_region *fs = find(m, "filesystem");
    const struct rmap_region *fl = find(m, "flash");
    CHECK(fs != NULL && fs->start == 0x100A0000 && fs->end == 0x10200000);
    CHECK(fl != NULL && fl->start == 0x10000000 && fl->end == 0x10200000);
    CHECK(fs != NULL && fs->parent >= 0 && strcmp(rmap_get(m, (size_t)fs->parent)->name, "flash") == 0);
    rmap_free(m);
    rmap_new(&m);
    discover_apply_rp2(m, "fs_blocks=352,4096\r\n");
    CHECK(has_note(m, "does not tell its address"));
    rmap_free(m);
    rmap_new(&m);
    discover_apply_rp2(m, "fs_addr=5,7\r\n"); /* implausible: ignored */
    CHECK_EQ_INT(rmap_count(m), 0);
    rmap_free(m);
}

TEST(modules)
{
    struct discover_info d;
    discover_info_init(&d);
    discover_apply_modules(&d,
        "__main__          love              os                time\r\n"
        "array             math              random            ustruct\r\n"
        "Plus any modules on the filesystem\r\n");
    CHECK_EQ_INT(d.nmodules, 8);
    CHECK(strstr(d.modules, "love os time array") != NULL);
    CHECK_EQ_INT(d.modules_dropped, 0);
    discover_info_fini(&d);
}

TEST(modules_too_many_are_counted_as_dropped)
{
    static char text[20000];
    size_t o = 0;
    for (int i = 0; i < 1000; i++) {
        o += (size_t)snprintf(text + o, sizeof text - o, "module_%04d%s", i,
                              i % 4 == 3 ? "\r\n" : "   ");
    }
    struct discover_info d;
    discover_info_init(&d);
    discover_apply_modules(&d, text);
    /* 11 characters and a space each: what fits is kept and counted. */
    CHECK(d.nmodules > 600 && d.nmodules < 1000);
    CHECK_EQ_INT(d.nmodules + d.modules_dropped, 1000);
    CHECK(strstr(d.modules, "module_0000 module_0001") != NULL);
    char last[24];
    snprintf(last, sizeof last, "module_%04d", d.nmodules - 1);
    CHECK(strstr(d.modules, last) != NULL);
    CHECK(strlen(d.modules) < sizeof d.modules);
    discover_info_fini(&d);
}

TEST(meminfo_microbit)
{
    static const char text[] =
        "stack: 528 out of 1800\r\n"
        "GC: total: 10048, used: 720, free: 9328\r\n"
        " No. of 1-blocks: 6, 2-blocks: 1, max blk sz: 19, max free sz: 538\r\n"
        "GC memory layout; from 200004a0:\r\n"
        "00000: h=h==================h====BB.....h..hh==..hh==....h==...........\r\n"
        "00400: .....................hh===......................................\r\n"
        "       (7 lines all free)\r\n"
        "02400: ....................................................\r\n";
    struct rmap *m;
    struct discover_info d;
    discover_info_init(&d);
    rmap_new(&m);
    discover_apply_meminfo(m, &d, text, 16);
    rmap_finish(m);
    const struct rmap_region *h = find(m, "gc-heap");
    CHECK(h != NULL && h->start == 0x200004a0 && h->end == 0x200004a0 + 10048);
    CHECK(d.have_heap);
    CHECK(has_note(m, "stack: 528 of 1800 bytes in use"));
    rmap_free(m);
    discover_info_fini(&d);
}

/* A heap the board reports past a profile's RAM widens it, saying so; one
 * inside it changes nothing. */
TEST(meminfo_widens_profile_ram)
{
    static const char text[] =
        "GC: total: 8192, used: 80, free: 8112\r\n"
        "GC memory layout; from 20003000:\r\n"
        "00000000: h=h=="
        "...........................................................\r\n"
        "       (6 lines all free)\r\n"
        "00001c00: "
        "................................................................\r\n";
    struct profile prof;
    memset(&prof, 0, sizeof prof);
    snprintf(prof.name, sizeof prof.name, "p");
    struct profile_region ram;
    memset(&ram, 0, sizeof ram);
    snprintf(ram.name, sizeof ram.name, "ram");
    ram.start = 0x20000000;
    ram.size = 16 * 1024;
    ram.kind = RMAP_K_RAM;
    ram.access = RMAP_ACC_READ;
    prof.regions = &ram;
    prof.nregions = 1;
    struct rmap *m;
    rmap_new(&m);
    discover_add_profile(m, &prof);
    discover_apply_meminfo(m, NULL, text, 16);
    rmap_finish(m);
    const struct rmap_region *r = find(m, "ram");
    const struct rmap_region *h = find(m, "gc-heap");
    CHECK(h != NULL && h->start == 0x20003000 && h->end == 0x20005000);
    CHECK(r != NULL && r->start == 0x20000000 && h != NULL && r->end == h->end);
    CHECK(r != NULL && strstr(r->notes, "widened") != NULL);
    CHECK(has_note(m, "ends past the profile's ram (16 KiB): ram widened to 20 KiB"));
    CHECK(h != NULL && h->parent >= 0 && rmap_get(m, (size_t)h->parent) == r);
    rmap_free(m);

    /* A profile RAM that holds the heap stays as it is. */
    ram.size = 256 * 1024;
    rmap_new(&m);
    discover_add_profile(m, &prof);
    discover_apply_meminfo(m, NULL, text, 16);
    rmap_finish(m);
    r = find(m, "ram");
    CHECK(r != NULL && r->end == 0x20040000 && strstr(r->notes, "widened") == NULL);
    CHECK(!has_note(m, "widened"));
    rmap_free(m);
}

static const char microbit_meminfo[] =
    "stack: 528 out of 1800\r\n"
    "GC: total: 10048, used: 720, free: 9328\r\n"
    " No. of 1-blocks: 6, 2-blocks: 1, max blk sz: 19, max free sz: 538\r\n"
    "GC memory layout; from 200004a0:\r\n"
    "00000: h=h==================h====BB.....h..hh==..hh==....h==...........\r\n"
    "00400: .....................hh===......................................\r\n"
    "       (7 lines all free)\r\n"
    "02400: ....................................................\r\n";

/* The micro:bit's 1.9.2 (no finalisers): table start and length before the
 * pool's bounds; mp_state_thread_t's stack_top and stack_limit. */
TEST(gcstate_microbit)
{
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(microbit_meminfo, strlen(microbit_meminfo), 16, &h, &msg),
                 RC_OK);
    char code[1200];
    CHECK(discover_gc_scan_code(&h, 0x20000000, 0x20004000, code, sizeof code) > 0);
    /* scans [ram + 12, pool - 4) for the pool's start and end, the stack's limit */
    CHECK(strstr(code, "a=536870924\n") != NULL);
    CHECK(strstr(code, "while a<536872092:") != NULL);
    CHECK(strstr(code, "v==536872096 and M[a+4]==536882144") != NULL);
    CHECK(strstr(code, "if v==1800 ") != NULL);
    struct rmap *m;
    rmap_new(&m);
    discover_apply_gcstate(m, &h,
                           "stk=536871256,536887296\r\n"
                           "stk=536871000,5\r\n"  /* not a stack top in RAM */
                           "gcs=536871408,0,536871904,157\r\n"
                           "gcs_done=3\r\n", 0x20000000, 0x20004000);
    rmap_finish(m);
    const struct rmap_region *a = find(m, "gc-atb");
    CHECK(a != NULL && a->start == 0x200003e0 && a->end == 0x200003e0 + 157);
    CHECK(a != NULL && a->kind == RMAP_K_GCTABLE && a->source == RMAP_S_BOARD);
    CHECK(a != NULL && strstr(a->notes, "GC state in RAM at 0x200001e8") != NULL);
    CHECK(find(m, "gc-ftb") == NULL);
    const struct rmap_region *s = find(m, "stack");
    CHECK(s != NULL && s->start == 0x20004000 - 1800 && s->end == 0x20004000);
    CHECK(s != NULL && s->kind == RMAP_K_STACK && strstr(s->notes, "limit 1800") != NULL);
    rmap_free(m);
    heapmap_fini(&h);
}

/* v1.20+ with finalisers: the finaliser table one byte after the
 * allocation table; v1.9 right after it. */
TEST(gcstate_finaliser)
{
    static const char text[] =
        "stack: 520 out of 10240\r\n"
        "GC: total: 140032, used: 320, free: 139712\r\n";
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(text, strlen(text), 16, &h, &msg), RC_OK);
    /* no table printed: the pool's start is not known, nothing to look for */
    char code[1200];
    CHECK_EQ_INT((int)discover_gc_scan_code(&h, 0x20000000, 0x20040000, code, sizeof code), 0);
    heapmap_fini(&h);

    static const char text2[] =
        "stack: 520 out of 10240\r\n"
        "GC: total: 140032, used: 32, free: 140000\r\n"
        "GC memory layout; from 20001000:\r\n"
        "00000000: h=......................................................"
        "........\r\n"
        "       (135 lines all free)\r\n"
        "00022000: ................................................\r\n";
    CHECK_EQ_INT(heapmap_parse(text2, strlen(text2), 16, &h, &msg), RC_OK);
    struct rmap *m;
    rmap_new(&m);
    /* 8752 blocks: a 2188-byte table at 0x20000308, finalisers at +2188+1 */
    discover_apply_gcstate(m, &h,
                           "stk=536870928,537133036\r\n"
                           "gcs=536871312,536871688,2188,536873877\r\n"
                           "gcs_done=2\r\n", 0x20000000, 0x20040000);
    rmap_finish(m);
    const struct rmap_region *a = find(m, "gc-atb"), *f = find(m, "gc-ftb");
    CHECK(a != NULL && a->start == 0x20000308 && a->end == 0x20000308 + 2188);
    CHECK(f != NULL && f->start == 0x20000b95 && f->end == 0x20000b95 + 1094);
    const struct rmap_region *s = find(m, "stack");
    CHECK(s != NULL && s->end == 0x2003ffec && s->start == 0x2003ffec - 10240);
    rmap_free(m);

    /* v1.9's finaliser table right after the allocation table */
    rmap_new(&m);
    discover_apply_gcstate(m, &h, "gcs=536871312,536871688,2188,536873876\r\n"
                           "gcs_done=1\r\n", 0x20000000, 0x20040000);
    rmap_finish(m);
    f = find(m, "gc-ftb");
    CHECK(f != NULL && f->start == 0x20000b94);
    rmap_free(m);
    heapmap_fini(&h);
}

/* Anything that does not fit mem_info's heap is not shown, and a note
 * says why; so are two different candidates. */
TEST(gcstate_rejects)
{
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(microbit_meminfo, strlen(microbit_meminfo), 16, &h, &msg),
                 RC_OK);
    static const char *const bad[] = {
        "gcs=536871408,0,536871904,156\r\ngcs_done=1\r\n",    /* length is not blocks/4 */
        "gcs=536871408,0,536872000,157\r\ngcs_done=1\r\n",    /* runs into the pool */
        "gcs=536871408,0,268435456,157\r\ngcs_done=1\r\n",    /* not in the RAM */
        "gcs=536871408,536871904,157,536872100\r\ngcs_done=1\r\n", /* finalisers not after it */
        "gcs=536871408,0,536871904,157\r\ngcs=536871500,0,536871900,157\r\ngcs_done=2\r\n",
        "gcs=536871408,0,536871904,157\r\n",                  /* the scan did not finish */
        "gcs=x\r\ngcs_done=1\r\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rmap *m;
        rmap_new(&m);
        discover_apply_gcstate(m, &h, bad[i], 0x20000000, 0x20004000);
        rmap_finish(m);
        CHECK(find(m, "gc-atb") == NULL && find(m, "gc-ftb") == NULL);
        CHECK(rmap_note_count(m) >= 1);
        if (i == 4) {
            CHECK(has_note(m, "more than one candidate"));
        }
        if (i == 5) {
            CHECK(has_note(m, "did not finish"));
        }
        rmap_free(m);
    }
    /* a stack that would overlap the heap, or two different tops */
    struct rmap *m;
    rmap_new(&m);
    discover_apply_gcstate(m, &h, "stk=1,536872200\r\ngcs_done=1\r\n", 0x20000000,
                           0x20004000);
    rmap_finish(m);
    CHECK(find(m, "stack") == NULL && has_note(m, "stack top was not found"));
    rmap_free(m);
    rmap_new(&m);
    discover_apply_gcstate(m, &h, "stk=1,536887296\r\nstk=2,536887200\r\ngcs_done=1\r\n",
                           0x20000000, 0x20004000);
    rmap_finish(m);
    CHECK(find(m, "stack") == NULL && has_note(m, "stack top was ambiguous"));
    rmap_free(m);
    /* with the GC state found, a pair far from it (a copy) does not count:
     * the one in the thread state before it is the stack */
    rmap_new(&m);
    discover_apply_gcstate(m, &h,
                           "stk=536871256,536887296\r\n"
                           "stk=536871920,536887200\r\n"    /* after the GC state */
                           "gcs=536871408,0,536871904,157\r\n"
                           "gcs_done=3\r\n", 0x20000000, 0x20004000);
    rmap_finish(m);
    const struct rmap_region *s = find(m, "stack");
    CHECK(s != NULL && s->end == 0x20004000);
    rmap_free(m);
    heapmap_fini(&h);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(ficr_qemu_values);
    RUN(meminfo_widens_profile_ram);
    RUN(ficr_real_values);
    RUN(esp8266);
    RUN(esp32_partitions);
    RUN(rp2_flash);
    RUN(modules);
    RUN(modules_too_many_are_counted_as_dropped);
    RUN(meminfo_microbit);
    RUN(gcstate_microbit);
    RUN(gcstate_finaliser);
    RUN(gcstate_rejects);
    return harness_done("discover");
}
