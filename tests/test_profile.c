/*
 * test_profile.c: board profile files: the format, its errors, and the
 * profiles shipped in profiles/ (all load; the right one is chosen).
 */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int parse(const char *text, struct profile *p, struct rc_msg *msg)
{
    return profile_parse(text, strlen(text), "t.board", p, msg);
}

TEST(parse_good)
{
    struct profile p;
    struct rc_msg msg;
    const char *t =
        "# a test board\n"
        "board testboard\n"
        "description \"A \\\"test\\\" board\"\n"
        "match platform rp2\n"
        "match machine \"with RP2040\"\n"
        "block-size 32\n"
        "discover rp2\n"
        "region flash 0x10000000 2M r-x flash read \"XIP flash\"\n"
        "region sio 0xd0000000 0x1000 rw- peripheral none\n";
    CHECK_EQ_INT(parse(t, &p, &msg), RC_OK);
    CHECK_STR(p.name, "testboard");
    CHECK_STR(p.description, "A \"test\" board");
    CHECK_EQ_INT(p.nmatch, 2);
    CHECK_EQ_INT(p.block_size, 32);
    CHECK(profile_has_discover(&p, "rp2"));
    CHECK(!profile_has_discover(&p, "esp32"));
    CHECK_EQ_INT(p.nregions, 2);
    CHECK_EQ_INT(p.regions[0].start, 0x10000000);
    CHECK_EQ_INT(p.regions[0].size, 2 << 20);
    CHECK_EQ_INT(p.regions[0].attrs, RMAP_A_R | RMAP_A_X);
    CHECK_EQ_INT(p.regions[1].kind, RMAP_K_PERIPHERAL);
    CHECK_EQ_INT(p.regions[1].access, RMAP_ACC_NONE);
    profile_fini(&p);
}

TEST(parse_errors)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"board x\nregion a 0 16 r-- flash\n", "t.board:2: cannot read 'region' with 5 words"},
        {"board x\nregion a 0 16 r-- flash sometimes\n", "t.board:2: access 'sometimes'"},
        {"board x\nregion a 0 16 r-- flash maybe \"n\"\n", "t.board:2: access 'maybe'"},
        {"board x\nregion a 0 16 rq- flash read\n", "t.board:2: attributes 'rq-'"},
        {"board x\nregion a 0 16 r-- bogus read\n", "t.board:2: unknown kind 'bogus'"},
        {"board x\nregion a 0xffffffff 16 r-- flash read\n", "does not fit in 32-bit"},
        {"board x\nregion a zz 16 r-- flash read\n", "t.board:2: START 'zz'"},
        {"description \"x\"\n", "t.board: no 'board NAME' line"},
        {"board x\ndescription \"open\n", "t.board:2: unterminated string"},
        {"board x\nmatch colour red\n", "t.board:2: match takes platform or machine"},
        {"board x\ndiscover magic\n", "t.board:2: unknown discovery method 'magic'"},
        {"board x\nblock-size 24\n", "t.board:2: block-size must be a power of two"},
        {"board x\nfrobnicate\n", "t.board:2: cannot read 'frobnicate'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct profile p;
        struct rc_msg msg = {{0}};
        CHECK(parse(cases[i].text, &p, &msg) != RC_OK);
        if (strstr(msg.text, cases[i].want) == NULL) {
            printf("  case %zu: got \"%s\"\n", i, msg.text);
        }
        CHECK(strstr(msg.text, cases[i].want) != NULL);
        CHECK(p.regions == NULL && p.nregions == 0);
    }
    struct profile p;
    struct rc_msg msg;
    const char nul[] = "board x\nregion a\0 0 16 r-- flash read\n";
    CHECK_EQ_INT(profile_parse(nul, sizeof nul - 1, "t.board", &p, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "NUL byte") != NULL);
}

TEST(shipped_profiles)
{
    struct profile_set set;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(profile_load_dir("profiles", &set, &msg), RC_OK);
    if (msg.text[0]) {
        printf("  %s\n", msg.text);
    }
    CHECK(set.n >= 8);
    for (size_t i = 0; i < set.n; i++) {
        CHECK(set.p[i].nregions > 0);
        CHECK(set.p[i].description[0] != 0);
    }
    const struct profile *p;
    p = profile_choose(&set, "microbit", "micro:bit with nRF51822");
    CHECK(p != NULL && strcmp(p->name, "microbit") == 0);
    p = profile_choose(&set, "nrf", "BBC micro:bit with NRF51822");
    CHECK(p != NULL && strcmp(p->name, "nrf51-microbit") == 0);
    p = profile_choose(&set, "rp2", "Raspberry Pi Pico with RP2040");
    CHECK(p != NULL && strcmp(p->name, "rp2040") == 0);
    p = profile_choose(&set, "rp2", "Raspberry Pi Pico 2 with RP2350");
    CHECK(p != NULL && strcmp(p->name, "rp2350") == 0);
    p = profile_choose(&set, "esp8266", "ESP module with ESP8266");
    CHECK(p != NULL && strcmp(p->name, "esp8266") == 0);
    p = profile_choose(&set, "esp32", "Generic ESP32 module with ESP32");
    CHECK(p != NULL && strcmp(p->name, "esp32") == 0);
    p = profile_choose(&set, "pyboard", "PYBv1.1 with STM32F405RG");
    CHECK(p != NULL && strcmp(p->name, "stm32f405") == 0);
    p = profile_choose(&set, "qemu", "mps2-an385 with Cortex-M3");
    CHECK(p != NULL && strcmp(p->name, "qemu-mps2-an385") == 0);
    CHECK(profile_choose(&set, "linux", "x86_64") == NULL);
    CHECK(profile_find(&set, "esp32") != NULL);
    CHECK(profile_find(&set, "nope") == NULL);
    profile_set_fini(&set);
}

TEST(missing_dir)
{
    struct profile_set set;
    struct rc_msg msg;
    CHECK_EQ_INT(profile_load_dir("/nonexistent/profiles", &set, &msg), RC_NOTFOUND);
    CHECK(strstr(msg.text, "MPEEK_PROFILES") != NULL);
    profile_set_fini(&set);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(parse_good);
    RUN(parse_errors);
    RUN(shipped_profiles);
    RUN(missing_dir);
    return harness_done("profile");
}
