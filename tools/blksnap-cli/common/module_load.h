/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading the blksnap module when its control node is missing, with
 * libkmod (the library modprobe itself uses: the same module directory,
 * dependencies, options from modprobe.d), so that the first backup after
 * a boot does not fail for a module nobody loaded.
 */
#ifndef BLKSNAP_CLI_MODULE_LOAD_H
#define BLKSNAP_CLI_MODULE_LOAD_H

/*
 * Load module @name and its dependencies, as 'modprobe @name' does.  0
 * (also when it was loaded already); -ENOENT if this kernel has no such
 * module; another -errno if inserting it failed (-EPERM without
 * CAP_SYS_MODULE).
 */
int module_load(const char *name);

#endif /* BLKSNAP_CLI_MODULE_LOAD_H */
