/*
 * test_qcache.c: the qstr cache's file (qcache.h): what is written reads
 * back the same; every kind of bad file (cut short, another format
 * version, a flipped byte, another firmware's, fields out of range) is
 * refused with one line saying why; files are replaced whole, in a folder
 * made on demand; the folder follows XDG_CACHE_HOME and HOME.
 */
#include "qcache.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "harness.h"
#include "recdec.h"

static struct qstr_hint sample(void)
{
    struct qstr_hint h;
    memset(&h, 0, sizeof h);
    h.fam = 2;
    h.hw = 2;
    h.lw = 1;
    h.hdr = 24;
    h.npools = 2;
    h.pools[0] = (struct qstr_hint_pool){0x0003a000, 0, 150, 10, 0x0003a300, 0x0003a500};
    h.pools[1] = (struct qstr_hint_pool){0x0003b000, 150, 600, 10, 0x0003b900, 0x0003c000};
    h.count = 750;
    for (int i = 0; i < 32; i++) {
        h.digest[i] = (uint8_t)(i * 7 + 1);
    }
    h.last_word = 0x20000a1c;
    return h;
}

static void ident(uint8_t id[32], const char *version)
{
    struct board_info bi;
    memset(&bi, 0, sizeof bi);
    snprintf(bi.impl, sizeof bi.impl, "micropython");
    snprintf(bi.version, sizeof bi.version, "%s", version);
    snprintf(bi.firmware, sizeof bi.firmware, "v%s on 2026-01-01", version);
    snprintf(bi.machine, sizeof bi.machine, "micro:bit with nRF51822");
    snprintf(bi.platform, sizeof bi.platform, "microbit");
    qcache_identity(&bi, id);
}

/* Re-seal b (n bytes) after an edit: its checksum made right again. */
static void reseal(uint8_t *b, size_t n)
{
    recdec_sha256(b, n - 32, b + n - 32);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

TEST(round_trip)
{
    uint8_t id[32], b[QCACHE_MAX];
    ident(id, "1.29.0");
    struct qstr_hint h = sample(), back;
    size_t n = qcache_encode(&h, id, b);
    CHECK_EQ_INT(n, QCACHE_HEAD + 2 * 24 + 32);
    struct rc_msg m;
    CHECK_EQ_INT(qcache_decode(b, n, id, &back, &m), RC_OK);
    CHECK(memcmp(&back, &h, sizeof h) == 0);
    /* Nothing to keep: no pools, too many. */
    h.npools = 0;
    CHECK_EQ_INT(qcache_encode(&h, id, b), 0);
    h.npools = QSTR_HINT_POOLS + 1;
    CHECK_EQ_INT(qcache_encode(&h, id, b), 0);
}

TEST(identity_tells_firmwares_apart)
{
    uint8_t a[32], b[32], c[32];
    ident(a, "1.29.0");
    ident(b, "1.29.1");
    ident(c, "1.29.0");
    CHECK(memcmp(a, b, 32) != 0);
    CHECK(memcmp(a, c, 32) == 0);
    struct board_info x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    /* Fields do not run into each other: "ab"+"c" is not "a"+"bc". */
    snprintf(x.impl, sizeof x.impl, "ab");
    snprintf(x.version, sizeof x.version, "c");
    snprintf(y.impl, sizeof y.impl, "a");
    snprintf(y.version, sizeof y.version, "bc");
    qcache_identity(&x, a);
    qcache_identity(&y, b);
    CHECK(memcmp(a, b, 32) != 0);
}

static void refused(const uint8_t *b, size_t n, const uint8_t id[32], const char *want)
{
    struct qstr_hint h;
    struct rc_msg m;
    m.text[0] = 0;
    CHECK_EQ_INT(qcache_decode(b, n, id, &h, &m), RC_PARSE);
    if (strstr(m.text, want) == NULL) {
        printf("  want \"%s\" in \"%s\"\n", want, m.text);
        harness_failed_checks++;
    }
    CHECK(strchr(m.text, '\n') == NULL);
}

TEST(bad_files_refused)
{
    uint8_t id[32], other[32], b[QCACHE_MAX + 8];
    ident(id, "1.9.2");
    ident(other, "1.9.3");
    struct qstr_hint h = sample();
    size_t n = qcache_encode(&h, id, b);
    refused(b, 0, id, "not an mpeek qstr cache");
    refused((const uint8_t *)"hello, world\n", 13, id, "not an mpeek qstr cache");
    refused(b, n - 1, id, "bytes, but 2 pools take");
    refused(b, 60, id, "cut short");
    refused(b, n, other, "another firmware");
    /* Every byte flipped: refused (the checksum, or the field first). */
    for (size_t i = 0; i < n; i++) {
        uint8_t c[QCACHE_MAX];
        memcpy(c, b, n);
        c[i] ^= 0x40;
        struct qstr_hint x;
        struct rc_msg m;
        if (qcache_decode(c, n, id, &x, &m) != RC_PARSE) {
            printf("  byte %zu flipped: accepted\n", i);
            harness_failed_checks++;
        }
    }
    uint8_t c[QCACHE_MAX];
    memcpy(c, b, n);
    c[100] ^= 1;
    refused(c, n, id, "checksum does not match");
    /* Another format version: said so, even with a right checksum. */
    memcpy(c, b, n);
    put32(c + 8, 2);
    reseal(c, n);
    refused(c, n, id, "format version 2; this mpeek reads 1");
    /* Sealed, but out of range. */
    memcpy(c, b, n);
    put32(c + 56, 16);
    reseal(c, n);
    refused(c, n, id, "not one MicroPython has");
    memcpy(c, b, n);
    put32(c + 100, 0x20000a1e);
    reseal(c, n);
    refused(c, n, id, "not word-aligned");
    memcpy(c, b, n);
    put32(c + QCACHE_HEAD + 24 + 4, 149);
    reseal(c, n);
    refused(c, n, id, "const pool 1 (at 0x0003b000, 600 qstrs from 149)");
    memcpy(c, b, n);
    put32(c + 64, 751);
    reseal(c, n);
    refused(c, n, id, "751 qstrs, but the pools hold 750");
    memcpy(c, b, n);
    put32(c + 60, 9);
    reseal(c, n);
    refused(c, n, id, "9 const pools (1 to 8)");
    memcpy(c, b, n);
    put32(c + QCACHE_HEAD, 0xfffffff0);
    reseal(c, n);
    refused(c, n, id, "const pool 0");
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/mpeek-qcache-XXXXXX");
    return d != NULL && mkdtemp(d) != NULL ? d : NULL;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

TEST(store_and_load)
{
    char *top = tmpdir();
    CHECK(top != NULL);
    if (top == NULL) {
        return;
    }
    char dir[300], path[400];
    snprintf(dir, sizeof dir, "%s/a/b/qstr", top);
    uint8_t id[32];
    ident(id, "1.9.2");
    qcache_path(dir, id, path, sizeof path);
    CHECK(strncmp(path, dir, strlen(dir)) == 0 && strlen(path) == strlen(dir) + 1 + 32 + 3);
    struct qstr_hint h = sample(), back;
    struct rc_msg m;
    CHECK_EQ_INT(qcache_load(path, id, &back, &m), RC_NOTFOUND);
    CHECK_EQ_INT(qcache_store(dir, path, id, &h, &m), RC_OK);
    CHECK_EQ_INT(qcache_load(path, id, &back, &m), RC_OK);
    CHECK(memcmp(&back, &h, sizeof h) == 0);
    struct stat st;
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    /* Replaced whole: no temporary file left beside it. */
    h.last_word = 0;
    CHECK_EQ_INT(qcache_store(dir, path, id, &h, &m), RC_OK);
    CHECK_EQ_INT(qcache_load(path, id, &back, &m), RC_OK);
    CHECK_EQ_INT(back.last_word, 0);
    CHECK_EQ_INT(count_files(dir), 1);
    /* A corrupt file: named, with why. */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
        fseek(f, 70, SEEK_SET);
        fputc(0x55, f);
        fclose(f);
    }
    CHECK_EQ_INT(qcache_load(path, id, &back, &m), RC_PARSE);
    CHECK(strstr(m.text, path) != NULL && strstr(m.text, "checksum") != NULL);
    /* Too long. */
    f = fopen(path, "ab");
    if (f != NULL) {
        for (int i = 0; i < (int)QCACHE_MAX; i++) {
            fputc(0, f);
        }
        fclose(f);
    }
    CHECK_EQ_INT(qcache_load(path, id, &back, &m), RC_PARSE);
    CHECK(strstr(m.text, "longer than any qstr cache") != NULL);
    /* A folder that cannot be made: a file is in the way. */
    char blocked[400];
    snprintf(blocked, sizeof blocked, "%s/file", top);
    f = fopen(blocked, "w");
    if (f != NULL) {
        fclose(f);
    }
    char bdir[420], bpath[500];
    snprintf(bdir, sizeof bdir, "%s/qstr", blocked);
    qcache_path(bdir, id, bpath, sizeof bpath);
    CHECK(qcache_store(bdir, bpath, id, &h, &m) < 0);
    CHECK(strstr(m.text, bdir) != NULL);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    CHECK(system(cmd) == 0);
    free(top);
}

TEST(folder_from_the_environment)
{
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char buf[200];
    struct rc_msg m;
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    setenv("HOME", "/home/u", 1);
    CHECK_EQ_INT(qcache_dir(buf, sizeof buf, &m), RC_OK);
    CHECK_STR(buf, "/x/cache/mpeek/qstr");
    setenv("XDG_CACHE_HOME", "", 1);
    CHECK_EQ_INT(qcache_dir(buf, sizeof buf, &m), RC_OK);
    CHECK_STR(buf, "/home/u/.cache/mpeek/qstr");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    CHECK_EQ_INT(qcache_dir(buf, sizeof buf, &m), RC_NOTFOUND);
    setenv("HOME", "/home/u", 1);
    CHECK_EQ_INT(qcache_dir(buf, 10, &m), RC_ARG);
    if (xdg != NULL) {
        setenv("XDG_CACHE_HOME", xdg, 1);
    }
    if (home != NULL) {
        setenv("HOME", home, 1);
    }
    free(xdg);
    free(home);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(round_trip);
    RUN(identity_tells_firmwares_apart);
    RUN(bad_files_refused);
    RUN(store_and_load);
    RUN(folder_from_the_environment);
    return harness_done("qcache");
}
