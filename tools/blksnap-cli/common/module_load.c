// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>
#include <libkmod.h>
#include "module_load.h"

int module_load(const char *name)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *ctx;
	int err;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	err = kmod_module_new_from_lookup(ctx, name, &list);
	if (!err && !list)
		err = -ENOENT;
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);

		err = kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL, NULL);
		kmod_module_unref(m);
		if (err)
			break;
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return err < 0 ? err : err ? -EIO : 0;
}
