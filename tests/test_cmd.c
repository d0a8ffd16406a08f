/* Unit tests for the commands (cmd.h): the table, and what a command
 * prints when building its text runs out of memory. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failalloc.h"
#include "harness.h"
#include "cmd.h"
#include "session.h"

TEST(every_command_is_in_the_table)
{
    static const char *const names[] = {
        "view", "info", "regions", "read", "where", "heap", "ports", "open",
        "verify", "frozen", "obj", "modules", "snapshot",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct cmd_entry *e = cmd_find(names[i]);
        CHECK(e != NULL && strcmp(e->name, names[i]) == 0);
        CHECK(e != NULL && e->parse != NULL && e->run != NULL && e->usage != NULL);
        CHECK(e != NULL && strncmp(e->usage, "  ", 2) == 0);
    }
    CHECK(cmd_find("frobnicate") == NULL);
}

/* The lists the error messages give come from the table. */
TEST(names_come_from_the_table)
{
    char out[256];
    CHECK_STR(cmd_names(0, 0, " or ", out, sizeof out),
              "view, info, regions, read, where, heap, ports, open, verify, frozen, "
              "obj, dis, modules or snapshot");
    CHECK_STR(cmd_names(0, 1, " and ", out, sizeof out),
              "view, info, regions, where, heap, open, frozen, obj and dis");
    CHECK_STR(cmd_names(CMD_COMPARE, 0, " and ", out, sizeof out), "frozen");
    CHECK_STR(cmd_names(CMD_HEAP, 0, " or ", out, sizeof out),
              "view, regions, where, heap, obj, dis, modules or snapshot");
    /* too small: whole names only */
    char small[12];
    CHECK_STR(cmd_names(0, 0, " or ", small, sizeof small), "view, info");
}

/* Run regions with stdout going to a file; returns its rc and what it
 * printed (at most size - 1 bytes). */
static int regions(struct session *s, long fail_at, char *out, size_t size,
                   struct rc_msg *msg)
{
    char path[] = "/tmp/mpeek-test-cmd-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    struct cmd_args a;
    memset(&a, 0, sizeof a);
    a.name = "regions";
    a.mfmt = RMAP_FMT_TABLE;
    failalloc_arm(fail_at);
    int rc = cmd_regions_entry.run(s, &a, msg);
    failalloc_disarm();
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, out, size - 1);
    out[n > 0 ? n : 0] = 0;
    close(fd);
    unlink(path);
    return rc;
}

/* Whichever allocation fails while the map's text is built, regions says
 * it ran out of memory and prints nothing: never a shortened map. */
TEST(regions_out_of_memory_is_reported)
{
    struct session s;
    session_init(&s);
    CHECK_EQ_INT(rmap_new(&s.map), RC_OK);
    for (int i = 0; i < 40; i++) {
        struct rmap_region r;
        memset(&r, 0, sizeof r);
        snprintf(r.name, sizeof r.name, "region%d", i);
        r.start = 0x1000u * (uint32_t)i;
        r.end = r.start + 0x800;
        r.attrs = RMAP_A_R;
        r.kind = RMAP_K_RAM;
        r.source = RMAP_S_PROFILE;
        r.access = RMAP_ACC_READ;
        rmap_add(s.map, &r);
    }
    rmap_finish(s.map);
    char whole[16384], out[16384];
    struct rc_msg msg;
    CHECK_EQ_INT(regions(&s, -1, whole, sizeof whole, &msg), RC_OK);
    CHECK(strstr(whole, "region39") != NULL);
    int failures = 0;
    for (long k = 0; k < 200; k++) {
        msg.text[0] = 0;
        int rc = regions(&s, k, out, sizeof out, &msg);
        if (!failalloc_fired()) {
            CHECK_EQ_INT(rc, RC_OK);
            CHECK(strcmp(out, whole) == 0);
            break;
        }
        /* Whole, or an error and nothing. */
        if (rc == RC_OK) {
            CHECK(strcmp(out, whole) == 0);
        } else {
            failures++;
            CHECK(rc == RC_NOMEM || rc == RC_IO);
            CHECK(msg.text[0] != 0);
            CHECK(out[0] == 0);
        }
    }
    CHECK(failures > 0);
    rmap_free(s.map);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(every_command_is_in_the_table);
    RUN(names_come_from_the_table);
    RUN(regions_out_of_memory_is_reported);
    return harness_done("cmd");
}
