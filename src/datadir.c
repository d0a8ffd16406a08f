/*
 * datadir.c: data folder candidates and the cache folder (see datadir.h).
 */
#include "datadir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int datadir_cache(const char *sub, char *buf, size_t size, struct rc_msg *msg)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    const char *tail = sub != NULL ? "/" : "";
    sub = sub != NULL ? sub : "";
    int n;
    if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(buf, size, "%s/mpeek%s%s", xdg, tail, sub);
    } else if (home != NULL && home[0] == '/') {
        n = snprintf(buf, size, "%s/.cache/mpeek%s%s", home, tail, sub);
    } else {
        return rc_set(msg, RC_NOTFOUND, "neither XDG_CACHE_HOME nor HOME is set to a "
                      "folder");
    }
    if (n < 0 || (size_t)n >= size) {
        return rc_set(msg, RC_ARG, "the cache folder's path is too long");
    }
    return RC_OK;
}

int datadir_mkdirs(const char *dir, unsigned mode)
{
    char p[1024];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == 0) {
            char c = p[i];
            p[i] = 0;
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                return -1;
            }
            p[i] = c;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
