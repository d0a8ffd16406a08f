/*
 * ofile.c: output files replaced whole or not at all (see ofile.h).
 */
#include "ofile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(struct ofile *of)
{
    free(of->path);
    free(of->target);
    free(of->tmp);
    memset(of, 0, sizeof *of);
}

int ofile_open(struct ofile *of, const char *path, struct rc_msg *msg)
{
    memset(of, 0, sizeof *of);
    struct stat st;
    int exists = stat(path, &st) == 0;
    of->path = strdup(path);
    of->target = exists ? realpath(path, NULL) : strdup(path);
    if (of->path == NULL || of->target == NULL) {
        release(of);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    if (exists && !S_ISREG(st.st_mode)) {
        of->f = fopen(path, "wb");
        if (of->f == NULL) {
            int e = errno;
            release(of);
            return rc_set(msg, e == EACCES ? RC_PERM : RC_IO,
                          "cannot write %s: %s", path, strerror(e));
        }
        return RC_OK;
    }
    /* The temporary file: ".NAME.XXXXXX" in FILE's folder. */
    const char *slash = strrchr(of->target, '/');
    size_t dirlen = slash ? (size_t)(slash - of->target) + 1 : 0;
    const char *base = of->target + dirlen;
    size_t n = dirlen + strlen(base) + 10;
    of->tmp = malloc(n);
    if (of->tmp == NULL) {
        release(of);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    snprintf(of->tmp, n, "%.*s.%s.XXXXXX", (int)dirlen, of->target, base);
    int fd = mkstemp(of->tmp);
    if (fd < 0) {
        int e = errno;
        release(of);
        return rc_set(msg, e == EACCES ? RC_PERM : RC_IO,
                      "cannot write %s: %s", path, strerror(e));
    }
    /* The mode a plain fopen would give (or the old file's). */
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(022);
        umask(mask);
        mode = 0666 & ~mask;
    }
    (void)fchmod(fd, mode);
    of->f = fdopen(fd, "wb");
    if (of->f == NULL) {
        int e = errno;
        close(fd);
        unlink(of->tmp);
        release(of);
        return rc_set(msg, RC_NOMEM, "cannot write %s: %s", path, strerror(e));
    }
    return RC_OK;
}

int ofile_commit(struct ofile *of, struct rc_msg *msg)
{
    int bad = ferror(of->f) != 0, e = errno ? errno : EIO;
    if (fflush(of->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && of->tmp != NULL && fsync(fileno(of->f)) != 0 && errno != EINVAL) {
        bad = 1;
        e = errno;
    }
    if (fclose(of->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    of->f = NULL;
    if (!bad && of->tmp != NULL && rename(of->tmp, of->target) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad && of->tmp != NULL) {
        unlink(of->tmp);
    }
    int rc = RC_OK;
    if (bad) {
        rc = rc_set(msg, RC_IO, "writing %s: %s%s", of->path, strerror(e),
                    of->tmp ? " (the file is left as it was)" : "");
    }
    release(of);
    return rc;
}

void ofile_abort(struct ofile *of)
{
    if (of->f != NULL) {
        fclose(of->f);
    }
    if (of->tmp != NULL) {
        unlink(of->tmp);
    }
    release(of);
}
