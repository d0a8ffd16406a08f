/*
 * datadir.h: where mpeek's data folders (profiles/, themes/) and its cache
 * folder are.
 */
#ifndef MPEEK_DATADIR_H
#define MPEEK_DATADIR_H

#include <stddef.h>

#include "rc.h"

#define DATADIR_PATH_MAX 512

/*
 * The folders that may hold sub ("profiles", "themes"), best first: the
 * folder named by the environment variable env when it is set (then only
 * that one); else sub next to the executable (the source tree), one level
 * up (the sanitizer build in build-san/), and the installed data folder.
 * Returns how many were written to dirs (at most max).
 */
size_t datadir_candidates(const char *sub, const char *env,
                          char dirs[][DATADIR_PATH_MAX], size_t max);

/*
 * mpeek's cache folder, $XDG_CACHE_HOME/mpeek (an absolute XDG_CACHE_HOME
 * only, as the XDG rule says) else ~/.cache/mpeek, with "/sub" added when
 * sub is not NULL.  RC_NOTFOUND when neither variable names a folder,
 * RC_ARG when the path does not fit.
 */
int datadir_cache(const char *sub, char *buf, size_t size, struct rc_msg *msg);

/* dir and the folders above it, as mkdir -p; new ones get mode.  0, or -1
 * with errno (ENOTDIR when dir is there but no folder). */
int datadir_mkdirs(const char *dir, unsigned mode);

#endif
