/*
 * datadir.c: data folder candidates (see datadir.h).
 */
#include "datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MPEEK_DATADIR
#define MPEEK_DATADIR "/usr/local/share/mpeek"
#endif

size_t datadir_candidates(const char *sub, const char *env,
                          char dirs[][DATADIR_PATH_MAX], size_t max)
{
    size_t n = 0;
    const char *e = env != NULL ? getenv(env) : NULL;
    if (max == 0) {
        return 0;
    }
    if (e != NULL && *e) {
        snprintf(dirs[n++], DATADIR_PATH_MAX, "%s", e);
        return n;
    }
    char exe[400];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = 0;
            if (n < max) {
                snprintf(dirs[n++], DATADIR_PATH_MAX, "%s/%s", exe, sub);
            }
            if (n < max) {
                snprintf(dirs[n++], DATADIR_PATH_MAX, "%s/../%s", exe, sub);
            }
        }
    }
    if (n < max) {
        snprintf(dirs[n++], DATADIR_PATH_MAX, "%s/%s", MPEEK_DATADIR, sub);
    }
    return n;
}
