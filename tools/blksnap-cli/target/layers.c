// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "devnum.h"
#include "layers.h"
#include "mounts.h"

/* Deeper than any real stack (dm over md over loop over dm...). */
#define MAX_DEPTH	16

/* The first line of @path, without its newline; -1 if unreadable. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

/* A "MAJOR:MINOR" file of sysfs. */
static int read_dev(const char *path, dev_t *dev)
{
	char line[32];

	return read_line(path, line, sizeof(line)) || devnum_parse(line, dev) ?
	       -1 : 0;
}

/* <sysfs>/dev/block/M:m/@rel, the device's own directory (a symlink). */
static void dev_file(const struct host *h, dev_t dev, const char *rel,
		     char *buf, size_t size)
{
	snprintf(buf, size, "%s/dev/block/%u:%u/%s", h->sysfs, major(dev),
		 minor(dev), rel);
}

dev_t layers_whole_disk(const struct host *h, dev_t dev)
{
	char path[PATH_MAX];
	dev_t disk;

	dev_file(h, dev, "partition", path, sizeof(path));
	if (access(path, F_OK))
		return dev;
	/* A partition's directory is inside its disk's. */
	dev_file(h, dev, "../dev", path, sizeof(path));
	return read_dev(path, &disk) ? dev : disk;
}

struct walk {
	const struct host *h;
	struct libmnt_table *tb;
	const dev_t *set;
	size_t n;
	char *chain;
	size_t size;
};

static void append(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void append(struct walk *w, const char *fmt, ...)
{
	size_t len = strlen(w->chain);
	va_list ap;

	if (len + 1 >= w->size)
		return;
	va_start(ap, fmt);
	vsnprintf(w->chain + len, w->size - len, fmt, ap);
	va_end(ap);
}

static void dev_path(const struct walk *w, dev_t dev, char *buf, size_t size)
{
	host_dev_path(w->h, dev, buf, size);
}

/* @dev against the set: its index, with how they meet appended; or -1. */
static int overlap(struct walk *w, dev_t dev)
{
	char a[PATH_MAX], b[PATH_MAX];
	dev_t disk = layers_whole_disk(w->h, dev);
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (w->set[i] == dev)
			return i;
		if (disk != dev && disk == w->set[i]) {
			dev_path(w, disk, a, sizeof(a));
			append(w, ", a partition of %s", a);
			return i;
		}
		if (layers_whole_disk(w->h, w->set[i]) == dev &&
		    w->set[i] != dev) {
			dev_path(w, w->set[i], b, sizeof(b));
			append(w, ", which holds %s", b);
			return i;
		}
	}
	return -1;
}

static int walk(struct walk *w, dev_t dev, unsigned int depth);

/*
 * Down to @child, which the device above reaches @via ("over"); the chain
 * is restored if nothing is found there.
 */
static int descend(struct walk *w, dev_t child, const char *via,
		   unsigned int depth)
{
	size_t mark = strlen(w->chain);
	char name[PATH_MAX];
	int hit;

	dev_path(w, child, name, sizeof(name));
	append(w, ", %s %s", via, name);
	hit = walk(w, child, depth + 1);
	if (hit < 0 && mark < w->size)
		w->chain[mark] = '\0';
	return hit;
}

static int walk_slaves(struct walk *w, dev_t dev, unsigned int depth)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 8];
	struct dirent *de;
	dev_t child;
	int hit = -1;
	DIR *d;

	dev_file(w->h, dev, "slaves", dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -1;
	while (hit < 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev", dir, de->d_name);
		if (!read_dev(path, &child))
			hit = descend(w, child, "over", depth);
	}
	closedir(d);
	return hit;
}

static int walk_loop(struct walk *w, dev_t dev, unsigned int depth)
{
	char path[PATH_MAX], file[PATH_MAX], via[PATH_MAX + 32], *deleted;
	struct libmnt_fs *fs;
	dev_t child;

	dev_file(w->h, dev, "loop/backing_file", path, sizeof(path));
	if (!w->tb || read_line(path, file, sizeof(file)))
		return -1;
	/* The kernel marks a backing file unlinked since. */
	deleted = strstr(file, " (deleted)");
	if (deleted && !deleted[10])
		*deleted = '\0';
	fs = mounts_holding(w->tb, file);
	if (!fs)
		return -1;
	child = mnt_fs_get_devno(fs);
	if (!major(child))
		return -1;
	snprintf(via, sizeof(via), "whose backing file %s is on", file);
	return descend(w, child, via, depth);
}

static int walk(struct walk *w, dev_t dev, unsigned int depth)
{
	int hit = overlap(w, dev);

	if (hit >= 0 || depth >= MAX_DEPTH)
		return hit;
	hit = walk_slaves(w, dev, depth);
	if (hit < 0)
		hit = walk_loop(w, dev, depth);
	return hit;
}

int layers_find(const struct host *h, struct libmnt_table *tb, dev_t dev,
		const dev_t *set, size_t n, char *chain, size_t size)
{
	struct walk w = { h, tb, set, n, chain, size };

	if (!size)
		return -1;
	host_dev_path(h, dev, chain, size);
	return walk(&w, dev, 0);
}
