/*
 * profile.h: built-in board profiles.
 *
 * A profile is a small text file (profiles/NAME.board) that gives the
 * known regions of a chip and how safe each is to read, which discovery
 * calls are safe on that port, and how to recognise the board from what it
 * reports.  Format, one directive per line ('#' starts a comment, strings
 * in double quotes):
 *
 *   board NAME
 *   description "TEXT"
 *   match platform VALUE        sys.platform equals VALUE
 *   match machine "TEXT"        the machine string contains TEXT
 *   block-size N                GC block size in bytes (default 16)
 *   discover METHOD             nrf51-ficr | esp8266 | esp32 | rp2
 *   region NAME START SIZE ATTRS KIND ACCESS ["NOTES"]
 *        START/SIZE as on the command line (0x.., K/M); ATTRS like r-x;
 *        KIND flash|ram|rom|peripheral|...; ACCESS read|word|none
 *
 * Errors are "FILE:LINE: message".
 */
#ifndef MPEEK_PROFILE_H
#define MPEEK_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"
#include "rmap.h"

#define PROFILE_MAX_MATCH 8
#define PROFILE_MAX_DISCOVER 8

struct profile_region {
    char name[48];
    uint32_t start;
    uint64_t size;
    unsigned attrs;
    enum rmap_kind kind;
    enum rmap_access access;
    char notes[200];
};

struct profile {
    char name[32];
    char description[160];
    char path[256];
    struct {
        char key[16];
        char value[96];
    } match[PROFILE_MAX_MATCH];
    int nmatch;
    char discover[PROFILE_MAX_DISCOVER][24];
    int ndiscover;
    unsigned block_size;
    struct profile_region *regions;
    size_t nregions;
};

/* Parse one profile from text; path names it in messages.  On failure the
 * profile is left empty (profile_fini is safe). */
int profile_parse(const char *text, size_t len, const char *path,
                  struct profile *out, struct rc_msg *msg);
void profile_fini(struct profile *p);

/* A set of profiles, loaded from a folder of *.board files. */
struct profile_set {
    struct profile *p;
    size_t n;
};

/*
 * Load every *.board file in dir.  A broken file is skipped and reported in
 * msg (the others still load); RC_NOTFOUND if dir cannot be read.
 */
int profile_load_dir(const char *dir, struct profile_set *set,
                     struct rc_msg *msg);
void profile_set_fini(struct profile_set *set);

/* Where the built-in profiles are: $MPEEK_PROFILES, else profiles/ next to
 * the executable, else the installed data folder. */
void profile_default_dir(char *out, size_t size);

/* The profile named name, or NULL. */
const struct profile *profile_find(const struct profile_set *set,
                                   const char *name);

/* The most specific profile whose every match holds, or NULL. */
const struct profile *profile_choose(const struct profile_set *set,
                                     const char *platform, const char *machine);

/* 1 if the profile asks for this discovery method. */
int profile_has_discover(const struct profile *p, const char *method);

#endif
