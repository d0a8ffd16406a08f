/*
 * datadir.h: where mpeek's data folders (profiles/, themes/) are.
 */
#ifndef MPEEK_DATADIR_H
#define MPEEK_DATADIR_H

#include <stddef.h>

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

#endif
