// SPDX-License-Identifier: GPL-2.0
/*
 * file_write_started() (6.8+).  It came with the change that moved
 * file_start_write() into vfs_iter_write(); see compat/write.h.
 */
#include <linux/fs.h>

static __maybe_unused bool probe(const struct file *file)
{
	return file_write_started(file);
}
