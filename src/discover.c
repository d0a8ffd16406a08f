/*
 * discover.c: memory discovery on a connected board (see discover.h).
 *
 * The snippets run inside a function that is deleted again (try/finally,
 * so even when interrupted), so the board's globals are left as they
 * were; "_mpk" is the session's own name prefix (rrepl.h).  Each prints key=value lines that
 * the pure discover_apply_* functions turn into regions and notes.
 */
#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "profile.h"
#include "rrepl.h"

static const char snip_meminfo[] = "__import__('micropython').mem_info(1)";
static const char snip_modules[] = "help('modules')";
static const char snip_ficr[] =
    "def _mpkd():\n"
    " M=__import__('machine').mem32\n"
    " print('ficr=%d,%d,%d,%d'%(M[0x10000010],M[0x10000014],M[0x10000034],M[0x10000038]))\n"
    "try:\n"
    " _mpkd()\n"
    "finally:\n"
    " del _mpkd\n";
static const char snip_esp8266[] =
    "def _mpkd():\n"
    " import esp\n"
    " print('flash_size=%d'%esp.flash_size())\n"
    " print('user_start=%d'%esp.flash_user_start())\n"
    " try:\n"
    "  from flashbdev import bdev\n"
    "  print('fs=%d,%d,%d'%(bdev.start_sec,bdev.SEC_SIZE,bdev.blocks))\n"
    " except Exception:print('fs=none')\n"
    "try:\n"
    " _mpkd()\n"
    "finally:\n"
    " del _mpkd\n";
static const char snip_esp32[] =
    "def _mpkd():\n"
    " import esp32,esp\n"
    " P=esp32.Partition\n"
    " for p in P.find(P.TYPE_APP)+P.find(P.TYPE_DATA):\n"
    "  i=p.info();print('part=%d,%d,%d,%d,%d,%s'%(i[0],i[1],i[2],i[3],i[5],i[4]))\n"
    " print('flash_size=%d'%esp.flash_size())\n"
    "try:\n"
    " _mpkd()\n"
    "finally:\n"
    " del _mpkd\n";
static const char snip_rp2[] =
    "def _mpkd():\n"
    " f=__import__('rp2').Flash()\n"
    " print('fs_blocks=%d,%d'%(f.ioctl(4,0),f.ioctl(5,0)))\n"
    " try:print('fs_addr=%d,%d'%(__import__('uctypes').addressof(f),len(memoryview(f))))\n"
    " except Exception:pass\n"
    "try:\n"
    " _mpkd()\n"
    "finally:\n"
    " del _mpkd\n";

void discover_info_init(struct discover_info *d)
{
    memset(d, 0, sizeof *d);
}

void discover_info_fini(struct discover_info *d)
{
    if (d->have_heap) {
        heapmap_fini(&d->heap);
    }
    free(d->heap_text);
    memset(d, 0, sizeof *d);
}

/* Parse up to max comma-separated integers (decimal, signed). */
static int ints(const char *s, long long *v, int max)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        v[n] = strtoll(s, &end, 10);
        if (end == s) {
            return -1;
        }
        n++;
        s = end;
        if (*s == ',') {
            s++;
        } else {
            break;
        }
    }
    return n;
}

static void add(struct rmap *map, const char *name, uint64_t start,
                uint64_t end, unsigned attrs, enum rmap_kind kind,
                enum rmap_access access, const char *notes)
{
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    r.start = (uint32_t)start;
    r.end = end;
    r.attrs = attrs;
    r.kind = kind;
    r.source = RMAP_S_BOARD;
    r.access = access;
    snprintf(r.notes, sizeof r.notes, "%s", notes);
    if (start < end && end <= 0x100000000ULL) {
        rmap_add(map, &r);
    }
}

void discover_add_profile(struct rmap *map, const struct profile *prof)
{
    for (size_t i = 0; prof != NULL && i < prof->nregions; i++) {
        const struct profile_region *p = &prof->regions[i];
        struct rmap_region r;
        memset(&r, 0, sizeof r);
        snprintf(r.name, sizeof r.name, "%s", p->name);
        r.start = p->start;
        r.end = (uint64_t)p->start + p->size;
        r.attrs = p->attrs;
        r.kind = p->kind;
        r.source = RMAP_S_PROFILE;
        r.access = p->access;
        snprintf(r.notes, sizeof r.notes, "%s", p->notes);
        rmap_add(map, &r);
    }
}

void discover_apply_meminfo(struct rmap *map, struct discover_info *d,
                            const char *text, unsigned block_size)
{
    struct rc_msg msg;
    struct heapmap h;
    if (heapmap_parse(text, strlen(text), block_size, &h, &msg) != RC_OK) {
        rmap_note(map, "micropython.mem_info(1) could not be read: %s", msg.text);
        return;
    }
    for (size_t i = 0; i < h.nareas; i++) {
        const struct heapmap_area *a = &h.areas[i];
        char name[32], notes[200];
        snprintf(name, sizeof name, h.nareas > 1 ? "gc-heap-%zu" : "gc-heap", i + 1);
        uint64_t end = (uint64_t)a->pool_start + (uint64_t)a->nblocks * h.block_size;
        if (h.nareas == 1 && h.gc_total > 0) {
            snprintf(notes, sizeof notes, "GC heap (mem_info): %ld bytes used, "
                     "%ld free, %u-byte blocks", h.gc_used, h.gc_free,
                     h.block_size);
        } else {
            snprintf(notes, sizeof notes, "GC heap area %zu of %zu (mem_info), "
                     "%u-byte blocks", i + 1, h.nareas, h.block_size);
        }
        /* A heap the board reports is memory it has: a profile's RAM
         * that ends short of it was a guess, and is widened, out loud. */
        struct rmap_region was;
        char why[120], wsize[24], nsize[24];
        snprintf(why, sizeof why, "widened to hold the GC heap the board "
                 "reports (ends at 0x%08llx)", (unsigned long long)end);
        if (rmap_widen(map, a->pool_start, end, RMAP_K_RAM, why, &was)) {
            fmt_size(was.end - was.start, wsize, sizeof wsize);
            fmt_size(end - was.start, nsize, sizeof nsize);
            rmap_note(map, "the board's GC heap (0x%08x-0x%08llx) ends past the "
                      "profile's %s (%s): %s widened to %s, as the board "
                      "reports", a->pool_start, (unsigned long long)end, was.name,
                      wsize, was.name, nsize);
        }
        add(map, name, a->pool_start, end, RMAP_A_R | RMAP_A_W, RMAP_K_HEAP,
            RMAP_ACC_READ, notes);
    }
    if (h.stack_used >= 0) {
        if (h.stack_limit > 0) {
            rmap_note(map, "stack: %ld of %ld bytes in use (mem_info)",
                      h.stack_used, h.stack_limit);
        } else {
            rmap_note(map, "stack: %ld bytes in use (mem_info)", h.stack_used);
        }
    }
    if (d != NULL) {
        if (d->have_heap) {
            heapmap_fini(&d->heap);
        }
        d->heap = h;
        d->have_heap = 1;
        free(d->heap_text);
        d->heap_text = strdup(text);
    } else {
        heapmap_fini(&h);
    }
}

void discover_apply_modules(struct discover_info *d, const char *text)
{
    d->modules[0] = 0;
    d->nmodules = 0;
    d->modules_dropped = 0;
    size_t o = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t') {
            p++;
        }
        const char *w = p;
        while (*p && *p != ' ' && *p != '\r' && *p != '\n' && *p != '\t') {
            p++;
        }
        size_t n = (size_t)(p - w);
        if (n == 0) {
            break;
        }
        /* The list ends with "Plus any modules on the filesystem". */
        if (n == 4 && strncmp(w, "Plus", 4) == 0) {
            break;
        }
        if (o + n + 2 < sizeof d->modules) {
            if (o > 0) {
                d->modules[o++] = ' ';
            }
            memcpy(d->modules + o, w, n);
            o += n;
            d->modules[o] = 0;
            d->nmodules++;
        } else {
            d->modules_dropped++;
        }
    }
}

static int pow2(unsigned long long v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

void discover_apply_ficr(struct rmap *map, const char *text)
{
    char v[128];
    long long f[4];
    if (!fmt_kv(text, "ficr", v, sizeof v, NULL) || ints(v, f, 4) != 4) {
        rmap_note(map, "the FICR could not be read");
        return;
    }
    unsigned long long page = (uint32_t)f[0], pages = (uint32_t)f[1];
    unsigned long long nram = (uint32_t)f[2], ramblk = (uint32_t)f[3];
    char notes[200], size[24];
    if (pow2(page) && page >= 256 && page <= 4096 && pages >= 1 &&
        page * pages <= 1024 * 1024) {
        fmt_size(page * pages, size, sizeof size);
        snprintf(notes, sizeof notes, "code flash: FICR CODESIZE %llu pages x "
                 "CODEPAGESIZE %llu = %s", pages, page, size);
        add(map, "flash", 0, page * pages, RMAP_A_R | RMAP_A_X, RMAP_K_FLASH,
            RMAP_ACC_READ, notes);
    } else {
        rmap_note(map, "the board's FICR gives CODEPAGESIZE=0x%llx, "
                  "CODESIZE=0x%llx: implausible, not used", page, pages);
    }
    if (nram >= 1 && nram <= 8 && pow2(ramblk) && ramblk >= 1024 &&
        ramblk <= 65536 && nram * ramblk <= 256 * 1024) {
        fmt_size(nram * ramblk, size, sizeof size);
        snprintf(notes, sizeof notes, "SRAM: FICR NUMRAMBLOCK %llu x "
                 "SIZERAMBLOCKS %llu = %s", nram, ramblk, size);
        add(map, "ram", 0x20000000, 0x20000000ULL + nram * ramblk,
            RMAP_A_R | RMAP_A_W | RMAP_A_X, RMAP_K_RAM, RMAP_ACC_READ, notes);
    } else {
        rmap_note(map, "the board's FICR gives NUMRAMBLOCK=0x%llx, "
                  "SIZERAMBLOCKS=0x%llx: implausible, not used (RAM size from "
                  "the profile)", nram, ramblk);
    }
}

void discover_apply_esp8266(struct rmap *map, const char *text)
{
    char v[128], size[24], notes[200];
    long long fs[3];
    long long flash = -1, user = -1;
    if (fmt_kv(text, "flash_size", v, sizeof v, NULL)) {
        flash = strtoll(v, NULL, 10);
    }
    if (fmt_kv(text, "user_start", v, sizeof v, NULL)) {
        user = strtoll(v, NULL, 10);
    }
    if (flash > 0 && flash <= 16 * 1024 * 1024) {
        fmt_size((uint64_t)flash, size, sizeof size);
        rmap_note(map, "flash chip: %s (esp.flash_size)", size);
    } else if (flash != -1) {
        rmap_note(map, "esp.flash_size() gave %lld: implausible, not used", flash);
    }
    if (user > 0 && user <= 16 * 1024 * 1024) {
        uint64_t mapped = user < 0x100000 ? (uint64_t)user : 0x100000;
        snprintf(notes, sizeof notes, "firmware: flash offsets 0 to 0x%llx "
                 "(esp.flash_user_start)", (unsigned long long)user);
        add(map, "firmware", 0x40200000, 0x40200000 + mapped,
            RMAP_A_R | RMAP_A_X, RMAP_K_FLASH, RMAP_ACC_WORD, notes);
    }
    if (fmt_kv(text, "fs", v, sizeof v, NULL) && ints(v, fs, 3) == 3 &&
        fs[0] >= 0 && fs[1] == 4096 && fs[2] > 0 &&
        (fs[0] + fs[2]) * fs[1] <= 16LL * 1024 * 1024) {
        unsigned long long off = (unsigned long long)(fs[0] * fs[1]);
        unsigned long long len = (unsigned long long)(fs[2] * fs[1]);
        fmt_size(len, size, sizeof size);
        if (off + len <= 0x100000) {
            snprintf(notes, sizeof notes, "filesystem (flashbdev): %lld "
                     "blocks of %lld from flash offset 0x%llx", fs[2], fs[1], off);
            add(map, "filesystem", 0x40200000 + off, 0x40200000 + off + len,
                RMAP_A_R, RMAP_K_FILESYSTEM, RMAP_ACC_WORD, notes);
        } else {
            rmap_note(map, "filesystem (flashbdev): %s at flash offset 0x%llx, "
                      "beyond the memory-mapped first 1 MiB (not readable by "
                      "address)", size, off);
        }
    } else if (fmt_kv(text, "fs", v, sizeof v, NULL)) {
        rmap_note(map, "no flash filesystem (flashbdev.bdev is %s)", v);
    }
}

void discover_apply_esp32(struct rmap *map, const char *text)
{
    char v[200], size[24];
    const char *from = NULL;
    int n = 0;
    while (fmt_kv(text, "part", v, sizeof v, &from)) {
        long long f[5];
        const char *label = v;
        for (int c = 0; c < 5 && label; c++) {
            label = strchr(label, ',');
            if (label) {
                label++;
            }
        }
        if (ints(v, f, 5) != 5 || label == NULL || f[2] < 0 || f[3] <= 0) {
            rmap_note(map, "unreadable partition line '%s'", v);
            continue;
        }
        fmt_size((uint64_t)f[3], size, sizeof size);
        const char *type = f[0] == 0 ? "app" : f[0] == 1 ? "data" : "?";
        rmap_note(map, "partition %s: %s/0x%02llx at flash offset 0x%llx, %s%s",
                  label, type, f[1], f[2], size, f[4] ? ", encrypted" : "");
        n++;
    }
    if (n == 0) {
        rmap_note(map, "no partitions reported by esp32.Partition.find");
    }
    if (fmt_kv(text, "flash_size", v, sizeof v, NULL)) {
        long long fl = strtoll(v, NULL, 10);
        if (fl > 0 && fl <= 128LL * 1024 * 1024) {
            fmt_size((uint64_t)fl, size, sizeof size);
            rmap_note(map, "flash chip: %s (esp.flash_size); partitions are "
                      "flash offsets, not CPU addresses", size);
        }
    }
}

void discover_apply_rp2(struct rmap *map, const char *text)
{
    char v[128], size[24], notes[200];
    long long b[2], a[2];
    int have_blocks = fmt_kv(text, "fs_blocks", v, sizeof v, NULL) && ints(v, b, 2) == 2;
    if (fmt_kv(text, "fs_addr", v, sizeof v, NULL) && ints(v, a, 2) == 2 &&
        a[0] >= 0x10000000LL && a[1] > 0 && a[1] % 4096 == 0 &&
        a[0] + a[1] <= 0x11000000LL) {
        fmt_size((uint64_t)a[1], size, sizeof size);
        snprintf(notes, sizeof notes, "filesystem (rp2.Flash): %s%s", size,
                 have_blocks ? " in 4096-byte blocks" : "");
        add(map, "filesystem", (uint64_t)a[0], (uint64_t)(a[0] + a[1]), RMAP_A_R,
            RMAP_K_FILESYSTEM, RMAP_ACC_READ, notes);
        uint64_t flash = (uint64_t)(a[0] + a[1]) - 0x10000000ULL;
        fmt_size(flash, size, sizeof size);
        snprintf(notes, sizeof notes, "flash: %s (the filesystem ends at the "
                 "top of flash)", size);
        add(map, "flash", 0x10000000, 0x10000000ULL + flash, RMAP_A_R | RMAP_A_X,
            RMAP_K_FLASH, RMAP_ACC_READ, notes);
    } else if (have_blocks && b[0] > 0 && b[1] > 0) {
        fmt_size((uint64_t)(b[0] * b[1]), size, sizeof size);
        rmap_note(map, "filesystem (rp2.Flash): %s at the top of flash; this "
                  "firmware does not tell its address (before v1.25)", size);
    }
}

static int run(struct rrepl *r, const char *code, struct buf *out,
               struct rc_msg *msg);

/* The pool of the heap's first area and its length in blocks (all of
 * "GC: total" when there is one area, else the blocks printed). */
static int first_pool(const struct heapmap *h, uint32_t *start, uint64_t *blocks)
{
    if (h == NULL || h->nareas == 0 || h->block_size == 0) {
        return 0;
    }
    *start = h->areas[0].pool_start;
    *blocks = h->areas[0].nblocks;
    if (h->nareas == 1 && h->gc_total > 0 && h->gc_total % h->block_size == 0) {
        *blocks = (uint64_t)h->gc_total / h->block_size;
    }
    return *blocks > 0 && *blocks % 4 == 0 &&
           (uint64_t)*start + *blocks * h->block_size <= 0xffffffffULL;
}

/* The most RAM below the pool the board scans (16384 words). */
#define GC_SCAN_MAX 65536u

static uint32_t scan_lo(uint32_t pool, uint32_t ram_start)
{
    uint32_t lo = pool - ram_start > GC_SCAN_MAX ? pool - GC_SCAN_MAX : ram_start;
    return (lo + 3u) & ~3u;
}

size_t discover_gc_scan_code(const struct heapmap *h, uint32_t ram_start,
                             uint64_t ram_end, char *out, size_t size)
{
    uint32_t pool;
    uint64_t blocks;
    if (size > 0) {
        out[0] = 0;
    }
    if (!first_pool(h, &pool, &blocks) || pool <= ram_start || pool >= ram_end ||
        pool - ram_start < 24) {
        return 0;
    }
    uint64_t pool_end = pool + blocks * h->block_size;
    uint32_t lo = scan_lo(pool, ram_start);
    long lim = h->stack_limit > 0 ? h->stack_limit : -1;
    int n = snprintf(out, size,
        "def _mpkd():\n"
        " M=__import__('machine').mem32\n"
        " n=0\n"
        " a=%lu\n"
        " while a<%lu:\n"
        "  v=M[a]\n"
        "  if v==%lu and M[a+4]==%llu and n<16:print('gcs=%%d,%%d,%%d,%%d'%%(a,"
        "M[a-12]&0xffffffff,M[a-8]&0xffffffff,M[a-4]&0xffffffff));n+=1\n"
        "  if v==%ld and n<16:\n"
        "   t=M[a-4]&0xffffffff\n"
        "   if %llu<=t<=%llu:print('stk=%%d,%%d'%%(a-4,t));n+=1\n"
        "  a+=4\n"
        " print('gcs_done=%%d'%%n)\n"
        "try:\n"
        " _mpkd()\n"
        "finally:\n"
        " del _mpkd\n",
        (unsigned long)lo + 12, (unsigned long)pool - 4, (unsigned long)pool,
        (unsigned long long)pool_end, lim,
        (unsigned long long)ram_start + (lim > 0 ? (unsigned long long)lim : 0),
        (unsigned long long)ram_end);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

void discover_apply_gcstate(struct rmap *map, const struct heapmap *h,
                            const char *text, uint32_t ram_start,
                            uint64_t ram_end)
{
    uint32_t pool;
    uint64_t blocks;
    char v[128];
    if (!first_pool(h, &pool, &blocks)) {
        return;
    }
    if (!fmt_kv(text, "gcs_done", v, sizeof v, NULL)) {
        rmap_note(map, "the search for MicroPython's GC state did not finish: "
                  "the allocation table and stack bounds are not shown");
        return;
    }
    uint64_t pool_end = pool + blocks * h->block_size;
    uint64_t atb_len = blocks / 4, ftb_len = (blocks + 7) / 8;
    /* The allocation table: gc_alloc_table_start, _byte_len, then (with
     * finalisers) gc_finaliser_table_start: right after the table (v1.9)
     * or one byte later (v1.20+, a zero byte ends every chain). */
    uint64_t atb = 0, ftb = 0, where = 0;
    int found = 0, hits = 0;
    const char *from = NULL;
    while (fmt_kv(text, "gcs", v, sizeof v, &from)) {
        long long w[4];
        hits++;
        if (ints(v, w, 4) != 4 || w[0] < 12 || w[1] < 0 || w[2] < 0 || w[3] < 0 ||
            w[1] > 0xffffffffLL || w[2] > 0xffffffffLL || w[3] > 0xffffffffLL) {
            continue; /* words of RAM: none is negative or past 32 bits */
        }
        uint64_t a = 0, f = 0;
        if ((uint64_t)w[3] == atb_len) {
            a = (uint64_t)w[2];
        } else if ((uint64_t)w[2] == atb_len &&
                   ((uint64_t)w[3] == (uint64_t)w[1] + atb_len ||
                    (uint64_t)w[3] == (uint64_t)w[1] + atb_len + 1)) {
            a = (uint64_t)w[1];
            f = (uint64_t)w[3];
        } else {
            continue;
        }
        uint64_t table_end = f ? f + ftb_len : a + atb_len;
        if (a < ram_start || table_end > pool) {
            continue;
        }
        if (found && (a != atb || f != ftb)) {
            found = 2;
            continue;
        }
        if (!found) {
            found = 1;
            atb = a;
            ftb = f;
            where = (uint64_t)w[0] - (f ? 12 : 8);
        }
    }
    char notes[200];
    if (found == 1) {
        snprintf(notes, sizeof notes, "GC allocation table: 2 bits a block for "
                 "%llu blocks; bounds from MicroPython's GC state in RAM at "
                 "0x%08llx, matching mem_info's pool 0x%08x", (unsigned long long)blocks,
                 (unsigned long long)where, pool);
        add(map, "gc-atb", atb, atb + atb_len, RMAP_A_R | RMAP_A_W, RMAP_K_GCTABLE,
            RMAP_ACC_READ, notes);
        if (ftb) {
            snprintf(notes, sizeof notes, "GC finaliser table: 1 bit a block "
                     "(objects with __del__); from the GC state in RAM at 0x%08llx",
                     (unsigned long long)where);
            add(map, "gc-ftb", ftb, ftb + ftb_len, RMAP_A_R | RMAP_A_W,
                RMAP_K_GCTABLE, RMAP_ACC_READ, notes);
        }
    } else if (found == 2) {
        rmap_note(map, "MicroPython's GC state: more than one candidate in RAM "
                  "below the heap; the allocation table is not shown");
    } else {
        rmap_note(map, "MicroPython's GC state was not found in RAM below the "
                  "heap (%d candidate%s): the allocation table is not shown",
                  hits, hits == 1 ? "" : "s");
    }
    /* The stack MicroPython checks: stack_top and stack_limit, the limit
     * being the one mem_info printed.  mp_state_ctx_t is {thread, vm, mem}
     * (py/mpstate.h): with the GC state found, only a pair in the 4 KiB
     * before it counts (a copy of the two words elsewhere does not). */
    if (h->stack_limit <= 0) {
        return;
    }
    uint64_t lim = (uint64_t)h->stack_limit, top = 0;
    uint64_t low = found == 1 ? atb : pool, gc_at = found == 1 ? where : 0;
    int sfound = 0;
    from = NULL;
    while (fmt_kv(text, "stk", v, sizeof v, &from)) {
        long long w[2];
        if (ints(v, w, 2) != 2 || w[1] < 0 || w[0] < 0) {
            continue;
        }
        uint64_t t = (uint64_t)w[1];
        if (t % 4 != 0 || t < (uint64_t)ram_start + lim || t > ram_end ||
            (t - lim < pool_end && t > low)) {
            continue;
        }
        if (gc_at != 0 && ((uint64_t)w[0] >= gc_at || gc_at - (uint64_t)w[0] > 4096)) {
            continue;
        }
        if (sfound && t != top) {
            sfound = 2;
        } else if (!sfound) {
            sfound = 1;
            top = t;
            where = (uint64_t)w[0];
        }
    }
    if (sfound == 1) {
        snprintf(notes, sizeof notes, "the stack MicroPython checks: its "
                 "stack_top (in its state in RAM at 0x%08llx) and limit %llu "
                 "(mem_info: %ld in use)", (unsigned long long)where,
                 (unsigned long long)lim, h->stack_used);
        add(map, "stack", top - lim, top, RMAP_A_R | RMAP_A_W, RMAP_K_STACK,
            RMAP_ACC_READ, notes);
    } else {
        rmap_note(map, "MicroPython's stack top was %s in RAM below the heap: "
                  "the stack is not shown", sfound ? "ambiguous" : "not found");
    }
}

/* The RAM the board or a profile vouches for that holds addr (the
 * outermost), or NULL. */
static const struct rmap_region *ram_holding(const struct rmap *map, uint32_t addr)
{
    const struct rmap_region *best = NULL;
    for (size_t i = 0; i < rmap_count(map); i++) {
        const struct rmap_region *r = rmap_get(map, i);
        if (r->kind == RMAP_K_RAM && r->source != RMAP_S_LD &&
            r->source != RMAP_S_IMAGE && r->access == RMAP_ACC_READ &&
            r->start <= addr && addr < r->end &&
            (best == NULL || r->start < best->start)) {
            best = r;
        }
    }
    return best;
}

static int discover_gcstate(struct rrepl *r, struct rmap *map,
                            const struct heapmap *h, struct rc_msg *msg)
{
    if (h->nareas == 0) {
        return RC_OK;
    }
    const struct rmap_region *ram = ram_holding(map, h->areas[0].pool_start);
    if (ram == NULL) {
        rmap_note(map, "no known RAM holds the GC heap: its allocation table "
                  "and the stack are not looked for");
        return RC_OK;
    }
    uint32_t start = ram->start;
    uint64_t end = ram->end;
    char code[1200];
    if (discover_gc_scan_code(h, start, end, code, sizeof code) == 0) {
        return RC_OK;
    }
    struct buf out;
    buf_init(&out);
    int rc = run(r, code, &out, msg);
    if (rc == RC_OK) {
        discover_apply_gcstate(map, h, buf_str(&out), start, end);
    } else if (rc == RC_DEVICE || rc == RC_DEVMEM) {
        rmap_note(map, "the search for MicroPython's GC state failed on the "
                  "board: %s", msg->text);
        rc = RC_OK;
    }
    buf_fini(&out);
    return rc;
}

static int run(struct rrepl *r, const char *code, struct buf *out,
               struct rc_msg *msg)
{
    return rrepl_exec_own(r, code, out, msg);
}

int discover_heap(struct rrepl *r, const struct profile *prof,
                  struct rmap *map, struct discover_info *d,
                  struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    unsigned bs = prof != NULL ? prof->block_size : 16;
    int rc = run(r, snip_meminfo, &out, msg);
    if (rc == RC_OK) {
        discover_apply_meminfo(map, d, buf_str(&out), bs);
        if (d != NULL && d->have_heap) {
            rc = discover_gcstate(r, map, &d->heap, msg);
        }
    } else if (rc == RC_DEVICE || rc == RC_DEVMEM) {
        rmap_note(map, "mem_info failed on the board: %s", msg->text);
        rc = RC_OK;
    }
    buf_fini(&out);
    return rc;
}

int discover_modules(struct rrepl *r, struct discover_info *d,
                     struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    int rc = run(r, snip_modules, &out, msg);
    if (rc == RC_OK && d != NULL) {
        discover_apply_modules(d, buf_str(&out));
    } else if (rc == RC_DEVICE || rc == RC_DEVMEM) {
        rc = RC_OK;
    }
    buf_fini(&out);
    return rc;
}

int discover_port(struct rrepl *r, const struct profile *prof,
                  struct rmap *map, struct rc_msg *msg)
{
    static const struct {
        const char *method;
        const char *code;
        void (*apply)(struct rmap *, const char *);
    } steps[] = {
        {"nrf51-ficr", snip_ficr, discover_apply_ficr},
        {"esp8266", snip_esp8266, discover_apply_esp8266},
        {"esp32", snip_esp32, discover_apply_esp32},
        {"rp2", snip_rp2, discover_apply_rp2},
    };
    struct buf out;
    buf_init(&out);
    int rc = RC_OK;
    for (size_t i = 0; prof != NULL && i < sizeof steps / sizeof steps[0]; i++) {
        if (!profile_has_discover(prof, steps[i].method)) {
            continue;
        }
        rc = run(r, steps[i].code, &out, msg);
        if (rc == RC_OK) {
            steps[i].apply(map, buf_str(&out));
        } else if (rc == RC_DEVICE || rc == RC_DEVMEM) {
            rmap_note(map, "%s discovery failed on the board: %s",
                      steps[i].method, msg->text);
            rc = RC_OK;
        } else {
            break;
        }
    }
    buf_fini(&out);
    return rc;
}

int discover_run(struct rrepl *r, const struct profile *prof,
                 struct rmap *map, struct discover_info *d,
                 struct rc_msg *msg)
{
    int rc = discover_heap(r, prof, map, d, msg);
    if (rc == RC_OK) {
        rc = discover_modules(r, d, msg);
    }
    if (rc == RC_OK) {
        rc = discover_port(r, prof, map, msg);
    }
    return rc;
}
