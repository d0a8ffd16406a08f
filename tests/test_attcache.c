/*
 * test_attcache.c: the per-port attach cache file: what is written is
 * read back, and a file that was changed in any byte, cut short, made
 * for another port or is not a cache at all is refused, never half used.
 */
#include "attcache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "rc.h"
#include "recdec.h"

static void sample(struct board_warm *w)
{
    memset(w, 0, sizeof *w);
    snprintf(w->ident, sizeof w->ident,
             "micropython 1.29.0 qemu microbit with nRF51 v1.29.0 on 2026-12-01");
    snprintf(w->text, sizeof w->text,
             "impl=micropython\nver=1.29.0\nplat=qemu\nmach=microbit with "
             "nRF51\nfeat=uctypes,sha256:hashlib,stdoutbuf\nhlp=1\nbin=1\n");
}

TEST(what_is_written_is_read_back)
{
    struct board_warm w, back;
    struct rc_msg msg;
    char *data;
    size_t len;
    sample(&w);
    CHECK_EQ_INT(attcache_format("/dev/ttyACM0", &w, &data, &len, &msg), RC_OK);
    CHECK_EQ_INT(strlen(data), len);
    CHECK(strncmp(data, "mpeek attach cache 1\nport /dev/ttyACM0\nident ", 45) == 0);
    CHECK_EQ_INT(attcache_parse(data, len, "/dev/ttyACM0", &back, &msg), RC_OK);
    CHECK_STR(back.ident, w.ident);
    CHECK_STR(back.text, w.text);
    /* Another port's file is not this port's. */
    CHECK_EQ_INT(attcache_parse(data, len, "/dev/ttyACM1", &back, &msg), RC_PARSE);
    CHECK_STR(msg.text, "made for another port");
    CHECK_EQ_INT(back.ident[0], 0);
    free(data);
}

TEST(any_changed_byte_or_cut_is_refused)
{
    struct board_warm w, back;
    struct rc_msg msg;
    char *data;
    size_t len;
    sample(&w);
    CHECK_EQ_INT(attcache_format("tcp:127.0.0.1:4000", &w, &data, &len, &msg),
                 RC_OK);
    int accepted = 0;
    for (size_t i = 0; i < len; i++) {
        char *c = malloc(len);
        memcpy(c, data, len);
        c[i] ^= 0x01;
        if (attcache_parse(c, len, "tcp:127.0.0.1:4000", &back, &msg) == RC_OK) {
            accepted++;
        }
        CHECK(attcache_parse(c, i, "tcp:127.0.0.1:4000", &back, &msg) == RC_PARSE);
        CHECK_EQ_INT(back.ident[0], 0);
        free(c);
    }
    CHECK_EQ_INT(accepted, 0);
    free(data);
}

TEST(hex_that_hides_a_nul_or_is_odd_is_refused)
{
    static const char *bad[] = {"6d00", "6d7", "zz", ""};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char body[512], file[700];
        int n = snprintf(body, sizeof body, "mpeek attach cache 1\nport p\n"
                         "ident %s\ntext 6869\n", bad[k]);
        uint8_t sha[32];
        recdec_sha256((const uint8_t *)body, (size_t)n, sha);
        int m = snprintf(file, sizeof file, "%ssha256 ", body);
        for (int i = 0; i < 32; i++) {
            m += snprintf(file + m, sizeof file - (size_t)m, "%02x", sha[i]);
        }
        m += snprintf(file + m, sizeof file - (size_t)m, "\n");
        struct board_warm back;
        struct rc_msg msg;
        CHECK_EQ_INT(attcache_parse(file, (size_t)m, "p", &back, &msg), RC_PARSE);
        CHECK_STR(msg.text, "bad identity or text");
    }
}

TEST(not_a_cache)
{
    struct board_warm back;
    struct rc_msg msg;
    CHECK_EQ_INT(attcache_parse("", 0, "p", &back, &msg), RC_PARSE);
    CHECK_EQ_INT(attcache_parse("mpeek attach cache 2\n", 21, "p", &back, &msg),
                 RC_PARSE);
    char *big = calloc(1, 9000);
    memcpy(big, "mpeek attach cache 1\n", 21);
    CHECK_EQ_INT(attcache_parse(big, 9000, "p", &back, &msg), RC_PARSE);
    free(big);
}

TEST(saved_in_the_cache_folder_and_loaded)
{
    char dir[] = "/tmp/mpeek-attcache-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        SKIP("no temporary folder");
    }
    char *old = getenv("XDG_CACHE_HOME");
    old = old ? strdup(old) : NULL;
    char *off = getenv("MPEEK_NO_CACHE");
    off = off ? strdup(off) : NULL;
    char xdg[256];
    snprintf(xdg, sizeof xdg, "%s/deeper", dir);
    setenv("XDG_CACHE_HOME", xdg, 1);
    unsetenv("MPEEK_NO_CACHE");

    struct board_warm w, back;
    struct rc_msg msg;
    sample(&w);
    CHECK_EQ_INT(attcache_load("/dev/ttyUSB0", &back, &msg), RC_NOTFOUND);
    CHECK_EQ_INT(attcache_save("/dev/ttyUSB0", &w, &msg), RC_OK);
    char path[512];
    attcache_path("/dev/ttyUSB0", path, sizeof path);
    CHECK(strncmp(path, xdg, strlen(xdg)) == 0);
    CHECK(strstr(path, "/mpeek/attach-") != NULL);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_EQ_INT(attcache_load("/dev/ttyUSB0", &back, &msg), RC_OK);
    CHECK_STR(back.text, w.text);
    /* Each port its own file. */
    CHECK_EQ_INT(attcache_load("/dev/ttyUSB1", &back, &msg), RC_NOTFOUND);
    char other[512];
    attcache_path("/dev/ttyUSB1", other, sizeof other);
    CHECK(strcmp(other, path) != 0);
    /* Off: no path, nothing loaded, nothing saved. */
    setenv("MPEEK_NO_CACHE", "1", 1);
    attcache_path("/dev/ttyUSB0", other, sizeof other);
    CHECK_STR(other, "");
    CHECK_EQ_INT(attcache_load("/dev/ttyUSB0", &back, &msg), RC_NOTFOUND);
    unsetenv("MPEEK_NO_CACHE");
    /* A relative XDG_CACHE_HOME is ignored (the XDG rule): HOME's. */
    setenv("XDG_CACHE_HOME", "relative", 1);
    attcache_path("/dev/ttyUSB0", other, sizeof other);
    CHECK(strncmp(other, "relative", 8) != 0);

    unlink(path);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/mpeek", xdg);
    rmdir(sub);
    rmdir(xdg);
    rmdir(dir);
    if (old) {
        setenv("XDG_CACHE_HOME", old, 1);
    } else {
        unsetenv("XDG_CACHE_HOME");
    }
    if (off) {
        setenv("MPEEK_NO_CACHE", off, 1);
    }
    free(old);
    free(off);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(what_is_written_is_read_back);
    RUN(any_changed_byte_or_cut_is_refused);
    RUN(hex_that_hides_a_nul_or_is_odd_is_refused);
    RUN(not_a_cache);
    RUN(saved_in_the_cache_folder_and_loaded);
    return harness_done("attcache");
}
