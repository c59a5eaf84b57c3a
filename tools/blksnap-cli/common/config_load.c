// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration this run of blksnap uses, loaded once on first need.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "config.h"

static struct config loaded;
static bool is_loaded;
static const char *option_path;

void config_set_path(const char *path)
{
	option_path = path;
}

int config_load_default(void)
{
	const char *path = option_path ? option_path : getenv("BLKSNAP_CONFIG");
	char err[PATH_MAX + 256];
	int ret;

	if (is_loaded)
		return CLI_EXIT_SUCCESS;
	config_defaults(&loaded);
	ret = config_parse_file(path && *path ? path : CONFIG_DEFAULT_PATH,
				&loaded, err, sizeof(err));
	/* Only the default file may be absent. */
	if (ret == -ENOENT && !(path && *path))
		ret = 0;
	if (ret) {
		config_defaults(&loaded);
		return cli_fail_text(err);
	}
	is_loaded = true;
	return CLI_EXIT_SUCCESS;
}

const struct config *config_get(void)
{
	if (!is_loaded && !loaded.state_dir[0])
		config_defaults(&loaded);
	return &loaded;
}
