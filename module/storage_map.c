// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-storage_map: " fmt
#include <linux/fs.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include "compat/compat.h"
#include "storage_map.h"

#ifdef HAVE_SWAPFILE_MAPPER

/* A failed mapping may have added nodes before it stopped. */
static void free_extents(struct rb_root *root)
{
	struct rb_node *node;

	while ((node = rb_first(root))) {
		rb_erase(node, root);
		kfree(rb_entry(node, struct swap_extent, rb_node));
	}
}

/*
 * Moves the mapper's extents (its running page count -> pages of the
 * device) into an array of sectors and frees its nodes, which
 * add_swap_extent() kmalloc'ed.  The mapper uses only whole pages inside
 * each extent of the file (it refuses holes): with blocks smaller than a
 * page, the partial pages are left out, never written, so harmless.  More
 * mapped than the file has is not a mapping this code understands.
 */
static int take_extents(struct rb_root *root, pgoff_t pages,
			struct storage_extent **extents, unsigned int *nr)
{
	struct storage_extent *e = NULL;
	struct rb_node *node;
	unsigned int n = 0, i = 0;
	pgoff_t total = 0;

	for (node = rb_first(root); node; node = rb_next(node))
		n++;
	if (n)
		e = kvcalloc(n, sizeof(*e), GFP_KERNEL);
	while ((node = rb_first(root))) {
		struct swap_extent *se = rb_entry(node, struct swap_extent, rb_node);

		if (e) {
			e[i].sector = se->start_block << (PAGE_SHIFT - SECTOR_SHIFT);
			e[i].count = (sector_t)se->nr_pages << (PAGE_SHIFT - SECTOR_SHIFT);
			i++;
		}
		total += se->nr_pages;
		rb_erase(node, root);
		kfree(se);
	}
	if (!e)
		return n ? -ENOMEM : -EINVAL;
	if (total > pages) {
		pr_warn("the mapper covered %lu of %lu pages in %u extents\n",
			(unsigned long)total, (unsigned long)pages, n);
		kvfree(e);
		return -EINVAL;
	}
	*extents = e;
	*nr = n;
	return 0;
}

int storage_map_pin(struct file *file, loff_t size,
		    struct storage_extent **extents, unsigned int *nr)
{
	struct inode *inode = file_inode(file);
	const struct address_space_operations *aops = file->f_mapping->a_ops;
	pgoff_t pages = size >> PAGE_SHIFT;
	struct swap_info_struct *sis;
	bool pinned = false;
	sector_t span;
	int ret;

	/*
	 * A mapper with a deactivate keeps state of its own that we would
	 * have to undo (f2fs pins the file, btrfs counts swap files); ext4's
	 * and xfs's only map.
	 */
	if (!aops->swap_activate || aops->swap_deactivate || !inode->i_sb->s_bdev)
		return -EOPNOTSUPP;
	/* The mapper's page count is an unsigned int. */
	if (!pages || pages > UINT_MAX || offset_in_page(size))
		return -EINVAL;
	/* Real blocks now, not on first write: no fallocate can run later. */
	ret = vfs_fallocate(file, 0, 0, size);
	if (ret)
		return ret;
	/*
	 * Only what swap_activate() and its iomap helper use: the device the
	 * extents must be on, the most pages to map and the extent tree.
	 */
	sis = kzalloc(sizeof(*sis), GFP_KERNEL);
	if (!sis)
		return -ENOMEM;
	sis->bdev = inode->i_sb->s_bdev;
	sis->swap_extent_root = RB_ROOT;
	sis->max = pages;
	/* As swapon: map and pin under one inode lock, so nothing slips in. */
	inode_lock(inode);
	if (IS_SWAPFILE(inode)) {
		ret = -EBUSY;
	} else {
		ret = aops->swap_activate(sis, file, &span);
		/*
		 * xfs maps a realtime file on its realtime device and says so
		 * in sis->bdev: only the filesystem's own device is ours.
		 */
		if (ret >= 0 && sis->bdev != inode->i_sb->s_bdev)
			ret = -EOPNOTSUPP;
		if (ret >= 0) {
			inode->i_flags |= S_SWAPFILE;
			pinned = true;
			ret = 0;
		}
	}
	inode_unlock(inode);
	if (ret)
		free_extents(&sis->swap_extent_root);
	else
		ret = take_extents(&sis->swap_extent_root, pages, extents, nr);
	kfree(sis);
	if (ret && pinned)
		storage_map_unpin(file);
	return ret;
}

void storage_map_unpin(struct file *file)
{
	struct inode *inode = file_inode(file);

	inode_lock(inode);
	inode->i_flags &= ~S_SWAPFILE;
	inode_unlock(inode);
}

#else /* !HAVE_SWAPFILE_MAPPER */

int storage_map_pin(struct file *file, loff_t size,
		    struct storage_extent **extents, unsigned int *nr)
{
	return -EOPNOTSUPP;
}

void storage_map_unpin(struct file *file)
{
}

#endif /* HAVE_SWAPFILE_MAPPER */
