// SPDX-License-Identifier: GPL-2.0
/*
 * The swapfile mapper as swapon uses it: a_ops->swap_activate() fills
 * swap_extent_root of a swap_info_struct with struct swap_extent nodes,
 * and S_SWAPFILE pins the inode.  The storage of a snapshot on its own
 * filesystem is mapped and pinned this way.
 */
#include <linux/fs.h>
#include <linux/rbtree.h>
#include <linux/swap.h>

/* Without swap, IS_SWAPFILE() is 0 and S_SWAPFILE refuses nothing. */
#ifndef CONFIG_SWAP
#error "no CONFIG_SWAP"
#endif

static __maybe_unused sector_t probe(struct file *file, struct swap_info_struct *sis)
{
	struct swap_extent *se;
	sector_t span = 0;
	int ret;

	sis->bdev = file_inode(file)->i_sb->s_bdev;
	sis->swap_extent_root = RB_ROOT;
	sis->max = 1;
	ret = file->f_mapping->a_ops->swap_activate(sis, file, &span);
	se = rb_entry_safe(rb_first(&sis->swap_extent_root), struct swap_extent, rb_node);
	if (ret < 0 || !se || !IS_SWAPFILE(file_inode(file)))
		return 0;
	file_inode(file)->i_flags |= S_SWAPFILE;
	return se->start_block + se->start_page + se->nr_pages + span;
}
