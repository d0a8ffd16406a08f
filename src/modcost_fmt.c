/*
 * modcost_fmt.c: the per-module heap report (modcost.h) as a table, CSV
 * or JSON.  Reads nothing but the report; names from the board are
 * escaped (fmt.h).
 */
#include "modcost.h"

#include <string.h>

#include "buf.h"
#include "fmt.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

enum modcost_where modcost_where_of(const char *name, const char *file,
                                    const char *frozen_as,
                                    const struct modcost_cost *c)
{
    if (strcmp(name, "__main__") == 0) {
        return MODCOST_WHERE_REPL;
    }
    if ((frozen_as != NULL && frozen_as[0] != 0) ||
        (c->fun_rom_code > 0 && c->fun_heap_code == 0)) {
        return MODCOST_WHERE_FROZEN;
    }
    if (file != NULL && ends_with(file, ".mpy")) {
        return MODCOST_WHERE_MPY;
    }
    if (file != NULL && ends_with(file, ".py")) {
        return MODCOST_WHERE_PY;
    }
    if (c->fun_heap_code > 0 || c->bytes[MODCOST_BYTECODE] > 0) {
        return MODCOST_WHERE_RAM;
    }
    return MODCOST_WHERE_UNKNOWN;
}

const char *modcost_where_name(enum modcost_where w)
{
    switch (w) {
    case MODCOST_WHERE_FROZEN:
        return "flash (frozen)";
    case MODCOST_WHERE_PY:
        return "RAM (.py)";
    case MODCOST_WHERE_MPY:
        return "RAM (.mpy)";
    case MODCOST_WHERE_RAM:
        return "RAM";
    case MODCOST_WHERE_REPL:
        return "RAM (REPL)";
    default:
        return "unknown";
    }
}

int modcost_freezable(enum modcost_where w)
{
    return w == MODCOST_WHERE_PY || w == MODCOST_WHERE_MPY || w == MODCOST_WHERE_RAM;
}

uint64_t modcost_report_saving(const struct modcost_report *rep)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < rep->nrows; i++) {
        if (modcost_freezable(rep->rows[i].where)) {
            sum += modcost_freeze_saving(&rep->rows[i].cost);
        }
    }
    return sum;
}

static void table_line(struct buf *b, const char *name, const char *where,
                       const struct modcost_cost *c, int saving)
{
    char e[512];
    buf_printf(b, "%-16s %-15s %7llu", fmt_esc(name, e, sizeof e), where,
               (unsigned long long)c->total);
    for (int k = 0; k < MODCOST_NCAT; k++) {
        buf_printf(b, " %8llu", (unsigned long long)c->bytes[k]);
    }
    if (saving) {
        buf_printf(b, " %8llu\n", (unsigned long long)modcost_freeze_saving(c));
    } else {
        buf_addstr(b, "        -\n");
    }
}

static void table(const struct modcost_report *rep, struct buf *b)
{
    static const char *const head[MODCOST_NCAT] = {
        "bytecode", "rawcode", "consttab", "constobj", "function", "globals", "other"};
    buf_printf(b, "%-16s %-15s %7s", "module", "code", "bytes");
    for (int k = 0; k < MODCOST_NCAT; k++) {
        buf_printf(b, " %8s", head[k]);
    }
    buf_printf(b, " %8s\n", "freeze");
    for (size_t i = 0; i < rep->nrows; i++) {
        const struct modcost_row *r = &rep->rows[i];
        table_line(b, r->name, modcost_where_name(r->where), &r->cost,
                   r->where != MODCOST_WHERE_FROZEN && r->where != MODCOST_WHERE_UNKNOWN);
    }
    table_line(b, "(shared)", "", &rep->shared, 0);
    buf_printf(b, "%-16s %-15s %7llu\n", "(not attributed)", "",
               (unsigned long long)rep->unattributed_bytes);
    buf_printf(b, "%-16s %-15s %7llu\n", "(heap used)", "",
               (unsigned long long)rep->used_bytes);
    for (size_t i = 0; i < rep->nrows; i++) {
        const struct modcost_row *r = &rep->rows[i];
        char e[512], e2[512];
        if (r->frozen_as[0] != 0) {
            buf_printf(b, "%s: frozen row %s\n", fmt_esc(r->name, e, sizeof e),
                       fmt_esc(r->frozen_as, e2, sizeof e2));
        } else if (r->file[0] != 0) {
            buf_printf(b, "%s: from %s\n", fmt_esc(r->name, e, sizeof e),
                       fmt_esc(r->file, e2, sizeof e2));
        }
    }
    buf_printf(b, "freezing the RAM-loaded modules would give back %llu bytes of heap "
               "(bytecode, raw code, const tables and objects; __main__ not included)\n",
               (unsigned long long)modcost_report_saving(rep));
    buf_addstr(b, "(shared): reached from two or more modules, counted once; "
               "(not attributed): qstr pools, the REPL's state, garbage");
    if (rep->skipped > 0) {
        buf_printf(b, " and mpeek's own %u helper global%s", rep->skipped,
                   rep->skipped == 1 ? "" : "s");
    }
    buf_addstr(b, "\n");
    if (rep->note != NULL) {
        buf_printf(b, "note: %s\n", rep->note);
    }
}

static void csv_cost(struct buf *b, const struct modcost_cost *c, long long saving)
{
    buf_printf(b, ",%llu", (unsigned long long)c->total);
    for (int k = 0; k < MODCOST_NCAT; k++) {
        buf_printf(b, ",%llu", (unsigned long long)c->bytes[k]);
    }
    if (saving >= 0) {
        buf_printf(b, ",%lld\n", saving);
    } else {
        buf_addstr(b, ",\n");
    }
}

static void csv(const struct modcost_report *rep, struct buf *b)
{
    buf_addstr(b, "module,code,file,frozen_as,bytes");
    for (int k = 0; k < MODCOST_NCAT; k++) {
        buf_printf(b, ",%s", modcost_cat_key((enum modcost_cat)k));
    }
    buf_addstr(b, ",freeze_saves\n");
    for (size_t i = 0; i < rep->nrows; i++) {
        const struct modcost_row *r = &rep->rows[i];
        fmt_csv_field(b, r->name);
        buf_addstr(b, ",");
        fmt_csv_field(b, modcost_where_name(r->where));
        buf_addstr(b, ",");
        fmt_csv_field(b, r->file);
        buf_addstr(b, ",");
        fmt_csv_field(b, r->frozen_as);
        int can = r->where != MODCOST_WHERE_FROZEN && r->where != MODCOST_WHERE_UNKNOWN;
        csv_cost(b, &r->cost, can ? (long long)modcost_freeze_saving(&r->cost) : -1);
    }
    buf_addstr(b, "(shared),,,");
    csv_cost(b, &rep->shared, -1);
    buf_printf(b, "(not attributed),,,,%llu,,,,,,,,\n",
               (unsigned long long)rep->unattributed_bytes);
    buf_printf(b, "(heap used),,,,%llu,,,,,,,,\n", (unsigned long long)rep->used_bytes);
}

static void json_cost(struct buf *b, const struct modcost_cost *c)
{
    buf_printf(b, "\"bytes\": %llu, \"objects\": %u", (unsigned long long)c->total,
               (unsigned)c->objects);
    for (int k = 0; k < MODCOST_NCAT; k++) {
        buf_printf(b, ", \"%s\": %llu", modcost_cat_key((enum modcost_cat)k),
                   (unsigned long long)c->bytes[k]);
    }
}

static void json(const struct modcost_report *rep, struct buf *b)
{
    buf_addstr(b, "{\"modules\": [");
    for (size_t i = 0; i < rep->nrows; i++) {
        const struct modcost_row *r = &rep->rows[i];
        buf_addstr(b, i ? ",\n  {\"name\": " : "\n  {\"name\": ");
        fmt_json_str(b, r->name);
        buf_addstr(b, ", \"code\": ");
        fmt_json_str(b, modcost_where_name(r->where));
        buf_addstr(b, ", \"file\": ");
        if (r->file[0] != 0) {
            fmt_json_str(b, r->file);
        } else {
            buf_addstr(b, "null");
        }
        buf_addstr(b, ", \"frozen_as\": ");
        if (r->frozen_as[0] != 0) {
            fmt_json_str(b, r->frozen_as);
        } else {
            buf_addstr(b, "null");
        }
        buf_addstr(b, ", ");
        json_cost(b, &r->cost);
        buf_printf(b, ", \"functions_with_heap_code\": %u, \"functions_with_flash_code\": %u",
                   (unsigned)r->cost.fun_heap_code, (unsigned)r->cost.fun_rom_code);
        if (r->where != MODCOST_WHERE_FROZEN && r->where != MODCOST_WHERE_UNKNOWN) {
            buf_printf(b, ", \"freeze_saves\": %llu}",
                       (unsigned long long)modcost_freeze_saving(&r->cost));
        } else {
            buf_addstr(b, ", \"freeze_saves\": null}");
        }
    }
    buf_addstr(b, "],\n \"shared\": {");
    json_cost(b, &rep->shared);
    buf_printf(b, "},\n \"not_attributed\": %llu, \"heap_used\": %llu, "
               "\"board_gc_used\": %ld, \"freeze_saves\": %llu, "
               "\"skipped_helper_globals\": %u, \"note\": ",
               (unsigned long long)rep->unattributed_bytes,
               (unsigned long long)rep->used_bytes, rep->board_used,
               (unsigned long long)modcost_report_saving(rep), rep->skipped);
    if (rep->note != NULL) {
        fmt_json_str(b, rep->note);
    } else {
        buf_addstr(b, "null");
    }
    buf_addstr(b, "}\n");
}

int modcost_format(const struct modcost_report *rep, int fmt, struct buf *out)
{
    switch (fmt) {
    case 0:
        table(rep, out);
        break;
    case 1:
        csv(rep, out);
        break;
    case 2:
        json(rep, out);
        break;
    default:
        return RC_ARG;
    }
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}
