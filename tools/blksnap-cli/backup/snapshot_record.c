// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The record a backup run keeps of the snapshot and filters it made
 * (DEST.blksnap/snapshot), so that the next run can undo what a killed
 * run left: see snapshot_record.h for the format.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "common/generation.h"
#include "common/io_full.h"
#include "restore_point.h"
#include "snapshot_record.h"
#include "target/devnum.h"

#define HEADER		"blksnap-snapshot-record 1\n"
/* A record of a few hundred devices is some KiB; more is not one. */
#define RECORD_MAX	(64U << 10)

static int record_path(const char *dest, bool make, char dir[PATH_MAX],
		       char path[PATH_MAX])
{
	int err = rp_dir(dest, make, dir);

	if (err)
		return err;
	if ((size_t)snprintf(path, PATH_MAX, "%s/" SNAPSHOT_RECORD_NAME, dir) >=
	    PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int lock_nb(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB))
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
}

/* Append @text at the end, then fsync: one fact is on disk or not. */
static int append(int fd, const char *text)
{
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return -errno;
	err = io_pwrite_full(fd, text, strlen(text), st.st_size);
	if (!err && fsync(fd))
		err = -errno;
	return err;
}

int snapshot_record_create(const char *dest, const struct blksnap_uuid *id,
			   int *fd)
{
	char dir[PATH_MAX], path[PATH_MAX], line[sizeof(HEADER) + 64];
	char s[GENERATION_STR_LEN];
	int err;

	*fd = -1;
	err = record_path(dest, true, dir, path);
	if (err)
		return err;
	/* 0600 whatever the umask, as every file of the medium. */
	*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0)
		return -errno;
	/*
	 * Locked before anything is in it: a next run that locks it first
	 * finds no snapshot line and removes it, destroying nothing.
	 */
	err = lock_nb(*fd);
	if (!err && fchmod(*fd, 0600))
		err = -errno;
	generation_format(id, s);
	snprintf(line, sizeof(line), HEADER "snapshot %s\n", s);
	if (!err)
		err = append(*fd, line);
	/* The name must last too, or a killed run's record is lost. */
	if (!err)
		err = io_fsync_dir(dir);
	if (err) {
		unlink(path);
		close(*fd);
		*fd = -1;
	}
	return err;
}

int snapshot_record_add(int fd, dev_t dev, bool advanced)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %u:%u\n", advanced ? "advanced" : "attached",
		 major(dev), minor(dev));
	return append(fd, line);
}

int snapshot_record_remove(const char *dest, int fd)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int err = record_path(dest, false, dir, path);

	if (!err && unlink(path))
		err = -errno;
	if (!err)
		err = io_fsync_dir(dir);
	/*
	 * A directory the record alone made (a run that failed before it
	 * wrote DEST) goes too, as a refused run leaves nothing behind; one
	 * with points in it stays (ENOTEMPTY).
	 */
	if (!err)
		rmdir(dir);
	/* Unlocked only now: no one may take a record being removed. */
	close(fd);
	return err;
}

static struct snapshot_record_dev *dev_of(struct snapshot_record *rec, dev_t dev)
{
	struct snapshot_record_dev *tmp;
	size_t i;

	for (i = 0; i < rec->n; i++)
		if (rec->devs[i].dev == dev)
			return &rec->devs[i];
	tmp = realloc(rec->devs, (rec->n + 1) * sizeof(*tmp));
	if (!tmp)
		return NULL;
	rec->devs = tmp;
	rec->devs[rec->n] = (struct snapshot_record_dev){ .dev = dev };
	return &rec->devs[rec->n++];
}

/* One line, without its '\n'; @n counts the lines before it. */
static int parse_line(char *line, size_t n, struct snapshot_record *rec,
		      char *why, size_t whysize)
{
	struct snapshot_record_dev *d;
	char *arg = strchr(line, ' ');
	dev_t dev;

	if (n == 0) {
		if (strcmp(line, "blksnap-snapshot-record 1")) {
			snprintf(why, whysize, "not a snapshot record of this "
				 "blksnap (first line '%.40s')", line);
			return -EBADMSG;
		}
		return 0;
	}
	if (arg)
		*arg++ = '\0';
	if (n == 1) {
		if (strcmp(line, "snapshot") || !arg || generation_parse(arg, &rec->id)) {
			snprintf(why, whysize, "line 2 does not name a snapshot");
			return -EBADMSG;
		}
		return 0;
	}
	if (!arg || (strcmp(line, "attached") && strcmp(line, "advanced")) ||
	    devnum_parse(arg, &dev)) {
		snprintf(why, whysize, "line %zu is not 'attached' or 'advanced' "
			 "MAJOR:MINOR", n + 1);
		return -EBADMSG;
	}
	d = dev_of(rec, dev);
	if (!d)
		return -ENOMEM;
	if (!strcmp(line, "attached"))
		d->attached = true;
	else
		d->advanced = true;
	return 0;
}

static int parse(char *text, size_t len, struct snapshot_record *rec,
		 char *why, size_t whysize)
{
	char *p = text, *nl;
	size_t n = 0;
	int err = 0;

	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(why, whysize, "a NUL byte in it");
		return -EBADMSG;
	}
	/* A last line never ended is an append a kill cut: never acted on. */
	while (!err && (nl = strchr(p, '\n'))) {
		*nl = '\0';
		err = parse_line(p, n++, rec, why, whysize);
		p = nl + 1;
	}
	if (!err && n < 2) {
		snprintf(why, whysize, "no snapshot named in it");
		err = -EBADMSG;
	}
	return err;
}

/* The record's whole text, up to RECORD_MAX, into a new string *@out. */
static int read_all(int fd, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	int err;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_size > RECORD_MAX)
		return -EFBIG;
	buf = malloc(st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	err = io_pread_full(fd, buf, st.st_size, 0);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = st.st_size;
	return 0;
}

/*
 * Open and lock the record at @path, the one the name still points to:
 * a record removed or made anew while we waited is not the one locked.
 */
static int open_locked(const char *path, int *fd)
{
	struct stat a, b;
	int err;

	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	err = lock_nb(*fd);
	if (!err && fstat(*fd, &a))
		err = -errno;
	if (!err && stat(path, &b))
		err = errno == ENOENT ? -ENOENT : -errno;
	if (!err && (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
		err = -EBUSY;	/* a new run's, made just now */
	if (err) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

int snapshot_record_claim(const char *dest, struct snapshot_record *rec,
			  int *fd, char *why, size_t whysize)
{
	char dir[PATH_MAX], path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int err;

	memset(rec, 0, sizeof(*rec));
	why[0] = '\0';
	*fd = -1;
	err = record_path(dest, false, dir, path);
	if (!err)
		err = open_locked(path, fd);
	if (err)
		return err;
	err = read_all(*fd, &text, &len);
	if (err == -EFBIG) {
		snprintf(why, whysize, "larger than %u bytes", RECORD_MAX);
		err = -EBADMSG;
	} else if (!err) {
		err = parse(text, len, rec, why, whysize);
	}
	free(text);
	if (err)
		snapshot_record_free(rec);
	if (err && err != -EBADMSG) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

bool snapshot_record_detach(const struct snapshot_record *rec, size_t i)
{
	return rec->devs[i].attached && !rec->devs[i].advanced;
}

void snapshot_record_free(struct snapshot_record *rec)
{
	free(rec->devs);
	rec->devs = NULL;
	rec->n = 0;
}
