/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/blksnap.conf, documented in blksnap.conf(5): an INI file read with
 * libinih, every key optional.
 *
 *   [snapshot]
 *   storage-directories = /srv/spare /var/tmp   # more default storage places
 *   limit = 20%                                  # default --limit
 *   exact = no                                   # yes: --exact by default
 *   [backup]
 *   state-directory = /var/lib/blksnap
 *   keep = 7                                      # default --keep
 *   hooks-directory = /etc/blksnap/hooks.d       # pre/post-snapshot hooks
 *   hook-timeout = 60                             # seconds per hook
 *
 * An unknown section or key, a bad value or a line that is not INI is an
 * error naming the file and the line.  $BLKSNAP_CONFIG or the global
 * --config option name another file (tests); the default file may be
 * missing, a named one may not.
 */
#ifndef BLKSNAP_CLI_CONFIG_H
#define BLKSNAP_CLI_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_PATH	"/etc/blksnap.conf"
#define CONFIG_DEFAULT_STATE_DIR	"/var/lib/blksnap"
#define CONFIG_MAX_STORAGE_DIRS	16
/* Restore points a backup keeps: a week of nightly runs. */
#define CONFIG_DEFAULT_KEEP	7U
#define CONFIG_MAX_KEEP		100000U
#define CONFIG_DEFAULT_HOOKS_DIR	"/etc/blksnap/hooks.d"
#define CONFIG_DEFAULT_HOOK_TIMEOUT	60U
#define CONFIG_MAX_HOOK_TIMEOUT		86400U

struct config {
	char state_dir[PATH_MAX];
	/* Extra default storage directories, tried with the built-in ones. */
	char storage_dirs[CONFIG_MAX_STORAGE_DIRS][PATH_MAX];
	size_t nstorage_dirs;
	char limit[32];		/* as --limit takes it, "" if not set */
	/* Images show free space as it is (--exact), not as zeros. */
	bool exact;
	unsigned int keep;	/* restore points kept, 1..CONFIG_MAX_KEEP */
	char hooks_dir[PATH_MAX];	/* backup's pre/post-snapshot hooks */
	unsigned int hook_timeout;	/* seconds, 1..CONFIG_MAX_HOOK_TIMEOUT */
};

/*
 * The built-in values: nothing extra, state in CONFIG_DEFAULT_STATE_DIR,
 * CONFIG_DEFAULT_KEEP points, hooks in CONFIG_DEFAULT_HOOKS_DIR with
 * CONFIG_DEFAULT_HOOK_TIMEOUT.
 */
void config_defaults(struct config *cfg);

/* A hook timeout in whole seconds, 1..CONFIG_MAX_HOOK_TIMEOUT; 0 or -EINVAL. */
int config_parse_timeout(const char *s, unsigned int *seconds);

/*
 * Read @path over @cfg's values.  0; -ENOENT if there is no such file;
 * -EINVAL with @err as "FILE:LINE: what is wrong; what to do"; another
 * -errno with @err set if it cannot be read.
 */
int config_parse_file(const char *path, struct config *cfg, char *err,
		      size_t errsize);

/* The global --config option: the file to read instead of the default. */
void config_set_path(const char *path);

/*
 * Load the configuration once ($BLKSNAP_CONFIG, --config, or the default
 * file); reports failures itself and returns an exit code.
 */
int config_load_default(void);

/* The loaded configuration (the built-in values before loading). */
const struct config *config_get(void);

/* "N" as a number of restore points to keep (1..CONFIG_MAX_KEEP); 0 or -EINVAL. */
int config_parse_keep(const char *s, unsigned int *keep);

#endif /* BLKSNAP_CLI_CONFIG_H */
