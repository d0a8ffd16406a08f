/*
 * test_ldscript.c: the GNU ld linker-script parser.
 *
 * Fixtures in tests/data/ld/ are written in the style of MicroPython's port
 * scripts (esp8266, stm32, nrf, qemu, rp2, mimxrt).  Every fixture that GNU
 * ld accepts is also linked with arm-none-eabi-ld: the regions must equal
 * the "Memory Configuration" of its map file, and every symbol value the
 * parser calls known must equal the one nm shows.  Without the toolchain
 * those checks print "skipped" and fail only when MPEEK_REQUIRE_LD=1.
 * Then broken scripts (each with its file:line:col diagnostic, the good
 * regions kept), INCLUDE chains and loops made in a temp dir, and
 * adversarial text that must neither crash nor hang.
 */
#include "ldscript.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define D "tests/data/ld/"
#define MAXN 8

static char tmpdir[64];
static int have_ld;

/* ---- helpers ---- */

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL) {
        n++;
    }
    return n;
}

static struct ldscript *new_ld(const char *const *dirs,
                               const char *const *defs)
{
    struct ldscript_opts o = {dirs, count(dirs), defs, count(defs)};
    struct ldscript *ld = NULL;
    int rc = ldscript_new(&o, &ld);
    CHECK_EQ_INT(rc, RC_OK);
    return ld;
}

static void show_diags(const struct ldscript *ld)
{
    for (size_t i = 0; i < ldscript_diag_count(ld); i++) {
        printf("    diag: %s\n", ldscript_diag(ld, i));
    }
}

/* Load the NULL-terminated list of scripts; every load must succeed. */
static struct ldscript *load(const char *const *files,
                             const char *const *dirs,
                             const char *const *defs)
{
    struct ldscript *ld = new_ld(dirs, defs);
    if (ld == NULL) {
        return NULL;
    }
    for (size_t i = 0; files[i] != NULL; i++) {
        struct rc_msg msg = {{0}};
        int rc = ldscript_load(ld, files[i], &msg);
        if (rc != RC_OK) {
            printf("  load %s: %s\n", files[i], msg.text);
        }
        CHECK_EQ_INT(rc, RC_OK);
    }
    return ld;
}

static struct ldscript *load_text(const char *text, const char *const *defs)
{
    struct ldscript *ld = new_ld(NULL, defs);
    struct rc_msg msg;
    if (ld != NULL) {
        CHECK_EQ_INT(ldscript_load_text(ld, "t.ld", text, strlen(text), &msg),
                     RC_OK);
    }
    return ld;
}

static int has_diag(const struct ldscript *ld, const char *text)
{
    for (size_t i = 0; i < ldscript_diag_count(ld); i++) {
        if (strcmp(ldscript_diag(ld, i), text) == 0) {
            return 1;
        }
    }
    printf("  no diagnostic \"%s\"; have:\n", text);
    show_diags(ld);
    return 0;
}

static size_t diags_containing(const struct ldscript *ld, const char *part)
{
    size_t n = 0;
    for (size_t i = 0; i < ldscript_diag_count(ld); i++) {
        if (strstr(ldscript_diag(ld, i), part) != NULL) {
            n++;
        }
    }
    return n;
}

static int no_diags(const struct ldscript *ld)
{
    if (ldscript_diag_count(ld) == 0) {
        return 1;
    }
    printf("  unexpected diagnostics:\n");
    show_diags(ld);
    return 0;
}

static int region_is(const struct ldscript *ld, const char *name,
                     uint64_t origin, uint64_t length, const char *attrs)
{
    const struct ldscript_region *r = ldscript_find_region(ld, name);
    if (r == NULL) {
        printf("  region %s missing\n", name);
        return 0;
    }
    if (r->origin != origin || r->length != length ||
        strcmp(r->attrs, attrs) != 0) {
        printf("  region %s: 0x%" PRIx64 " 0x%" PRIx64 " \"%s\", expected "
               "0x%" PRIx64 " 0x%" PRIx64 " \"%s\"\n", name, r->origin,
               r->length, r->attrs, origin, length, attrs);
        return 0;
    }
    return 1;
}

/* The names of the regions, in order, joined with spaces. */
static int region_names_are(const struct ldscript *ld, const char *want)
{
    char have[512] = "";
    for (size_t i = 0; i < ldscript_region_count(ld); i++) {
        if (i > 0) {
            strncat(have, " ", sizeof have - strlen(have) - 1);
        }
        strncat(have, ldscript_region(ld, i)->name,
                sizeof have - strlen(have) - 1);
    }
    if (strcmp(have, want) != 0) {
        printf("  regions \"%s\", expected \"%s\"\n", have, want);
        return 0;
    }
    return 1;
}

static int sym_is(const struct ldscript *ld, const char *name, uint64_t value)
{
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, name);
    if (s == NULL || !s->known || s->value != value) {
        if (s == NULL) {
            printf("  symbol %s missing\n", name);
        } else if (!s->known) {
            printf("  symbol %s not known\n", name);
        } else {
            printf("  symbol %s = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n",
                   name, s->value, value);
        }
        return 0;
    }
    return 1;
}

static int sym_unknown(const struct ldscript *ld, const char *name)
{
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, name);
    if (s == NULL || s->known) {
        printf("  symbol %s: %s\n", name, s ? "known" : "missing");
        return 0;
    }
    return 1;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    fputs(text, f);
    return fclose(f);
}

/* ---- the fixtures, one by one ---- */

TEST(esp8266_variants_include_common_and_rom)
{
    const char *dirs[] = {D "esp8266", NULL};
    const char *f1[] = {D "esp8266/boards/esp8266_2MiB.ld", NULL};
    struct ldscript *ld = load(f1, dirs, NULL);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "dport0_0_seg dram0_0_seg iram1_0_seg "
                               "irom0_0_seg"));
    CHECK(region_is(ld, "dport0_0_seg", 0x3FF00000, 16, ""));
    CHECK(region_is(ld, "dram0_0_seg", 0x3FFE8000, 80 * 1024, ""));
    CHECK(region_is(ld, "iram1_0_seg", 0x40100000, 32 * 1024, ""));
    CHECK(region_is(ld, "irom0_0_seg", 0x40209000, 0xF7000, ""));
    CHECK(sym_is(ld, "_heap_end", 0x3FFFC000));
    CHECK(sym_is(ld, "_firmware_size", 0x100000));
    CHECK(sym_is(ld, "_memmap_cacheattr_reset", 0x2222211F));
    CHECK(sym_unknown(ld, "_heap_start"));
    /* the PROVIDE-heavy ROM file, two INCLUDEs down, in a subfolder */
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, "flashchip");
    CHECK(s != NULL && s->known && s->value == 0x3FFFC714 && s->provide &&
          !s->in_sections);
    if (s != NULL) {
        CHECK_STR(s->file, D "esp8266/boards/rom/eagle.rom.addr.v6.ld");
    }
    CHECK(sym_is(ld, "UartDev", 0x3FFFDE10));
    size_t provides = 0;
    for (size_t i = 0; i < ldscript_symbol_count(ld); i++) {
        provides += ldscript_symbol(ld, i)->provide;
    }
    CHECK(provides >= 55);
    s = ldscript_find_symbol(ld, "_irom0_text_start");
    CHECK(s != NULL && !s->known && s->in_sections);
    const struct ldscript_region *r = ldscript_find_region(ld, "dram0_0_seg");
    if (r != NULL) {
        CHECK_STR(r->file, D "esp8266/boards/esp8266_2MiB.ld");
        CHECK_EQ_INT(r->line, 15);
    }
    ldscript_free(ld);

    /* ROMFS: the MEMORY block wins over the misleading comment */
    const char *f2[] = {D "esp8266/boards/esp8266_2MiB_ROMFS.ld", NULL};
    ld = load(f2, dirs, NULL);
    CHECK(no_diags(ld));
    CHECK(region_is(ld, "irom0_0_seg", 0x40209000, 668 * 1024, ""));
    CHECK(region_is(ld, "FLASH_ROMFS", 0x402B0000, 320 * 1024, ""));
    CHECK(sym_is(ld, "_micropy_hw_romfs_part0_start", 0x402B0000));
    CHECK(sym_is(ld, "_micropy_hw_romfs_part0_size", 0x50000));
    CHECK(sym_is(ld, "_firmware_size", 0xB0000));
    ldscript_free(ld);

    const char *f3[] = {D "esp8266/boards/esp8266_ota.ld", NULL};
    ld = load(f3, dirs, NULL);
    CHECK(no_diags(ld));
    CHECK(region_is(ld, "irom0_0_seg", 0x40245000, 0x8F000, ""));
    CHECK(sym_is(ld, "_firmware_size", 0xD4000));
    ldscript_free(ld);
}

TEST(stm32_overlapping_regions_aliases_and_defsym)
{
    const char *dirs[] = {D "stm32/boards", D "stm32/boards/common_isr_rom",
                          NULL};
    const char *defs[] = {"_estack_reserve=8", NULL};
    /* bare names: found through the search dirs, as ld -T does */
    const char *files[] = {"stm32f405.ld", "common_ifs.ld", NULL};
    struct ldscript *ld = load(files, dirs, defs);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "FLASH FLASH_START FLASH_FS FLASH_TEXT CCMRAM "
                               "RAM"));
    CHECK(region_is(ld, "FLASH", 0x08000000, 1024 * 1024, "rx"));
    CHECK(region_is(ld, "FLASH_START", 0x08000000, 16 * 1024, "rx"));
    CHECK(region_is(ld, "FLASH_FS", 0x08004000, 112 * 1024, "rx"));
    CHECK(region_is(ld, "FLASH_TEXT", 0x08020000, 896 * 1024, "rx"));
    CHECK(region_is(ld, "CCMRAM", 0x10000000, 64 * 1024, "xrw"));
    CHECK(region_is(ld, "RAM", 0x20000000, 128 * 1024, "xrw"));
    CHECK_EQ_INT(ldscript_alias_count(ld), 2);
    const char *a = NULL, *t = NULL;
    ldscript_alias(ld, 1, &a, &t);
    CHECK_STR(a, "FLASH_COMMON");
    CHECK_STR(t, "FLASH_TEXT");
    ldscript_alias(ld, 2, &a, &t);
    CHECK(a == NULL && t == NULL);
    CHECK(ldscript_find_region(ld, "FLASH_ISR") ==
          ldscript_find_region(ld, "FLASH_START"));
    CHECK(sym_is(ld, "_estack", 0x2001FFF8));
    CHECK(sym_is(ld, "_sstack", 0x2001BFF8));
    CHECK(sym_is(ld, "_heap_end", 0x2001BFF8));
    CHECK(sym_is(ld, "_ram_end", 0x20020000));
    CHECK(sym_is(ld, "_micropy_hw_internal_flash_storage_start", 0x08004000));
    CHECK(sym_is(ld, "_micropy_hw_internal_flash_storage_end", 0x08020000));
    CHECK(sym_is(ld, "_micropy_hw_internal_flash_storage_ram_cache_end",
                 0x10010000));
    CHECK(sym_unknown(ld, "_heap_start")); /* = _ebss, a SECTIONS symbol */
    const struct ldscript_symbol *s = ldscript_find_symbol(ld,
                                                           "_estack_reserve");
    CHECK(s != NULL && s->known && s->value == 8);
    if (s != NULL) {
        CHECK_STR(s->file, "--defsym");
        CHECK_EQ_INT(s->line, 1);
    }
    /* the INCLUDE inside SECTIONS came from common_isr_rom/ */
    CHECK(ldscript_find_symbol(ld, "__isr_vector_flash_addr") == NULL);
    ldscript_free(ld);

    const char *dirs2[] = {D "stm32/boards", D "stm32/boards/common_isr_ram",
                           NULL};
    ld = load(files, dirs2, defs);
    CHECK(no_diags(ld));
    CHECK(sym_unknown(ld, "__isr_vector_flash_addr"));
    ldscript_free(ld);

    /* without the defsym: a diagnostic at the reference */
    const char *alone[] = {D "stm32/boards/stm32f405.ld", NULL};
    ld = load(alone, NULL, NULL);
    CHECK(has_diag(ld, D "stm32/boards/stm32f405.ld:26:39: symbol "
                   "'_estack_reserve' is not defined (give it with "
                   "--ld-defsym _estack_reserve=VALUE)"));
    CHECK(sym_unknown(ld, "_estack"));
    CHECK(sym_unknown(ld, "_sstack"));
    CHECK(sym_is(ld, "_ram_end", 0x20020000));
    CHECK_EQ_INT(ldscript_region_count(ld), 6);
    ldscript_free(ld);
}

TEST(nrf_layout_from_defined_and_symbols)
{
    const char *plain[] = {D "nrf/boards/nrf51x22_256k_16k.ld",
                           D "nrf/boards/memory.ld", D "nrf/boards/common.ld",
                           NULL};
    struct ldscript *ld = load(plain, NULL, NULL);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "FLASH_TEXT RAM"));
    CHECK(region_is(ld, "FLASH_TEXT", 0, 180 * 1024, "rx"));
    CHECK(region_is(ld, "RAM", 0x20000000, 16 * 1024, "xrw"));
    CHECK(sym_is(ld, "_fs_start", 0x30000));
    CHECK(sym_is(ld, "_fs_end", 0x40000));
    CHECK(sym_is(ld, "_micropy_hw_romfs_part0_start", 0x2D000));
    CHECK(sym_is(ld, "_sd_size", 0));
    CHECK(sym_is(ld, "_stack_size", 4096));
    CHECK(sym_is(ld, "_heap_end", 0x20003000));
    CHECK(sym_is(ld, "_estack", 0x20004000));
    CHECK(sym_unknown(ld, "_unused_flash_start"));
    ldscript_free(ld);

    const char *s110[] = {D "nrf/boards/nrf51x22_256k_16k.ld",
                          D "nrf/boards/s110_8.0.0.ld",
                          D "nrf/boards/memory.ld", D "nrf/boards/common.ld",
                          NULL};
    ld = load(s110, NULL, NULL);
    CHECK(no_diags(ld));
    CHECK(region_is(ld, "FLASH_TEXT", 0x18000, 0x22000, "rx"));
    CHECK(region_is(ld, "RAM", 0x20002000, 8 * 1024, "xrw"));
    CHECK(sym_is(ld, "_fs_start", 0x3D000));
    CHECK(sym_is(ld, "_stack_size", 2048)); /* _ram_size > 16K ? 4K : 2K */
    CHECK(sym_is(ld, "_sd_size", 0x18000));
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, "_sd_size");
    if (s != NULL) {
        CHECK_STR(s->file, D "nrf/boards/memory.ld");
        CHECK_EQ_INT(s->line, 10);
    }
    ldscript_free(ld);
}

TEST(qemu_separatorless_memory_and_aliases)
{
    const char *dirs[] = {D "qemu", NULL};
    const char *f1[] = {D "qemu/mcu/arm/nrf51.ld", NULL};
    struct ldscript *ld = load(f1, dirs, NULL);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "ROM RAM"));
    CHECK(region_is(ld, "ROM", 0, 1024 * 1024, ""));
    CHECK(region_is(ld, "RAM", 0x20000000, 256 * 1024, ""));
    CHECK_EQ_INT(ldscript_alias_count(ld), 4);
    CHECK(ldscript_find_region(ld, "TEXT") == ldscript_find_region(ld, "ROM"));
    CHECK(ldscript_find_region(ld, "BSS") == ldscript_find_region(ld, "RAM"));
    CHECK(ldscript_find_region(ld, "NOPE") == NULL);
    CHECK(sym_is(ld, "_estack", 0x20040000));
    CHECK(sym_unknown(ld, "_ebss"));
    ldscript_free(ld);

    const char *f2[] = {D "qemu/mcu/arm/mps2.ld", NULL};
    ld = load(f2, dirs, NULL);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "RAM"));
    CHECK(region_is(ld, "RAM", 0, 4 * 1024 * 1024, ""));
    CHECK(sym_is(ld, "_estack", 0x400000));
    ldscript_free(ld);
}

TEST(rp2_lowercase_k_and_chained_regions)
{
    const char *f1[] = {D "rp2/memmap_mp_rp2040.ld", NULL};
    const char *defs1[] = {"__micropy_flash_size__=2048K",
                           "__micropy_c_heap_size__=0", NULL};
    struct ldscript *ld = load(f1, NULL, defs1);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "FLASH RAM SCRATCH_X SCRATCH_Y"));
    CHECK(region_is(ld, "FLASH", 0x10000000, 2048 * 1024, "rx"));
    CHECK(region_is(ld, "RAM", 0x20000000, 256 * 1024, "rwx"));
    CHECK(region_is(ld, "SCRATCH_X", 0x20040000, 0, "rwx"));
    CHECK(region_is(ld, "SCRATCH_Y", 0x20040000, 8 * 1024, "rwx"));
    CHECK(sym_is(ld, "__GcHeapEnd", 0x20040000));
    CHECK(sym_is(ld, "__StackTop", 0x20042000));
    CHECK(sym_unknown(ld, "__GcHeapStart"));
    CHECK(sym_unknown(ld, "__StackBottom"));
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, "__stack");
    CHECK(s != NULL && s->known && s->value == 0x20042000 && s->provide &&
          s->in_sections);
    s = ldscript_find_symbol(ld, "__preinit_array_start");
    CHECK(s != NULL && !s->known && s->provide);
    ldscript_free(ld);

    /* without the build's defsym, FLASH is left out, never guessed */
    ld = load(f1, NULL, NULL);
    CHECK(region_names_are(ld, "RAM SCRATCH_X SCRATCH_Y"));
    CHECK(has_diag(ld, D "rp2/memmap_mp_rp2040.ld:12:5: memory region "
                   "'FLASH' left out: its LENGTH cannot be evaluated"));
    CHECK(has_diag(ld, D "rp2/memmap_mp_rp2040.ld:12:47: symbol "
                   "'__micropy_flash_size__' is not defined (give it with "
                   "--ld-defsym __micropy_flash_size__=VALUE)"));
    CHECK(has_diag(ld, D "rp2/memmap_mp_rp2040.ld:147:34: symbol "
                   "'__micropy_c_heap_size__' is not defined (give it with "
                   "--ld-defsym __micropy_c_heap_size__=VALUE)"));
    ldscript_free(ld);

    /* after v1.28: fragments found on the search path, MicroPython's first */
    const char *f2[] = {D "rp2/memmap_mp_rp2.ld", NULL};
    const char *dirs2[] = {D "rp2/memmap_rp2", D "rp2/sdk", NULL};
    const char *defs2[] = {"__micropy_flash_size__=0x200000",
                           "__micropy_flash_storage_bytes__=1408*1024",
                           "__micropy_romfs_bytes__=32k",
                           "__micropy_c_heap_size__=0",
                           "__micropy_extra_stack__=4096", NULL};
    ld = load(f2, dirs2, defs2);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "FLASH FLASH_ROMFS FLASH_FS RAM SCRATCH_X "
                               "SCRATCH_Y"));
    CHECK(region_is(ld, "FLASH", 0x10000000, 0x98000, "rx"));
    CHECK(region_is(ld, "FLASH_ROMFS", 0x10098000, 0x8000, "rx"));
    CHECK(region_is(ld, "FLASH_FS", 0x100A0000, 1408 * 1024, "rx"));
    CHECK(region_is(ld, "RAM", 0x20000000, 512 * 1024, "rwx"));
    CHECK(sym_is(ld, "__GcHeapEnd", 0x2007F000));
    CHECK(ldscript_find_symbol(ld, "__sdk_default_post_platform_end") ==
          NULL);
    CHECK(sym_unknown(ld, "__HeapLimit"));
    ldscript_free(ld);
}

TEST(mimxrt_preprocessor_lines_skipped)
{
    const char *files[] = {D "mimxrt/MIMXRT1011.ld", D "mimxrt/common.ld",
                           NULL};
    struct ldscript *ld = load(files, NULL, NULL);
    CHECK(region_names_are(ld, "m_flash_config m_ivt m_interrupts m_text "
                               "m_vfs m_reserved m_itcm m_dtcm m_ocrm"));
    CHECK(region_is(ld, "m_text", 0x60002400, 0xFDC00, "RX"));
    CHECK(region_is(ld, "m_vfs", 0x60100000, 0xF00000, "RX"));
    CHECK(region_is(ld, "m_reserved", 0x61000000, 0, "RX"));
    CHECK(region_is(ld, "m_ocrm", 0x20200000, 0x10000, "RW"));
    CHECK(sym_is(ld, "_gc_heap_end", 0x20210000));
    CHECK(sym_is(ld, "STACK_SIZE", 0x5000));
    CHECK(sym_is(ld, "HEAP_SIZE", 0x400));
    CHECK(sym_is(ld, "reserved_size", 0));
    CHECK(sym_is(ld, "__DTCM_END", 0x20008000));
    CHECK(sym_unknown(ld, "_estack"));
    /* one note per file, however many # lines */
    CHECK_EQ_INT(diags_containing(ld, "preprocessor"), 2);
    CHECK(has_diag(ld, D "mimxrt/MIMXRT1011.ld:5:1: C preprocessor lines are "
                   "skipped (both branches of an #if are read; give the "
                   "preprocessed script for exact results)"));
    CHECK(has_diag(ld, D "mimxrt/MIMXRT1011.ld:6:17: symbol "
                   "'MICROPY_HW_FLASH_RESERVED' is not defined (give it with "
                   "--ld-defsym MICROPY_HW_FLASH_RESERVED=VALUE)"));
    CHECK(has_diag(ld, D "mimxrt/common.ld:32:3: memory region 'm_sdram' "
                   "left out: its LENGTH cannot be evaluated"));
    CHECK_EQ_INT(ldscript_diag_count(ld), 5);
    ldscript_free(ld);
}

TEST(expression_semantics)
{
    const char *files[] = {D "misc/exprs.ld", NULL};
    struct ldscript *ld = load(files, NULL, NULL);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "ROM RAM SRAM2 NOATTR OCTAL TOP"));
    CHECK(region_is(ld, "RAM", 0x20000000, 0x2000, "rw!x"));
    CHECK(region_is(ld, "SRAM2", 0x20002000, 0x2000, "!rx"));
    CHECK(region_is(ld, "NOATTR", 0x30000000, 0x100, ""));
    CHECK(region_is(ld, "OCTAL", 0x40, 0x10, "ail"));
    CHECK(sym_is(ld, "n_suffix_h", 0x7F));
    CHECK(sym_is(ld, "n_suffix_b", 11));
    CHECK(sym_is(ld, "n_octal", 0777));
    CHECK(sym_is(ld, "n_octal_bad", 0));
    CHECK(sym_is(ld, "n_big", UINT64_C(0x100000000)));
    CHECK(sym_is(ld, "o_sdiv", (uint64_t)-4));
    CHECK(sym_is(ld, "o_smod", (uint64_t)-1));
    CHECK(sym_is(ld, "o_shl64", 1));
    CHECK(sym_is(ld, "o_signed_cmp", 0));
    CHECK(sym_is(ld, "o_tern2", 0x100));
    CHECK(sym_is(ld, "f_defined_no", 2));
    CHECK(sym_is(ld, "f_defined_yes", 1));
    CHECK(sym_is(ld, "f_log2", 0xA0A));
    CHECK(sym_is(ld, "a_fwd", 0x101));
    CHECK(sym_is(ld, "a_comp", 0x25));
    CHECK(sym_is(ld, "a_mid", 9));
    CHECK(sym_is(ld, "a_copy", 7));
    CHECK(sym_is(ld, "a quoted name", 0x55));
    CHECK(sym_is(ld, "p_first", 0x20));
    CHECK(sym_is(ld, "p_plain", 0x30));
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, "p_first");
    CHECK(s != NULL && !s->provide);
    s = ldscript_find_symbol(ld, "p_hidden");
    CHECK(s != NULL && s->provide);
    /* inside an output section: numbers become section-relative */
    CHECK(sym_unknown(ld, "s_in_num"));
    CHECK(sym_unknown(ld, "s_in_len"));
    CHECK(sym_unknown(ld, "s_in_ref"));
    CHECK(sym_unknown(ld, "s_in_mul"));
    CHECK(sym_is(ld, "s_in_org_plus", 0x20000004));
    CHECK(sym_is(ld, "s_in_end", 0x20002000));
    CHECK(sym_is(ld, "s_in_abs_ref", 0x1234));
    CHECK(sym_is(ld, "s_in_diff", 0x18000000));
    CHECK(sym_is(ld, "s_after_mul", 0x40000000));
    ldscript_free(ld);
}

TEST(sections_syntax_is_skipped)
{
    const char *files[] = {D "misc/sections.ld", NULL};
    struct ldscript *ld = load(files, NULL, NULL);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "FLASH RAM OVL"));
    CHECK(sym_is(ld, "t_in_text", 0x100));
    CHECK(sym_is(ld, "t_provided", 0x10));
    CHECK(sym_is(ld, "o_a", 0x11));
    CHECK(sym_is(ld, "quoted sym", 0x20000001));
    CHECK(sym_is(ld, "t_after_fill", 7));
    CHECK(sym_is(ld, "t_after", 0x86));
    CHECK(sym_unknown(ld, "_edata"));
    /* the fill "=0xffff" after a section is not an assignment to FLASH */
    CHECK(ldscript_find_symbol(ld, "FLASH") == NULL);
    CHECK(ldscript_find_symbol(ld, "text") == NULL);
    ldscript_free(ld);
}

/* ---- ground truth: GNU ld ---- */

struct gt_config {
    const char *name;
    const char *scripts[MAXN];
    const char *dirs[MAXN];
    const char *defs[MAXN];
};

static const struct gt_config gt_configs[] = {
    {"esp8266_2MiB", {D "esp8266/boards/esp8266_2MiB.ld"}, {D "esp8266"}, {0}},
    {"esp8266_2MiB_ROMFS", {D "esp8266/boards/esp8266_2MiB_ROMFS.ld"},
     {D "esp8266"}, {0}},
    {"esp8266_ota", {D "esp8266/boards/esp8266_ota.ld"}, {D "esp8266"}, {0}},
    {"stm32f405_isr_rom",
     {D "stm32/boards/stm32f405.ld", D "stm32/boards/common_ifs.ld"},
     {D "stm32/boards", D "stm32/boards/common_isr_rom"},
     {"_estack_reserve=8"}},
    {"stm32f405_isr_ram",
     {D "stm32/boards/stm32f405.ld", D "stm32/boards/common_ifs.ld"},
     {D "stm32/boards", D "stm32/boards/common_isr_ram"},
     {"_estack_reserve=8"}},
    {"nrf51_plain",
     {D "nrf/boards/nrf51x22_256k_16k.ld", D "nrf/boards/memory.ld",
      D "nrf/boards/common.ld"}, {0}, {0}},
    {"nrf51_s110",
     {D "nrf/boards/nrf51x22_256k_16k.ld", D "nrf/boards/s110_8.0.0.ld",
      D "nrf/boards/memory.ld", D "nrf/boards/common.ld"}, {0}, {0}},
    {"qemu_nrf51", {D "qemu/mcu/arm/nrf51.ld"}, {D "qemu"}, {0}},
    {"qemu_mps2", {D "qemu/mcu/arm/mps2.ld"}, {D "qemu"}, {0}},
    {"rp2040_v1_28", {D "rp2/memmap_mp_rp2040.ld"}, {0},
     {"__micropy_flash_size__=2048K", "__micropy_c_heap_size__=0"}},
    {"rp2_head", {D "rp2/memmap_mp_rp2.ld"},
     {D "rp2/memmap_rp2", D "rp2/sdk"},
     {"__micropy_flash_size__=0x200000",
      "__micropy_flash_storage_bytes__=1408*1024",
      "__micropy_romfs_bytes__=32k", "__micropy_c_heap_size__=0",
      "__micropy_extra_stack__=4096"}},
    {"exprs", {D "misc/exprs.ld"}, {0}, {0}},
    {"sections", {D "misc/sections.ld"}, {0}, {0}},
};

struct map_region {
    char name[64];
    uint64_t origin, length;
    char attrs[32];
};

/* The "Memory Configuration" table of an ld map file, without *default*. */
static int read_map(const char *path, struct map_region *out, size_t max,
                    size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int state = 0;
    *n = 0;
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (state == 0) {
            state = strncmp(line, "Memory Configuration", 20) == 0;
        } else if (state == 1) {
            state = strncmp(line, "Name", 4) == 0 ? 2 : 1;
        } else {
            struct map_region r;
            memset(&r, 0, sizeof r);
            int k = sscanf(line, "%63s 0x%" SCNx64 " 0x%" SCNx64 " %31s",
                           r.name, &r.origin, &r.length, r.attrs);
            if (k < 3 || strcmp(r.name, "*default*") == 0) {
                break;
            }
            if (*n < max) {
                out[(*n)++] = r;
            }
        }
    }
    fclose(f);
    return state == 2 ? 0 : -1;
}

struct nm_sym {
    char name[80];
    uint64_t value;
};

static size_t read_nm(const char *elf, struct nm_sym *out, size_t max)
{
    char cmd[512], line[256];
    size_t n = 0;
    snprintf(cmd, sizeof cmd, "arm-none-eabi-nm '%s' 2>/dev/null", elf);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, p) != NULL) {
        struct nm_sym s;
        char type;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%" SCNx64 " %c %79[^\n]", &s.value, &type,
                   s.name) == 3 && n < max) {
            out[n++] = s;
        }
    }
    pclose(p);
    return n;
}

static void append_arg(char *cmd, size_t size, const char *opt,
                       const char *arg)
{
    size_t o = strlen(cmd);
    snprintf(cmd + o, size - o, " %s '%s'", opt, arg);
}

static void check_against_ld(const struct gt_config *g)
{
    char cmd[2048], map[128], elf[128], err[128];
    snprintf(map, sizeof map, "%s/%s.map", tmpdir, g->name);
    snprintf(elf, sizeof elf, "%s/%s.elf", tmpdir, g->name);
    snprintf(err, sizeof err, "%s/%s.err", tmpdir, g->name);
    /* defsyms and -L first: ld reads each -T as soon as it meets it */
    snprintf(cmd, sizeof cmd, "arm-none-eabi-ld");
    for (size_t i = 0; g->defs[i] != NULL; i++) {
        append_arg(cmd, sizeof cmd, "--defsym", g->defs[i]);
    }
    for (size_t i = 0; g->dirs[i] != NULL; i++) {
        append_arg(cmd, sizeof cmd, "-L", g->dirs[i]);
    }
    append_arg(cmd, sizeof cmd, "-L", tmpdir);
    for (size_t i = 0; g->scripts[i] != NULL; i++) {
        append_arg(cmd, sizeof cmd, "-T", g->scripts[i]);
    }
    size_t o = strlen(cmd);
    snprintf(cmd + o, sizeof cmd - o, " -Map '%s' -o '%s' '%s/empty.o' "
             "2>'%s'", map, elf, tmpdir, err);
    int rc = system(cmd);
    if (rc != 0) {
        printf("  %s: ld failed: %s\n", g->name, cmd);
    }
    CHECK_EQ_INT(rc, 0);

    struct ldscript *ld = load(g->scripts, g->dirs, g->defs);
    if (ld == NULL) {
        return;
    }
    CHECK(no_diags(ld));

    struct map_region mr[32];
    size_t nmr = 0;
    CHECK_EQ_INT(read_map(map, mr, 32, &nmr), 0);
    if (nmr != ldscript_region_count(ld)) {
        printf("  %s: ld has %zu regions, ldscript %zu\n", g->name, nmr,
               ldscript_region_count(ld));
    }
    CHECK_EQ_INT(nmr, ldscript_region_count(ld));
    for (size_t i = 0; i < nmr && i < ldscript_region_count(ld); i++) {
        const struct ldscript_region *r = ldscript_region(ld, i);
        unsigned nf1, nf2;
        unsigned f1 = ldscript_attr_flags(r->attrs, &nf1);
        unsigned f2 = ldscript_attr_flags(mr[i].attrs, &nf2);
        if (strcmp(r->name, mr[i].name) != 0 || r->origin != mr[i].origin ||
            r->length != mr[i].length || f1 != f2 || nf1 != nf2) {
            printf("  %s: region %zu: ld %s 0x%" PRIx64 " 0x%" PRIx64
                   " %s; ldscript %s 0x%" PRIx64 " 0x%" PRIx64 " %s\n",
                   g->name, i, mr[i].name, mr[i].origin, mr[i].length,
                   mr[i].attrs, r->name, r->origin, r->length, r->attrs);
        }
        CHECK_STR(r->name, mr[i].name);
        CHECK(r->origin == mr[i].origin);
        CHECK(r->length == mr[i].length);
        CHECK_EQ_INT(f1, f2);
        CHECK_EQ_INT(nf1, nf2);
    }

    /* every value called known must be ld's (nm shows 32-bit values) */
    static struct nm_sym syms[1024];
    size_t nsyms = read_nm(elf, syms, 1024);
    size_t compared = 0;
    for (size_t i = 0; i < ldscript_symbol_count(ld); i++) {
        const struct ldscript_symbol *s = ldscript_symbol(ld, i);
        if (!s->known) {
            continue;
        }
        for (size_t j = 0; j < nsyms; j++) {
            if (strcmp(syms[j].name, s->name) == 0) {
                compared++;
                if ((s->value & 0xFFFFFFFFu) != syms[j].value) {
                    printf("  %s: %s = 0x%" PRIx64 ", ld 0x%" PRIx64 "\n",
                           g->name, s->name, s->value, syms[j].value);
                }
                CHECK((s->value & 0xFFFFFFFFu) == syms[j].value);
                break;
            }
        }
    }
    CHECK(compared > 0);
    ldscript_free(ld);
}

TEST(ground_truth_gnu_ld)
{
    if (!have_ld) {
        const char *req = getenv("MPEEK_REQUIRE_LD");
        if (req != NULL && strcmp(req, "1") == 0) {
            CHECK(!"MPEEK_REQUIRE_LD=1 but GNU ld is missing");
        }
        SKIP("ground truth needs arm-none-eabi-ld/-as (not found)");
    }
    for (size_t i = 0; i < sizeof gt_configs / sizeof gt_configs[0]; i++) {
        check_against_ld(&gt_configs[i]);
    }
}

/* ---- broken scripts ---- */

TEST(broken_unterminated_comment)
{
    const char *f[] = {D "broken/unterminated_comment.ld", NULL};
    struct ldscript *ld = load(f, NULL, NULL);
    CHECK(has_diag(ld, D "broken/unterminated_comment.ld:4:54: comment "
                   "opened here is never closed"));
    CHECK(has_diag(ld, D "broken/unterminated_comment.ld:7:38: end of file "
                   "inside the MEMORY block opened at line 1"));
    CHECK(region_is(ld, "FLASH", 0x08000000, 256 * 1024, "rx"));
    CHECK(region_is(ld, "RAM", 0x20000000, 64 * 1024, "rwx"));
    CHECK(ldscript_find_symbol(ld, "_estack") == NULL); /* in the comment */
    ldscript_free(ld);
}

TEST(broken_unknown_region)
{
    const char *f[] = {D "broken/unknown_region.ld", NULL};
    struct ldscript *ld = load(f, NULL, NULL);
    CHECK(has_diag(ld, D "broken/unknown_region.ld:5:27: memory region "
                   "'SRAM3' is not declared"));
    CHECK(has_diag(ld, D "broken/unknown_region.ld:5:5: memory region "
                   "'EXTRA' left out: its ORIGIN cannot be evaluated"));
    CHECK(has_diag(ld, D "broken/unknown_region.ld:9:8: memory region "
                   "'NOWHERE' is not declared"));
    CHECK(region_names_are(ld, "FLASH RAM"));
    CHECK(sym_is(ld, "_estack", 0x20010000));
    CHECK(sym_unknown(ld, "_bad"));
    ldscript_free(ld);
}

TEST(broken_division_by_zero)
{
    const char *f[] = {D "broken/div_zero.ld", NULL};
    struct ldscript *ld = load(f, NULL, NULL);
    CHECK(has_diag(ld, D "broken/div_zero.ld:4:52: division by zero"));
    CHECK(has_diag(ld, D "broken/div_zero.ld:8:14: modulo by zero"));
    CHECK(has_diag(ld, D "broken/div_zero.ld:4:5: memory region 'RAM' left "
                   "out: its LENGTH cannot be evaluated"));
    CHECK(region_names_are(ld, "FLASH"));
    CHECK(sym_unknown(ld, "_ratio"));
    CHECK(sym_is(ld, "_fine", 50));
    CHECK_EQ_INT(ldscript_diag_count(ld), 3);
    ldscript_free(ld);
}

TEST(broken_undefined_symbol_in_length)
{
    const char *f[] = {D "broken/undefined_length.ld", NULL};
    struct ldscript *ld = load(f, NULL, NULL);
    CHECK(has_diag(ld, D "broken/undefined_length.ld:4:48: symbol "
                   "'__micropy_flash_size__' is not defined (give it with "
                   "--ld-defsym __micropy_flash_size__=VALUE)"));
    CHECK(has_diag(ld, D "broken/undefined_length.ld:4:5: memory region "
                   "'FLASH' left out: its LENGTH cannot be evaluated"));
    /* one diagnostic per undefined symbol, at its first reference */
    CHECK_EQ_INT(diags_containing(ld, "is not defined"), 1);
    CHECK(region_names_are(ld, "RAM"));
    ldscript_free(ld);

    const char *defs[] = {"__micropy_flash_size__=4M", NULL};
    ld = load(f, NULL, defs);
    CHECK(no_diags(ld));
    CHECK(region_is(ld, "FLASH", 0x10000000, 4 << 20, "rx"));
    CHECK(sym_is(ld, "_flash_end", 0x10400000));
    ldscript_free(ld);
}

TEST(broken_truncated_memory)
{
    const char *f[] = {D "broken/truncated_memory.ld", NULL};
    struct ldscript *ld = load(f, NULL, NULL);
    CHECK(has_diag(ld, D "broken/truncated_memory.ld:5:39: expected LENGTH "
                   "in memory region 'CCM', found 'LENG'"));
    CHECK(has_diag(ld, D "broken/truncated_memory.ld:5:43: end of file "
                   "inside the MEMORY block opened at line 1"));
    CHECK(region_names_are(ld, "FLASH RAM"));
    ldscript_free(ld);
}

TEST(broken_garbage_bytes)
{
    const char text[] =
        "MEMORY\n"
        "{\n"
        "  FLASH (rx) : ORIGIN = 0, LENGTH = 16K\n"
        "}\n"
        "\x01\x02\xff\xfe garbage @@@ ;\n"
        "_x = 1;\n"
        "MEMORY { RAM : ORIGIN = 0x20000000, LENGTH = 4K }\n"
        "_y = 2 \x80;\n"
        "MEMORY { BAD @ : ORIGIN = 1, LENGTH = 1\n"
        "         GOOD : ORIGIN = 2, LENGTH = 2 }\n";
    struct ldscript *ld = new_ld(NULL, NULL);
    struct rc_msg msg;
    CHECK_EQ_INT(ldscript_load_text(ld, "g.ld", text, sizeof text - 1, &msg),
                 RC_OK);
    CHECK(has_diag(ld, "g.ld:5:1: unexpected byte 0x01"));
    CHECK(has_diag(ld, "g.ld:5:6: unexpected 'garbage'"));
    CHECK(has_diag(ld, "g.ld:5:14: unexpected character '@'"));
    CHECK(has_diag(ld, "g.ld:8:8: unexpected byte 0x80"));
    /* a stray character is dropped with its diagnostic */
    CHECK(has_diag(ld, "g.ld:9:14: unexpected character '@'"));
    CHECK(region_names_are(ld, "FLASH RAM BAD GOOD"));
    CHECK(sym_is(ld, "_x", 1));
    CHECK(sym_is(ld, "_y", 2));
    ldscript_free(ld);

    /* NULs in the text are bytes like others */
    const char nul[] = "a = 1;\0b = 2;\n";
    ld = new_ld(NULL, NULL);
    CHECK_EQ_INT(ldscript_load_text(ld, "n.ld", nul, sizeof nul - 1, &msg),
                 RC_OK);
    CHECK(has_diag(ld, "n.ld:1:7: unexpected byte 0x00"));
    CHECK(sym_is(ld, "b", 2));
    ldscript_free(ld);
}

TEST(nothing_usable_is_rc_parse)
{
    struct ldscript *ld = new_ld(NULL, NULL);
    struct rc_msg msg;
    const char bin[] = "\x7f" "ELF\x01\x01\x01\x00\x00\x00 @@ \x10\x20";
    CHECK_EQ_INT(ldscript_load_text(ld, "x.elf", bin, sizeof bin - 1, &msg),
                 RC_PARSE);
    CHECK(strstr(msg.text, "x.elf: not a linker script: x.elf:1:1: "
                 "unexpected byte 0x7f") != NULL);
    CHECK(ldscript_diag_count(ld) > 0);
    /* empty text and comments only: fine, nothing in it */
    CHECK_EQ_INT(ldscript_load_text(ld, "e.ld", "", 0, &msg), RC_OK);
    CHECK_EQ_INT(ldscript_load_text(ld, "c.ld", "/* x */\n", 8, &msg), RC_OK);
    CHECK_EQ_INT(ldscript_region_count(ld), 0);
    ldscript_free(ld);
}

TEST(files_that_cannot_be_read)
{
    struct ldscript *ld = new_ld(NULL, NULL);
    struct rc_msg msg;
    CHECK_EQ_INT(ldscript_load(ld, D "no/such.ld", &msg), RC_NOTFOUND);
    CHECK(strstr(msg.text, D "no/such.ld") != NULL);
    CHECK_EQ_INT(ldscript_load(ld, D "misc", &msg), RC_IO);
    CHECK(strstr(msg.text, "not a regular file") != NULL);
    CHECK_EQ_INT(ldscript_load(ld, NULL, &msg), RC_ARG);
    CHECK_EQ_INT(ldscript_load(ld, "", NULL), RC_ARG);
    CHECK_EQ_INT(ldscript_load_text(NULL, "x", "", 0, &msg), RC_ARG);
    CHECK_EQ_INT(ldscript_diag_count(ld), 0);
    ldscript_free(ld);
}

/* ---- INCLUDE ---- */

TEST(include_missing_is_not_fatal)
{
    struct ldscript *ld = load_text(
        "MEMORY { A : ORIGIN = 0, LENGTH = 1K }\n"
        "INCLUDE no_such_file.ld\n"
        "SECTIONS { INCLUDE \"missing too.ld\" }\n"
        "b = 1;\n", NULL);
    CHECK(has_diag(ld, "t.ld:2:9: cannot find INCLUDE file 'no_such_file.ld' "
                   "(looked for no_such_file.ld)"));
    CHECK_EQ_INT(diags_containing(ld, "cannot find INCLUDE file 'missing "
                                      "too.ld'"), 1);
    CHECK(region_names_are(ld, "A"));
    CHECK(sym_is(ld, "b", 1));
    ldscript_free(ld);
}

TEST(include_chain_200_deep)
{
    char path[128], text[256];
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof path, "%s/d%03d.ld", tmpdir, i);
        snprintf(text, sizeof text,
                 "MEMORY { R%03d : ORIGIN = %d * 0x1000, LENGTH = 0x100 }\n"
                 "INCLUDE d%03d.ld\n", i, i, i + 1);
        CHECK_EQ_INT(write_file(path, text), 0);
    }
    /* found next to the including file (the convenience rule) */
    snprintf(path, sizeof path, "%s/d000.ld", tmpdir);
    const char *files[] = {path, NULL};
    struct ldscript *ld = load(files, NULL, NULL);
    CHECK_EQ_INT(ldscript_region_count(ld), 65);
    CHECK(region_is(ld, "R064", 64 * 0x1000, 0x100, ""));
    CHECK(ldscript_find_region(ld, "R065") == NULL);
    CHECK_EQ_INT(ldscript_diag_count(ld), 1);
    snprintf(text, sizeof text, "%s/d064.ld:2:9: INCLUDE nested too deeply "
             "(loop?): 'd065.ld' is not read (limit 64)", tmpdir);
    CHECK(has_diag(ld, text));
    ldscript_free(ld);
}

TEST(include_self_loops_terminate)
{
    char path[128], text[400];
    snprintf(path, sizeof path, "%s/self.ld", tmpdir);
    CHECK_EQ_INT(write_file(path, "loops = loops + 1;\nINCLUDE self.ld\n"), 0);
    const char *dirs[] = {tmpdir, NULL};
    struct ldscript *ld = new_ld(dirs, NULL);
    struct rc_msg msg;
    const char top[] = "MEMORY { GOOD : ORIGIN = 0x100, LENGTH = 0x10 }\n"
                       "loops = 0;\nINCLUDE self.ld\n";
    CHECK_EQ_INT(ldscript_load_text(ld, "top.ld", top, sizeof top - 1, &msg),
                 RC_OK);
    CHECK(region_is(ld, "GOOD", 0x100, 0x10, ""));
    CHECK(sym_is(ld, "loops", 1));
    CHECK_EQ_INT(ldscript_diag_count(ld), 1);
    snprintf(text, sizeof text, "%s/self.ld:2:9: INCLUDE cycle: %s/self.ld -> "
             "%s/self.ld; 'self.ld' is not read again", tmpdir, tmpdir, tmpdir);
    CHECK(has_diag(ld, text));

    /* two self-INCLUDEs per file: each closes the cycle at once */
    snprintf(path, sizeof path, "%s/twice.ld", tmpdir);
    CHECK_EQ_INT(write_file(path, "INCLUDE twice.ld INCLUDE twice.ld\n"), 0);
    CHECK_EQ_INT(ldscript_load_text(ld, "top2.ld", "INCLUDE twice.ld", 16,
                                    &msg), RC_OK);
    CHECK_EQ_INT(diags_containing(ld, "INCLUDE cycle"), 3);
    CHECK_EQ_INT(diags_containing(ld, "too many INCLUDEs"), 0);
    CHECK(region_is(ld, "GOOD", 0x100, 0x10, ""));
    ldscript_free(ld);
}

TEST(include_cycle_said_once_with_its_files)
{
    char a[128], b[128], text[600];
    snprintf(a, sizeof a, "%s/cyc_a.ld", tmpdir);
    snprintf(b, sizeof b, "%s/cyc_b.ld", tmpdir);
    CHECK_EQ_INT(write_file(a, "MEMORY { FLASH (rx) : ORIGIN = 0, LENGTH = "
                               "256K }\nINCLUDE cyc_b.ld\n"), 0);
    CHECK_EQ_INT(write_file(b, "INCLUDE cyc_a.ld\n"), 0);
    const char *files[] = {a, NULL};
    struct ldscript *ld = load(files, NULL, NULL);
    CHECK(region_is(ld, "FLASH", 0, 256 * 1024, "rx"));
    /* one line, no redeclaration of FLASH from reading cyc_a.ld again */
    CHECK_EQ_INT(ldscript_diag_count(ld), 1);
    snprintf(text, sizeof text, "%s:1:9: INCLUDE cycle: %s -> %s -> %s; "
             "'cyc_a.ld' is not read again", b, a, b, a);
    CHECK(has_diag(ld, text));
    ldscript_free(ld);
}

TEST(include_inside_memory_and_search_order)
{
    char path[128];
    char sub1[96], sub2[96];
    snprintf(sub1, sizeof sub1, "%s/one", tmpdir);
    snprintf(sub2, sizeof sub2, "%s/two", tmpdir);
    mkdir(sub1, 0700);
    mkdir(sub2, 0700);
    snprintf(path, sizeof path, "%s/part.incl", sub1);
    CHECK_EQ_INT(write_file(path, "B : ORIGIN = 0x2000, LENGTH = 0x20\n"), 0);
    snprintf(path, sizeof path, "%s/part.incl", sub2);
    CHECK_EQ_INT(write_file(path, "B : ORIGIN = 0x9999, LENGTH = 0x99\n"), 0);
    const char *dirs[] = {sub1, sub2, NULL};
    struct ldscript *ld = new_ld(dirs, NULL);
    struct rc_msg msg;
    const char top[] = "MEMORY\n{\n  A : ORIGIN = 0x1000, LENGTH = 0x10\n"
                       "  INCLUDE part.incl\n  C : ORIGIN = 0x3000, "
                       "LENGTH = 0x30\n}\n";
    CHECK_EQ_INT(ldscript_load_text(ld, "m.ld", top, sizeof top - 1, &msg),
                 RC_OK);
    CHECK(no_diags(ld));
    CHECK(region_names_are(ld, "A B C"));
    CHECK(region_is(ld, "B", 0x2000, 0x20, ""));
    const struct ldscript_region *r = ldscript_find_region(ld, "B");
    if (r != NULL) {
        snprintf(path, sizeof path, "%s/part.incl", sub1);
        CHECK_STR(r->file, path);
        CHECK_EQ_INT(r->line, 1);
    }
    ldscript_free(ld);
}

static int fake_read(void *ctx, const char *path, char **text_out,
                     size_t *len_out)
{
    const char *const *files = ctx;
    for (size_t i = 0; files[i] != NULL; i += 2) {
        if (strcmp(files[i], path) == 0) {
            *text_out = strdup(files[i + 1]);
            *len_out = strlen(files[i + 1]);
            return *text_out ? RC_OK : RC_NOMEM;
        }
    }
    return RC_NOTFOUND;
}

TEST(reader_hook_and_multiple_loads)
{
    const char *files[] = {
        "virt/a.ld", "MEMORY { FLASH : ORIGIN = base, LENGTH = size }\n"
                     "INCLUDE b.ld\n",
        "inc/b.ld", "REGION_ALIAS(\"TEXT\", FLASH);\n",
        NULL};
    const char *dirs[] = {"inc", NULL};
    struct ldscript *ld = new_ld(dirs, NULL);
    struct ldscript_reader rd = {fake_read, (void *)files};
    ldscript_set_reader(ld, &rd);
    struct rc_msg msg;
    CHECK_EQ_INT(ldscript_load(ld, "virt/a.ld", &msg), RC_OK);
    /* base and size are not known yet: FLASH is left out for now */
    CHECK_EQ_INT(ldscript_region_count(ld), 0);
    CHECK_EQ_INT(diags_containing(ld, "is not defined"), 2);
    CHECK(ldscript_find_region(ld, "TEXT") == NULL);
    /* a second script defines them, as a second -T would */
    CHECK_EQ_INT(ldscript_load_text(ld, "defs.ld", "base = 0x08000000;\n"
                                    "size = 64K;\n", 30, &msg), RC_OK);
    CHECK(no_diags(ld));
    CHECK(region_is(ld, "FLASH", 0x08000000, 0x10000, ""));
    CHECK(ldscript_find_region(ld, "TEXT") ==
          ldscript_find_region(ld, "FLASH"));
    CHECK_EQ_INT(ldscript_load(ld, "virt/none.ld", &msg), RC_NOTFOUND);
    ldscript_set_reader(ld, NULL);
    CHECK_EQ_INT(ldscript_load(ld, "virt/a.ld", &msg), RC_NOTFOUND);
    ldscript_free(ld);
}

/* ---- semantics details ---- */

TEST(defsyms)
{
    const char *bad1[] = {"novalue", NULL};
    const char *bad2[] = {"x=1+", NULL};
    const char *bad3[] = {"=5", NULL};
    const char *bad4[] = {"x=1 2", NULL};
    const char *const *bads[] = {bad1, bad2, bad3, bad4};
    for (size_t i = 0; i < 4; i++) {
        struct ldscript_opts o = {NULL, 0, bads[i], 1};
        static char dummy;
        struct ldscript *ld = (struct ldscript *)(void *)&dummy;
        CHECK_EQ_INT(ldscript_new(&o, &ld), RC_ARG);
        CHECK(ld == NULL);
    }
    CHECK_EQ_INT(ldscript_new(NULL, NULL), RC_ARG);
    /* defsyms come before the scripts: DEFINED sees them, the script may
     * override them, and they may use script symbols */
    const char *defs[] = {"a=0x10", "b=c*2", "o=1", NULL};
    struct ldscript *ld = load_text("d1 = DEFINED(a) ? a : 99;\n"
                                    "c = 0x100;\n"
                                    "o = 2;\n", defs);
    CHECK(no_diags(ld));
    CHECK(sym_is(ld, "d1", 0x10));
    CHECK(sym_is(ld, "b", 0x200));
    CHECK(sym_is(ld, "o", 2));
    const struct ldscript_symbol *s = ldscript_find_symbol(ld, "a");
    CHECK(s != NULL && s->line == 1);
    CHECK_EQ_INT(ldscript_symbol_count(ld), 5);
    ldscript_free(ld);
    /* an undefined name in a defsym is reported at the defsym */
    const char *defs2[] = {"x=1", "y=zz+1", NULL};
    ld = new_ld(NULL, defs2);
    CHECK(has_diag(ld, "--defsym:2:3: symbol 'zz' is not defined (give it "
                   "with --ld-defsym zz=VALUE)"));
    ldscript_free(ld);
}

TEST(cycles_and_forward_references)
{
    struct ldscript *ld = load_text(
        "a = b + 1;\n"
        "b = a + 1;\n"
        "c = d;\n"
        "d = 5;\n"
        "self = self + 1;\n"
        "MEMORY { R : ORIGIN = rr, LENGTH = 1 }\n"
        "rr = ORIGIN(R);\n", NULL);
    CHECK(sym_unknown(ld, "a"));
    CHECK(sym_unknown(ld, "b"));
    CHECK(sym_is(ld, "c", 5));
    CHECK(has_diag(ld, "t.ld:2:5: symbol 'a' is defined in terms of itself"));
    CHECK(has_diag(ld, "t.ld:5:8: symbol 'self' is defined in terms of "
                   "itself"));
    CHECK(has_diag(ld, "t.ld:6:23: symbol 'rr' is defined in terms of "
                   "itself"));
    CHECK(has_diag(ld, "t.ld:6:10: memory region 'R' left out: its ORIGIN "
                   "cannot be evaluated"));
    CHECK_EQ_INT(ldscript_region_count(ld), 0);
    ldscript_free(ld);

    /* compound assignment without an earlier value */
    ld = load_text("x += 1;\n", NULL);
    CHECK(has_diag(ld, "t.ld:1:1: symbol 'x' is not defined (give it with "
                   "--ld-defsym x=VALUE)"));
    CHECK(sym_unknown(ld, "x"));
    ldscript_free(ld);
}

TEST(memory_rules_that_ld_would_get_wrong)
{
    struct ldscript *ld = load_text(
        "y = ORIGIN(A) + 0x10;\n"
        "MEMORY {\n"
        "  A : ORIGIN = 0x1000, LENGTH = 0x100\n"
        "  B : ORIGIN = ORIGIN(A) + LENGTH(A), LENGTH = LENGTH(C)\n"
        "  B2 : ORIGIN = y, LENGTH = 0x10\n"
        "  C : ORIGIN = 0x3000, LENGTH = 0x300\n"
        "  A2 (rx) : ORIGIN = 0x5000, LENGTH = 0x10\n"
        "  A2 (rw) : ORIGIN = 0x6000, LENGTH = 0x20\n"
        "  D : ORIGIN = ., LENGTH = SIZEOF(.text)\n"
        "}\n"
        "REGION_ALIAS(\"AL\", C);\n"
        "REGION_ALIAS(\"AL\", A);\n"
        "REGION_ALIAS(\"X\", NOPE);\n"
        "REGION_ALIAS(\"AL2\", AL);\n", NULL);
    CHECK(region_names_are(ld, "A C A2"));
    CHECK(region_is(ld, "A2", 0x6000, 0x20, "rw"));
    CHECK(sym_is(ld, "y", 0x1010));
    CHECK(has_diag(ld, "t.ld:4:48: memory region 'C' is declared later in "
                   "MEMORY: GNU ld has no value for it here"));
    CHECK(has_diag(ld, "t.ld:5:3: memory region 'B2' left out: its ORIGIN "
                   "uses a symbol computed from ORIGIN() or LENGTH(), which "
                   "GNU ld evaluates before MEMORY (with other values)"));
    CHECK(has_diag(ld, "t.ld:8:3: redeclaration of memory region 'A2' (the "
                   "new values replace the old ones)"));
    CHECK(has_diag(ld, "t.ld:9:3: memory region 'D' left out: its ORIGIN "
                   "depends on '.' or on section addresses"));
    CHECK(has_diag(ld, "t.ld:12:14: redefinition of memory region alias "
                   "'AL'"));
    CHECK(has_diag(ld, "t.ld:13:19: memory region 'NOPE' for alias 'X' does "
                   "not exist"));
    CHECK(ldscript_find_region(ld, "AL2") == ldscript_find_region(ld, "C"));
    const char *a, *t;
    ldscript_alias(ld, 1, &a, &t);
    CHECK_STR(a, "AL2");
    CHECK_STR(t, "C");
    /* diagnostics come in source order */
    for (size_t i = 1; i < ldscript_diag_count(ld); i++) {
        unsigned l1 = 0, l2 = 0;
        sscanf(ldscript_diag(ld, i - 1), "t.ld:%u", &l1);
        sscanf(ldscript_diag(ld, i), "t.ld:%u", &l2);
        CHECK(l1 <= l2);
    }
    ldscript_free(ld);
}

TEST(assert_and_syntax_errors)
{
    struct ldscript *ld = load_text(
        "a = 5;\n"
        "ASSERT(a == 5, \"fine\")\n"
        "ASSERT(a > 5, a_is_too_small);\n"
        "b = ASSERT(a < 2, \"in expression\") + 1;\n"
        "c = 1 + ;\n"
        "d = 2;\n"
        "e = FOO(1);\n"
        "f = 0x1g;\n"
        "g = (1;\n"
        "h = 3\n"
        "i = 4;\n"
        "PROVIDE(j += 1);\n"
        "k = ORIGIN;\n"
        "l = 1 ? 2;\n", NULL);
    CHECK(has_diag(ld, "t.ld:3:1: ASSERT failed: a_is_too_small"));
    CHECK(has_diag(ld, "t.ld:4:5: ASSERT failed: in expression"));
    CHECK(has_diag(ld, "t.ld:5:9: expected an expression, found ';'"));
    CHECK(has_diag(ld, "t.ld:7:8: expected ';' after the assignment, found "
                   "'('"));
    CHECK(has_diag(ld, "t.ld:8:5: invalid number '0x1g'"));
    CHECK(has_diag(ld, "t.ld:9:7: expected ')' to close '(', found ';'"));
    CHECK(has_diag(ld, "t.ld:11:1: expected ';' after the assignment, found "
                   "'i'"));
    CHECK(has_diag(ld, "t.ld:12:11: expected '=' after 'j', found '+='"));
    CHECK(has_diag(ld, "t.ld:13:11: expected '(' after ORIGIN"));
    CHECK(has_diag(ld, "t.ld:14:10: expected ':' in '?:', found ';'"));
    CHECK(sym_is(ld, "b", 1));
    CHECK(sym_is(ld, "d", 2));
    CHECK(sym_is(ld, "h", 3));
    CHECK(sym_is(ld, "i", 4));
    CHECK(ldscript_find_symbol(ld, "c") == NULL);
    CHECK(ldscript_find_symbol(ld, "g") == NULL);
    ldscript_free(ld);
}

TEST(attr_flags)
{
    unsigned neg = 99;
    CHECK_EQ_INT(ldscript_attr_flags("rx", &neg),
                 LDSCRIPT_ATTR_R | LDSCRIPT_ATTR_X);
    CHECK_EQ_INT(neg, 0);
    CHECK_EQ_INT(ldscript_attr_flags("rw!x", &neg),
                 LDSCRIPT_ATTR_R | LDSCRIPT_ATTR_W);
    CHECK_EQ_INT(neg, LDSCRIPT_ATTR_X);
    CHECK_EQ_INT(ldscript_attr_flags("!xr", &neg), 0);
    CHECK_EQ_INT(neg, LDSCRIPT_ATTR_X | LDSCRIPT_ATTR_R);
    CHECK_EQ_INT(ldscript_attr_flags("AIl", NULL),
                 LDSCRIPT_ATTR_A | LDSCRIPT_ATTR_L);
    CHECK_EQ_INT(ldscript_attr_flags(NULL, &neg), 0);
    struct ldscript *ld = load_text("MEMORY { A (q) : ORIGIN = 0, LENGTH = 1 "
                                    "B () : ORIGIN = 1, LENGTH = 1 }\n", NULL);
    CHECK(has_diag(ld, "t.ld:1:13: invalid character 'q' in the attributes "
                   "of memory region 'A'"));
    CHECK(has_diag(ld, "t.ld:1:41: empty attribute list for memory region "
                   "'B'"));
    CHECK(region_names_are(ld, "B"));
    ldscript_free(ld);
}

TEST(accessors_out_of_range)
{
    struct ldscript *ld = load_text("x = 1;\n", NULL);
    CHECK(ldscript_region(ld, 0) == NULL);
    CHECK(ldscript_symbol(ld, 1) == NULL);
    CHECK(ldscript_diag(ld, 0) == NULL);
    CHECK(ldscript_find_symbol(ld, "y") == NULL);
    CHECK(ldscript_find_symbol(ld, NULL) == NULL);
    CHECK(ldscript_find_region(ld, NULL) == NULL);
    CHECK_EQ_INT(ldscript_region_count(NULL), 0);
    CHECK_EQ_INT(ldscript_symbol_count(NULL), 0);
    CHECK_EQ_INT(ldscript_alias_count(NULL), 0);
    CHECK_EQ_INT(ldscript_diag_count(NULL), 0);
    ldscript_free(ld);
    ldscript_free(NULL);
}

/* ---- adversarial input ---- */

static char *repeat(const char *head, const char *unit, size_t n,
                    const char *mid, const char *unit2, size_t n2,
                    const char *tail)
{
    size_t len = strlen(head) + strlen(unit) * n + strlen(mid) +
                 strlen(unit2) * n2 + strlen(tail) + 1;
    char *s = malloc(len);
    if (s == NULL) {
        return NULL;
    }
    char *o = s;
    o += sprintf(o, "%s", head);
    for (size_t i = 0; i < n; i++) {
        o += sprintf(o, "%s", unit);
    }
    o += sprintf(o, "%s", mid);
    for (size_t i = 0; i < n2; i++) {
        o += sprintf(o, "%s", unit2);
    }
    sprintf(o, "%s", tail);
    return s;
}

TEST(adversarial_nesting)
{
    char *s = repeat("x = ", "(", 100000, "1", ")", 100000, ";\ny = 2;\n");
    struct ldscript *ld = load_text(s, NULL);
    CHECK(has_diag(ld, "t.ld:1:261: expression nested too deeply (more than "
                   "256)"));
    CHECK(sym_is(ld, "y", 2));
    CHECK(ldscript_find_symbol(ld, "x") == NULL);
    ldscript_free(ld);
    free(s);

    s = repeat("x = ", "-", 100000, "1", "", 0, ";\ny = 3;\n");
    ld = load_text(s, NULL);
    CHECK_EQ_INT(diags_containing(ld, "nested too deeply"), 1);
    CHECK(sym_is(ld, "y", 3));
    ldscript_free(ld);
    free(s);

    s = repeat("x = 0", "+1", 100000, ";\ny = 4;\n", "", 0, "");
    ld = load_text(s, NULL);
    CHECK_EQ_INT(diags_containing(ld, "expression is too long"), 1);
    CHECK(sym_is(ld, "y", 4));
    ldscript_free(ld);
    free(s);

    s = repeat("SECTIONS ", "{", 100000, "z = 1;", "}", 100000, "\nw = 5;\n");
    ld = load_text(s, NULL);
    CHECK(no_diags(ld));
    CHECK(sym_unknown(ld, "z")); /* deep inside: section-relative */
    CHECK(sym_is(ld, "w", 5));
    ldscript_free(ld);
    free(s);
}

TEST(adversarial_long_chains_and_many_errors)
{
    /* s0 = s1; s1 = s2; ... : evaluation depth is bounded */
    size_t n = 20000;
    char *s = malloc(n * 32 + 64);
    char *o = s;
    for (size_t i = 0; i < n; i++) {
        o += sprintf(o, "s%zu = s%zu;\n", i, i + 1);
    }
    sprintf(o, "s%zu = 7;\n", n);
    struct ldscript *ld = load_text(s, NULL);
    CHECK(no_diags(ld));
    CHECK(sym_is(ld, "s0", 7));
    CHECK(sym_is(ld, "s12345", 7));
    ldscript_free(ld);

    /* the same backwards is shallow */
    o = s;
    o += sprintf(o, "s0 = 7;\n");
    for (size_t i = 1; i <= n; i++) {
        o += sprintf(o, "s%zu = s%zu;\n", i, i - 1);
    }
    ld = load_text(s, NULL);
    CHECK(no_diags(ld));
    CHECK(sym_is(ld, "s20000", 7));
    ldscript_free(ld);
    free(s);

    /* a cycle longer than the evaluation depth still ends */
    s = malloc(n * 32 + 64);
    o = s;
    for (size_t i = 0; i < 5000; i++) {
        o += sprintf(o, "c%zu = c%zu + 1;\n", i, (i + 1) % 5000);
    }
    sprintf(o, "MEMORY { A : ORIGIN = c17, LENGTH = 1 }\n");
    ld = load_text(s, NULL);
    CHECK(diags_containing(ld, "too deeply") +
          diags_containing(ld, "in terms of itself") >= 1);
    CHECK(sym_unknown(ld, "c0"));
    CHECK(sym_unknown(ld, "c4999"));
    CHECK_EQ_INT(ldscript_region_count(ld), 0);
    ldscript_free(ld);
    free(s);

    /* thousands of errors: the list is capped */
    s = repeat("", "@ = ;\n", 5000, "MEMORY { A : ORIGIN = 1, LENGTH = 2 }\n",
               "", 0, "");
    ld = load_text(s, NULL);
    CHECK_EQ_INT(ldscript_diag_count(ld), 1001);
    CHECK(has_diag(ld, "t.ld: too many problems; the rest are not listed"));
    CHECK(region_names_are(ld, "A"));
    ldscript_free(ld);
    free(s);

    /* garbage of every byte value */
    char bytes[4096];
    for (size_t i = 0; i < sizeof bytes; i++) {
        bytes[i] = (char)((i * 7919u) >> 3);
    }
    ld = new_ld(NULL, NULL);
    struct rc_msg msg;
    int rc = ldscript_load_text(ld, "b.ld", bytes, sizeof bytes, &msg);
    CHECK(rc == RC_OK || rc == RC_PARSE);
    ldscript_free(ld);
}

/* ---- setup ---- */

static int setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_ldscript.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    char cmd[256], path[128];
    static const char *const libs[] = {"libgcc.a", "libc.a", "libnosys.a",
                                       "libm.a"};
    for (size_t i = 0; i < 4; i++) {
        /* empty archives for GROUP(-lgcc -lc -lnosys) and /DISCARD/ */
        snprintf(path, sizeof path, "%s/%s", tmpdir, libs[i]);
        write_file(path, "!<arch>\n");
    }
    snprintf(cmd, sizeof cmd, "arm-none-eabi-ld --version >/dev/null 2>&1 && "
             "arm-none-eabi-nm --version >/dev/null 2>&1 && "
             "arm-none-eabi-as /dev/null -o '%s/empty.o' 2>/dev/null", tmpdir);
    have_ld = system(cmd) == 0;
    return 0;
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        printf("  could not remove %s\n", tmpdir);
    }
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    if (setup() != 0) {
        return 1;
    }
    RUN(esp8266_variants_include_common_and_rom);
    RUN(stm32_overlapping_regions_aliases_and_defsym);
    RUN(nrf_layout_from_defined_and_symbols);
    RUN(qemu_separatorless_memory_and_aliases);
    RUN(rp2_lowercase_k_and_chained_regions);
    RUN(mimxrt_preprocessor_lines_skipped);
    RUN(expression_semantics);
    RUN(sections_syntax_is_skipped);
    RUN(ground_truth_gnu_ld);
    RUN(broken_unterminated_comment);
    RUN(broken_unknown_region);
    RUN(broken_division_by_zero);
    RUN(broken_undefined_symbol_in_length);
    RUN(broken_truncated_memory);
    RUN(broken_garbage_bytes);
    RUN(nothing_usable_is_rc_parse);
    RUN(files_that_cannot_be_read);
    RUN(include_missing_is_not_fatal);
    RUN(include_chain_200_deep);
    RUN(include_self_loops_terminate);
    RUN(include_cycle_said_once_with_its_files);
    RUN(include_inside_memory_and_search_order);
    RUN(reader_hook_and_multiple_loads);
    RUN(defsyms);
    RUN(cycles_and_forward_references);
    RUN(memory_rules_that_ld_would_get_wrong);
    RUN(assert_and_syntax_errors);
    RUN(attr_flags);
    RUN(accessors_out_of_range);
    RUN(adversarial_nesting);
    RUN(adversarial_long_chains_and_many_errors);
    teardown();
    return harness_done("ldscript");
}
