// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "fake_host.h"

static const struct fake_host_tables *tables;

static const struct fake_node *find_node(const char *path)
{
	const struct fake_node *n;

	for (n = tables->nodes; n && n->path; n++)
		if (!strcmp(n->path, path))
			return n;
	return NULL;
}

static int fake_stat(const char *path, struct stat *st)
{
	const struct fake_node *n = find_node(path);

	if (!n) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = n->mode | 0600;
	st->st_rdev = makedev(n->major, n->minor);
	return 0;
}

static char *fake_realpath(const char *path)
{
	const struct fake_node *n = find_node(path);

	if (!n) {
		errno = ENOENT;
		return NULL;
	}
	return strdup(n->real ? n->real : n->path);
}

static const struct fake_tag *find_tag(const char *token, const char *value,
				       const char *path)
{
	const struct fake_tag *t;

	for (t = tables->tags; t && t->token; t++)
		if (path ? !strcmp(t->path, path) :
		    !strcmp(t->token, token) && !strcmp(t->value, value))
			return t;
	return NULL;
}

static char *fake_evaluate_tag(const char *token, const char *value)
{
	const struct fake_tag *t = find_tag(token, value, NULL);

	return t ? strdup(t->path) : NULL;
}

static char *fake_probe_type(const char *path)
{
	const struct fake_tag *t = find_tag(NULL, NULL, path);

	return t && t->type ? strdup(t->type) : NULL;
}

static const struct fake_space *find_space(const char *path)
{
	const struct fake_space *s;

	for (s = tables->spaces; s && s->path; s++)
		if (!strcmp(s->path, path))
			return s;
	return NULL;
}

static int fake_statvfs(const char *path, struct statvfs *st)
{
	const struct fake_space *s = find_space(path);

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->f_frsize = st->f_bsize = 4096;
	st->f_bavail = st->f_bfree = s->free_bytes / 4096;
	return 0;
}

static int fake_access(const char *path, int mode)
{
	const struct fake_space *s = find_space(path);

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	if ((mode & W_OK) && !s->writable) {
		errno = EROFS;
		return -1;
	}
	return 0;
}

void fake_host_init(struct host *h, const char *mountinfo, const char *sysfs,
		    const struct fake_host_tables *t)
{
	tables = t;
	*h = (struct host){
		.mountinfo = mountinfo,
		.sysfs = sysfs,
		.stat = fake_stat,
		.realpath = fake_realpath,
		.evaluate_tag = fake_evaluate_tag,
		.probe_type = fake_probe_type,
		.statvfs = fake_statvfs,
		.access = fake_access,
	};
}
