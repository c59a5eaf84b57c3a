// SPDX-License-Identifier: GPL-2.0-or-later
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include "scratch_tree.h"

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int scratch_tree_remove(const char *dir)
{
	return nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}
