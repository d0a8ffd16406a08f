/*
 * test_objhl.c: where a decoded object's parts sit, by panel line: the
 * type word, each field's bytes, each item's slot (a dict's key and value
 * on one line), the data bytes of a str.
 */
#include "objhl.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct objdec_obj *child(uint32_t word, uint32_t at)
{
    struct objdec_obj *c = calloc(1, sizeof *c);
    c->kind = OBJDEC_SMALL_INT;
    c->word = word;
    c->at = at;
    return c;
}

static void field(struct objdec_obj *o, const char *name, uint32_t v, int ptr, uint32_t off,
                  uint32_t size)
{
    struct objdec_field *f = &o->fields[o->nfields++];
    f->name = name;
    f->value = v;
    f->is_ptr = ptr;
    f->off = off;
    f->size = size;
}

TEST(list_parts_by_line)
{
    struct objdec_obj *o = calloc(1, sizeof *o);
    o->kind = OBJDEC_LIST;
    o->addr = 0x20000100;
    o->hdr_len = 16;
    field(o, "alloc", 4, 0, 4, 4);
    field(o, "len", 2, 0, 8, 4);
    field(o, "items", 0x20000200, 1, 12, 4);
    struct objdec_obj *items[2] = {child(3, 0x20000200), child(5, 0x20000204)};
    o->items = items;
    o->nitems = 2;
    static struct objhl h;
    objhl_build(o, &h);
    CHECK_EQ_INT((int)h.n, 6);
    /* line 0 the type word, 1-3 the fields, 4-5 the items */
    const struct objhl_span *s = objhl_at(&h, 0x20000103);
    CHECK(s != NULL && s->part == OBJHL_TYPE && s->line == 0 && s->addr == 0x20000100);
    s = objhl_at(&h, 0x20000108);
    CHECK(s != NULL && s->part == OBJHL_FIELD && s->line == 2 && s->len == 4);
    s = objhl_at(&h, 0x2000010f);
    CHECK(s != NULL && s->line == 3);
    CHECK(objhl_at(&h, 0x20000110) == NULL); /* past the object's 16 bytes */
    s = objhl_at(&h, 0x20000205);
    CHECK(s != NULL && s->part == OBJHL_ITEM && s->line == 5 && s->addr == 0x20000204);
    CHECK(objhl_at(&h, 0x20000208) == NULL);
    o->items = NULL;
    o->nitems = 0;
    free(items[0]);
    free(items[1]);
    objdec_free(o);
}

TEST(dict_pairs_share_a_line)
{
    struct objdec_obj *o = calloc(1, sizeof *o);
    o->kind = OBJDEC_DICT;
    o->addr = 0x20000100;
    o->hdr_len = 16;
    field(o, "used", 2, 0, 4, 4);
    field(o, "flags", 0, 0, 4, 4);
    field(o, "alloc", 3, 0, 8, 4);
    field(o, "table", 0x20000300, 1, 12, 4);
    struct objdec_obj *items[4] = {child(1, 0x20000308), child(2, 0x2000030c),
                                   child(3, 0x20000310), child(4, 0x20000314)};
    o->items = items;
    o->nitems = 4;
    static struct objhl h;
    objhl_build(o, &h);
    /* used and flags share the word: the first (used, line 1) is found */
    const struct objhl_span *s = objhl_at(&h, 0x20000104);
    CHECK(s != NULL && s->line == 1);
    s = objhl_at(&h, 0x20000308);
    CHECK(s != NULL && s->line == 5);
    s = objhl_at(&h, 0x2000030c);
    CHECK(s != NULL && s->line == 5);
    s = objhl_at(&h, 0x20000314);
    CHECK(s != NULL && s->line == 6);
    o->items = NULL;
    o->nitems = 0;
    for (int i = 0; i < 4; i++) {
        free(items[i]);
    }
    objdec_free(o);
}

TEST(str_data_and_tagged_words)
{
    struct objdec_obj *o = calloc(1, sizeof *o);
    o->kind = OBJDEC_STR;
    o->addr = 0x20000100;
    o->hdr_len = 16;
    field(o, "hash", 1, 0, 4, 4);
    field(o, "len", 5, 0, 8, 4);
    field(o, "data", 0x20000400, 1, 12, 4);
    o->text = strdup("hello");
    o->len = 5;
    static struct objhl h;
    objhl_build(o, &h);
    const struct objhl_span *s = objhl_at(&h, 0x20000404);
    CHECK(s != NULL && s->part == OBJHL_DATA && s->line == -1 && s->len == 5);
    CHECK(objhl_at(&h, 0x20000405) == NULL);
    objdec_free(o);

    /* an interned str is a tagged word: in no memory */
    o = calloc(1, sizeof *o);
    o->kind = OBJDEC_QSTR;
    o->word = 0x1232;
    field(o, "qstr", 0x246, 0, 0, 0);
    objhl_build(o, &h);
    CHECK_EQ_INT((int)h.n, 0);
    objhl_build(NULL, &h);
    CHECK_EQ_INT((int)h.n, 0);
    objdec_free(o);

    /* a span that would pass 2^32 is left out */
    o = calloc(1, sizeof *o);
    o->kind = OBJDEC_LIST;
    o->addr = 0xfffffff8;
    o->hdr_len = 16;
    field(o, "alloc", 4, 0, 4, 4);
    field(o, "len", 2, 0, 8, 4);
    objhl_build(o, &h);
    CHECK_EQ_INT((int)h.n, 2);
    CHECK(objhl_at(&h, 0xffffffff) != NULL && objhl_at(&h, 0xffffffff)->line == 1);
    /* only 8 bytes were read (a small object at the end of memory): the
     * fields past them are not outlined */
    o->addr = 0x20000100;
    o->hdr_len = 8;
    objhl_build(o, &h);
    CHECK_EQ_INT((int)h.n, 2);
    CHECK(objhl_at(&h, 0x20000108) == NULL);
    objdec_free(o);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(list_parts_by_line);
    RUN(dict_pairs_share_a_line);
    RUN(str_data_and_tagged_words);
    return harness_done("objhl");
}
