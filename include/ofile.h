/*
 * ofile.h: output files that are either the whole result or untouched.
 *
 * ofile_open() opens a temporary file beside FILE (same folder, so the
 * final rename stays on one file system); ofile_commit() flushes it to disk
 * and renames it over FILE; ofile_abort() removes it.  Until the commit
 * FILE keeps its old contents, so a failed write (disk full, a file size
 * limit) or an interruption never leaves half a file.  A FILE that exists
 * and is not a regular file (a FIFO, /dev/stdout, a terminal) is written in
 * place, as there is nothing to rename over.  A symbolic link is followed:
 * its target is replaced, the link stays.
 */
#ifndef MPEEK_OFILE_H
#define MPEEK_OFILE_H

#include <stdio.h>

#include "rc.h"

struct ofile {
    FILE *f;          /* write here */
    char *path;       /* what the user named */
    char *target;     /* what gets replaced (path, or a link's target) */
    char *tmp;        /* the temporary file, NULL when writing in place */
};

/* Open for writing; of->f is the stream.  On failure nothing is left open
 * and msg names FILE and the reason. */
int ofile_open(struct ofile *of, const char *path, struct rc_msg *msg);

/* Close, sync and rename into place; RC_IO (FILE untouched, the temporary
 * file removed) when anything written failed.  Always releases of. */
int ofile_commit(struct ofile *of, struct rc_msg *msg);

/* Give up: close and remove the temporary file; FILE stays as it was. */
void ofile_abort(struct ofile *of);

#endif
