/*
 * test_pcache.c: the page cache: states, values, change marks, staleness,
 * growth, and a writer thread racing a reader.
 */
#include "pcache.h"

#include <pthread.h>
#include <string.h>

#include "harness.h"

TEST(put_get_states)
{
    struct pcache *c;
    CHECK_EQ_INT(pcache_new(&c), 0);
    uint8_t v = 0;
    CHECK_EQ_INT(pcache_get(c, 0x1000, &v, NULL), PCACHE_UNREAD);
    uint8_t data[600];
    for (int i = 0; i < 600; i++) {
        data[i] = (uint8_t)i;
    }
    pcache_put(c, 0x20000000 - 100, data, sizeof data); /* spans pages */
    CHECK_EQ_INT(pcache_get(c, 0x20000000 - 100, &v, NULL), PCACHE_OK);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(pcache_get(c, 0x20000000 + 499, &v, NULL), PCACHE_OK);
    CHECK_EQ_INT(v, (uint8_t)599);
    CHECK_EQ_INT(pcache_get(c, 0x20000000 + 500, &v, NULL), PCACHE_UNREAD);
    CHECK(pcache_have(c, 0x20000000 - 100, 600));
    CHECK(!pcache_have(c, 0x20000000 - 100, 601));
    pcache_mark(c, 0x20000000, 4, PCACHE_BAD);
    CHECK_EQ_INT(pcache_get(c, 0x20000002, NULL, NULL), PCACHE_BAD);
    CHECK(!pcache_have(c, 0x20000000, 4));
    pcache_stale_all(c);
    CHECK_EQ_INT(pcache_get(c, 0x20000010, &v, NULL), PCACHE_STALE);
    CHECK_EQ_INT(v, 116);
    CHECK_EQ_INT(pcache_get(c, 0x20000000, NULL, NULL), PCACHE_BAD);
    /* The last byte of the address space. */
    uint8_t last = 0xAB;
    pcache_put(c, 0xffffffff, &last, 1);
    CHECK_EQ_INT(pcache_get(c, 0xffffffff, &v, NULL), PCACHE_OK);
    CHECK_EQ_INT(v, 0xAB);
    pcache_free(c);
}

TEST(change_marks)
{
    struct pcache *c;
    pcache_new(&c);
    uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 9, 3, 4};
    unsigned g;
    pcache_put(c, 100, a, 4);
    pcache_get(c, 101, NULL, &g);
    CHECK_EQ_INT(g, 0);
    unsigned gen = pcache_next_gen(c);
    pcache_put(c, 100, b, 4);
    pcache_get(c, 101, NULL, &g);
    CHECK_EQ_INT(g, gen);
    pcache_get(c, 100, NULL, &g);
    CHECK_EQ_INT(g, 0);
    pcache_free(c);
}

TEST(many_pages)
{
    struct pcache *c;
    pcache_new(&c);
    uint8_t page[PCACHE_PAGE];
    for (uint32_t i = 0; i < 5000; i++) {
        memset(page, (int)(i & 0xff), sizeof page);
        pcache_put(c, i * 0x10000u, page, sizeof page);
    }
    CHECK_EQ_INT(pcache_pages(c), 5000);
    uint8_t v;
    CHECK_EQ_INT(pcache_get(c, 4321u * 0x10000u + 7, &v, NULL), PCACHE_OK);
    CHECK_EQ_INT(v, 4321 & 0xff);
    pcache_free(c);
}

static void *writer(void *arg)
{
    struct pcache *c = arg;
    uint8_t buf[1024];
    for (int round = 0; round < 200; round++) {
        memset(buf, round, sizeof buf);
        pcache_put(c, (uint32_t)(round % 50) * 4096u, buf, sizeof buf);
    }
    return NULL;
}

TEST(threads)
{
    struct pcache *c;
    pcache_new(&c);
    pthread_t t;
    pthread_create(&t, NULL, writer, c);
    unsigned seen = 0;
    for (int i = 0; i < 20000; i++) {
        uint8_t v;
        if (pcache_get(c, (uint32_t)(i % 50) * 4096u + 17, &v, NULL) == PCACHE_OK) {
            seen++;
        }
    }
    pthread_join(t, NULL);
    CHECK(pcache_have(c, 0, 1024));
    CHECK_EQ_INT(pcache_pages(c), 200);
    (void)seen;
    pcache_free(c);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(put_get_states);
    RUN(change_marks);
    RUN(many_pages);
    RUN(threads);
    return harness_done("pcache");
}
