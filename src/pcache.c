/*
 * pcache.c: the sparse page cache of board memory (see pcache.h).
 *
 * Pages live in an open-addressing hash table keyed by page number; it
 * grows at 50% load.  One mutex guards everything: operations are short.
 */
#include "pcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct page {
    uint32_t num;   /* addr / PCACHE_PAGE */
    uint8_t data[PCACHE_PAGE];
    uint8_t state[PCACHE_PAGE];
    unsigned changed[PCACHE_PAGE];
};

struct pcache {
    pthread_mutex_t lock;
    struct page **slots;
    size_t cap;   /* power of two */
    size_t n;
    unsigned gen;
};

int pcache_new(struct pcache **out)
{
    struct pcache *c = calloc(1, sizeof *c);
    if (c == NULL) {
        *out = NULL;
        return -1;
    }
    c->cap = 64;
    c->slots = calloc(c->cap, sizeof *c->slots);
    if (c->slots == NULL) {
        free(c);
        *out = NULL;
        return -1;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->gen = 1;
    *out = c;
    return 0;
}

void pcache_free(struct pcache *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->cap; i++) {
        free(c->slots[i]);
    }
    free(c->slots);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static size_t slot_of(const struct pcache *c, uint32_t num)
{
    uint32_t h = num * 2654435761u;
    return (size_t)h & (c->cap - 1);
}

static struct page *find(const struct pcache *c, uint32_t num)
{
    for (size_t i = slot_of(c, num);; i = (i + 1) & (c->cap - 1)) {
        struct page *p = c->slots[i];
        if (p == NULL) {
            return NULL;
        }
        if (p->num == num) {
            return p;
        }
    }
}

static int grow(struct pcache *c)
{
    size_t cap = c->cap * 2;
    struct page **s = calloc(cap, sizeof *s);
    if (s == NULL) {
        return -1;
    }
    struct page **old = c->slots;
    size_t oldcap = c->cap;
    c->slots = s;
    c->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i] != NULL) {
            size_t j = slot_of(c, old[i]->num);
            while (c->slots[j] != NULL) {
                j = (j + 1) & (cap - 1);
            }
            c->slots[j] = old[i];
        }
    }
    free(old);
    return 0;
}

static struct page *get_or_add(struct pcache *c, uint32_t num)
{
    struct page *p = find(c, num);
    if (p != NULL) {
        return p;
    }
    if ((c->n + 1) * 2 > c->cap && grow(c) < 0) {
        return NULL;
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        return NULL;
    }
    p->num = num;
    size_t j = slot_of(c, num);
    while (c->slots[j] != NULL) {
        j = (j + 1) & (c->cap - 1);
    }
    c->slots[j] = p;
    c->n++;
    return p;
}

void pcache_put(struct pcache *c, uint32_t addr, const uint8_t *data,
                size_t len)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < len; i++) {
        uint32_t a = addr + (uint32_t)i;
        struct page *p = get_or_add(c, a / PCACHE_PAGE);
        if (p == NULL) {
            break;
        }
        unsigned o = a % PCACHE_PAGE;
        if ((p->state[o] == PCACHE_OK || p->state[o] == PCACHE_STALE) &&
            p->data[o] != data[i]) {
            p->changed[o] = c->gen;
        }
        p->data[o] = data[i];
        p->state[o] = PCACHE_OK;
        if (a == 0xffffffffu) {
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void pcache_mark(struct pcache *c, uint32_t addr, size_t len,
                 enum pcache_state st)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < len; i++) {
        uint32_t a = addr + (uint32_t)i;
        struct page *p = st == PCACHE_UNREAD ? find(c, a / PCACHE_PAGE)
                                             : get_or_add(c, a / PCACHE_PAGE);
        if (p != NULL) {
            p->state[a % PCACHE_PAGE] = (uint8_t)st;
        }
        if (a == 0xffffffffu) {
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

enum pcache_state pcache_get(struct pcache *c, uint32_t addr, uint8_t *value,
                             unsigned *changed_gen)
{
    pthread_mutex_lock(&c->lock);
    struct page *p = find(c, addr / PCACHE_PAGE);
    enum pcache_state st = PCACHE_UNREAD;
    if (p != NULL) {
        unsigned o = addr % PCACHE_PAGE;
        st = (enum pcache_state)p->state[o];
        if (value != NULL) {
            *value = p->data[o];
        }
        if (changed_gen != NULL) {
            *changed_gen = p->changed[o];
        }
    } else if (changed_gen != NULL) {
        *changed_gen = 0;
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

int pcache_have(struct pcache *c, uint32_t addr, size_t len)
{
    int ok = 1;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < len && ok; i++) {
        uint32_t a = addr + (uint32_t)i;
        struct page *p = find(c, a / PCACHE_PAGE);
        ok = p != NULL && p->state[a % PCACHE_PAGE] == PCACHE_OK;
        if (a == 0xffffffffu) {
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

void pcache_stale_all(struct pcache *c)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->cap; i++) {
        struct page *p = c->slots[i];
        for (unsigned o = 0; p != NULL && o < PCACHE_PAGE; o++) {
            if (p->state[o] == PCACHE_OK) {
                p->state[o] = PCACHE_STALE;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
}

unsigned pcache_next_gen(struct pcache *c)
{
    pthread_mutex_lock(&c->lock);
    unsigned g = ++c->gen;
    pthread_mutex_unlock(&c->lock);
    return g;
}

unsigned pcache_gen(struct pcache *c)
{
    pthread_mutex_lock(&c->lock);
    unsigned g = c->gen;
    pthread_mutex_unlock(&c->lock);
    return g;
}

size_t pcache_pages(struct pcache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}
