// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "config.h"
#include "parse_size.h"

struct parse {
	struct config *cfg;
	const char *why;	/* set by the handler on a bad key or value */
};

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 CONFIG_DEFAULT_STATE_DIR);
	cfg->keep = CONFIG_DEFAULT_KEEP;
	snprintf(cfg->hooks_dir, sizeof(cfg->hooks_dir), "%s",
		 CONFIG_DEFAULT_HOOKS_DIR);
	cfg->hook_timeout = CONFIG_DEFAULT_HOOK_TIMEOUT;
}

int config_parse_timeout(const char *s, unsigned int *seconds)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > CONFIG_MAX_HOOK_TIMEOUT)
		return -EINVAL;
	*seconds = v;
	return 0;
}

int config_parse_keep(const char *s, unsigned int *keep)
{
	unsigned long v;
	char *end;

	/* Digits only: strtoul would take " 7", "+7" and "-1" (as huge). */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > CONFIG_MAX_KEEP)
		return -EINVAL;
	*keep = v;
	return 0;
}

static int set_path(struct parse *p, char *out, const char *value)
{
	if (value[0] != '/') {
		p->why = "not an absolute path";
		return 0;
	}
	if (strlen(value) >= PATH_MAX) {
		p->why = "path too long";
		return 0;
	}
	strcpy(out, value);
	return 1;
}

static int set_storage_dirs(struct parse *p, const char *value)
{
	char *copy = strdup(value), *save = NULL, *tok;
	struct config *cfg = p->cfg;
	int ok = 1;

	if (!copy) {
		p->why = "out of memory";
		return 0;
	}
	cfg->nstorage_dirs = 0;
	for (tok = strtok_r(copy, " \t", &save); ok && tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (cfg->nstorage_dirs == CONFIG_MAX_STORAGE_DIRS) {
			p->why = "more than 16 directories";
			ok = 0;
			break;
		}
		ok = set_path(p, cfg->storage_dirs[cfg->nstorage_dirs++], tok);
	}
	free(copy);
	return ok;
}

static int set_limit(struct parse *p, const char *value)
{
	unsigned int percent;
	uint64_t bytes;
	enum parse_err perr = parse_percent(value, &percent);

	if (perr == PARSE_SYNTAX) {
		perr = parse_size(value, &bytes);
		if (!perr && !bytes)
			perr = PARSE_EMPTY;
		if (!perr && bytes % SECTOR_SIZE)
			perr = PARSE_UNALIGNED;
	}
	if (perr || strlen(value) >= sizeof(p->cfg->limit)) {
		p->why = "not a size (512-byte multiple, K M G T) or a percentage 1%..100%";
		return 0;
	}
	strcpy(p->cfg->limit, value);
	return 1;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;

	if (!strcmp(section, "snapshot") && !strcmp(name, "storage-directories"))
		return set_storage_dirs(p, value);
	if (!strcmp(section, "snapshot") && !strcmp(name, "limit"))
		return set_limit(p, value);
	if (!strcmp(section, "snapshot") && !strcmp(name, "exact")) {
		if (!strcmp(value, "yes") || !strcmp(value, "no")) {
			p->cfg->exact = !strcmp(value, "yes");
			return 1;
		}
		p->why = "not yes or no";
		return 0;
	}
	if (!strcmp(section, "backup") && !strcmp(name, "state-directory"))
		return set_path(p, p->cfg->state_dir, value);
	if (!strcmp(section, "backup") && !strcmp(name, "hooks-directory"))
		return set_path(p, p->cfg->hooks_dir, value);
	if (!strcmp(section, "backup") && !strcmp(name, "hook-timeout")) {
		if (!config_parse_timeout(value, &p->cfg->hook_timeout))
			return 1;
		p->why = "not a number of seconds 1..86400";
		return 0;
	}
	if (!strcmp(section, "backup") && !strcmp(name, "keep")) {
		if (!config_parse_keep(value, &p->cfg->keep))
			return 1;
		p->why = "not a number of restore points 1..100000";
		return 0;
	}
	p->why = !strcmp(section, "snapshot") || !strcmp(section, "backup") ?
		"unknown key" : "unknown section or a key outside [snapshot] and [backup]";
	return 0;
}

int config_parse_file(const char *path, struct config *cfg, char *err,
		      size_t errsize)
{
	struct parse p = { .cfg = cfg };
	FILE *f = fopen(path, "re");
	int line;

	if (!f) {
		int e = errno;

		snprintf(err, errsize, "%s: cannot read: %s; fix it or point "
			 "BLKSNAP_CONFIG elsewhere", path, strerror(e));
		return -e;
	}
	line = ini_parse_file(f, handler, &p);
	fclose(f);
	if (line == 0)
		return 0;
	if (line < 0) {
		snprintf(err, errsize, "%s: cannot parse: out of memory; try again", path);
		return -ENOMEM;
	}
	snprintf(err, errsize, "%s:%d: %s; see blksnap.conf(5)", path, line,
		 p.why ? p.why : "not a [section], KEY = VALUE or comment line");
	return -EINVAL;
}
