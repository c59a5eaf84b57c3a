// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "common/config.h"
#include "common/parse_size.h"
#include "target/free_space.h"
#include "snapshot_make.h"
#include "target/host.h"
#include "target/whole_disk.h"

/* Cleanup retries a destroy refused because udev still probes an image. */
#define DESTROY_TRIES	10
#define DESTROY_PAUSE_US	100000

void snapshot_make_init(struct snapshot_make *c, const char *cmd)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	target_resolver_init(&c->r, host_real());
}

int snapshot_make_limit(struct snapshot_make *c, const char *arg)
{
	enum parse_err perr = parse_percent(arg, &c->percent);

	if (perr != PARSE_SYNTAX) {
		if (perr)
			return cli_usage_error(c->cmd, "--limit '%s': "
				"not a percentage from 1%% to 100%%", arg);
		c->limit = 0;
		return CLI_EXIT_SUCCESS;
	}
	c->percent = 0;
	perr = parse_size(arg, &c->limit);
	if (!perr && !c->limit)
		perr = PARSE_EMPTY;
	if (!perr && c->limit % SECTOR_SIZE)
		perr = PARSE_UNALIGNED;
	if (perr)
		return cli_usage_error(c->cmd, "--limit '%s': %s", arg,
				       parse_strerror(perr));
	return CLI_EXIT_SUCCESS;
}

/*
 * A whole disk whose partitions hold mounted filesystems: the take would
 * freeze none of them (see whole_disk.h).
 */
static int refuse_frozen_partitions(struct snapshot_make *c,
				    const struct target *t)
{
	char mountpoint[PATH_MAX], part[PATH_MAX];
	struct libmnt_table *tb = target_mounts(&c->r);
	dev_t dev;

	if (!tb || !whole_disk_mounted_partition(c->r.host, tb, t->dev, &dev,
						 mountpoint, sizeof(mountpoint)))
		return 0;
	host_dev_path(c->r.host, dev, part, sizeof(part));
	fprintf(stderr, CLI_NAME ": %s: its partition %s is mounted at %s, and a "
		"snapshot of the whole disk would not freeze that filesystem; "
		"name %s (or %s) instead\n", t->arg, part, mountpoint, mountpoint,
		part);
	return -EBUSY;
}

/* Resolve the TARGETs; several on one device make one member. */
static int resolve_targets(struct snapshot_make *c, char **args, size_t n)
{
	struct target *t;
	size_t i;
	int err;

	t = calloc(n, sizeof(*t));
	c->m = calloc(n, sizeof(*c->m));
	if (!t || !c->m) {
		free(t);
		return cli_fail(CLI_NAME, CLI_OP_SNAPSHOT_CREATE, -ENOMEM);
	}
	err = target_resolve_all(&c->r, args, n, t, &c->n);
	if (err)
		cli_fail_text(c->r.error);
	for (i = 0; !err && i < c->n; i++) {
		c->m[i].t = t[i];
		err = refuse_frozen_partitions(c, &t[i]);
	}
	free(t);
	return err ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
}

static int bdev_size(const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;

	if (fd < 0)
		return cli_fail(path, CLI_OP_STORAGE, -errno);
	/* A block device's end is its size; no ioctl needed. */
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		end = -errno;
	close(fd);
	if (end <= 0)
		return cli_fail(path, CLI_OP_STORAGE, end ? end : -ENOSPC);
	*size = end;
	return CLI_EXIT_SUCCESS;
}

/* The kind of storage follows from what is at the path. */
static int pick_storage(struct snapshot_make *c)
{
	struct stat st;

	if (stat(c->storage, &st)) {
		if (errno != ENOENT)
			return cli_fail(c->storage, CLI_OP_STORAGE, -errno);
		c->kind = BLKSNAP_STORAGE_FILE;
		c->storage_missing = true;
	} else if (S_ISDIR(st.st_mode)) {
		c->kind = BLKSNAP_STORAGE_DIR;
	} else if (S_ISREG(st.st_mode)) {
		c->kind = BLKSNAP_STORAGE_FILE;
	} else if (S_ISBLK(st.st_mode)) {
		c->kind = BLKSNAP_STORAGE_BDEV;
		if (!c->limit)
			return bdev_size(c->storage, &c->limit);
	} else {
		return cli_fail(c->storage, CLI_OP_STORAGE, -EINVAL);
	}
	return CLI_EXIT_SUCCESS;
}

/* Add the devices of snapshot @id (gone meanwhile: none) to the owners. */
static int add_other(struct snapshot_make *c, const struct blksnap_uuid *id,
		     struct snapshot_other *o)
{
	struct blksnap_snapshot_device *devs;
	struct storage_owner *tmp;
	size_t i, count;
	int err;

	generation_format(id, o->id);
	err = blksnap_snapshot_devices(c->ctx, id, &devs, &count);
	if (err == -ENOENT)
		return CLI_EXIT_SUCCESS;
	if (err)
		return cli_fail(o->id, CLI_OP_SNAPSHOT_DEVICES, err);
	tmp = realloc(c->owners, (c->nowners + count + 1) * sizeof(*tmp));
	if (!tmp) {
		free(devs);
		return cli_fail(o->id, CLI_OP_SNAPSHOT_DEVICES, -ENOMEM);
	}
	c->owners = tmp;
	for (i = 0; i < count; i++)
		c->owners[c->nowners++] = (struct storage_owner){
			devs[i].dev, o->id };
	free(devs);
	return CLI_EXIT_SUCCESS;
}

/*
 * The devices the storage must stay off: this snapshot's and those of the
 * live snapshots (none if the module cannot list them).
 */
static int collect_owners(struct snapshot_make *c)
{
	struct blksnap_uuid *ids = NULL;
	size_t i, count = 0;
	int err, ret = CLI_EXIT_SUCCESS;

	c->owners = calloc(c->n, sizeof(*c->owners));
	if (!c->owners)
		return cli_fail(CLI_NAME, CLI_OP_SNAPSHOT_CREATE, -ENOMEM);
	for (i = 0; i < c->n; i++)
		c->owners[i] = (struct storage_owner){ c->m[i].t.dev, NULL };
	c->nowners = c->n;

	err = blksnap_snapshot_collect(c->ctx, &ids, &count);
	if (err == -ENOTTY || err == -EOPNOTSUPP)
		return CLI_EXIT_SUCCESS;
	if (err)
		return cli_fail(cli_control_path(), CLI_OP_SNAPSHOT_LIST, err);
	c->others = calloc(count ? count : 1, sizeof(*c->others));
	if (!c->others)
		ret = cli_fail(CLI_NAME, CLI_OP_SNAPSHOT_CREATE, -ENOMEM);
	for (i = 0; !ret && i < count; i++)
		ret = add_other(c, &ids[i], &c->others[i]);
	free(ids);
	return ret;
}

/*
 * Refuse a storage that this or another snapshot would intercept; one in
 * the snapshotted filesystem itself is a directory there.
 */
static int check_storage(struct snapshot_make *c)
{
	struct storage_choice same;
	dev_t dev;
	int ret;

	ret = storage_device(&c->r, c->storage, &dev);
	if (ret < 0)
		return cli_fail_text(c->r.error);
	if (ret > 0)
		return CLI_EXIT_SUCCESS;
	ret = storage_check(&c->r, c->storage, dev, c->owners, c->nowners,
			    &same);
	if (ret < 0)
		return cli_fail_text(c->r.error);
	if (ret > 0) {
		c->place = same;
		c->storage = c->place.path;
		c->kind = BLKSNAP_STORAGE_DIR;
		c->storage_missing = false;
		c->same_fs = true;
		c->storage_dev = dev;
	}
	return CLI_EXIT_SUCCESS;
}

/* No --storage: the best of the default directories. */
static int choose_storage(struct snapshot_make *c)
{
	static const char *const builtin[] = {
		"/var/tmp", "/var/lib/blksnap", "/tmp",
	};
	const struct config *cfg = config_get();
	const char *dirs[CONFIG_MAX_STORAGE_DIRS + ARRAY_SIZE(builtin) + 1];
	size_t i, n = 0;

	/* The configured places first: among equals, the first wins. */
	for (i = 0; i < cfg->nstorage_dirs; i++)
		dirs[n++] = cfg->storage_dirs[i];
	for (i = 0; i < ARRAY_SIZE(builtin); i++)
		dirs[n++] = builtin[i];
	dirs[n] = NULL;
	if (storage_choose(&c->r, dirs, cfg->nstorage_dirs, c->owners,
			   c->nowners, &c->place))
		return cli_fail_text(c->r.error);
	c->storage = c->place.path;
	c->chosen = true;
	return CLI_EXIT_SUCCESS;
}

/* The limit not given: the default, or what the snapshotted fs can spare. */
static int settle_limit(struct snapshot_make *c)
{
	if (c->same_fs && storage_same_fs_limit(&c->r, &c->place, &c->limit))
		return cli_fail_text(c->r.error);
	if (!c->limit)
		c->limit = STORAGE_DEFAULT_LIMIT;
	return CLI_EXIT_SUCCESS;
}

/*
 * Say where the storage went: a default chosen, unless @quiet and there
 * is room for the limit; on the snapshotted filesystem, always.
 */
static void say_storage(const struct snapshot_make *c, bool quiet)
{
	const struct storage_choice *p = &c->place;
	char free_s[32], limit_s[32];

	size_format(p->free_bytes, free_s, sizeof(free_s));
	size_format(c->limit, limit_s, sizeof(limit_s));
	if (c->same_fs) {
		fprintf(stderr, CLI_NAME ": difference storage in %s (%s, the "
			"snapshotted filesystem%s; up to %s, %s free)\n",
			c->storage, p->where, c->chosen ? ": no other disk "
			"filesystem qualifies" : "", limit_s, free_s);
		return;
	}
	if (!c->chosen)
		return;
	if (quiet && p->free_bytes >= c->limit && !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, CLI_NAME ": difference storage in %s (%s, %s free%s%s%s)\n",
		c->storage, p->where, free_s,
		p->free_bytes < c->limit ? ", less than the limit of " : "",
		p->free_bytes < c->limit ? limit_s : "",
		p->free_bytes < c->limit ? "; give --limit or --storage" : "");
}

/* --limit N%: of the total size of the snapshot's devices. */
static int limit_from_percent(struct snapshot_make *c)
{
	uint64_t size, total = 0;
	size_t i;
	int err;

	for (i = 0; i < c->n; i++) {
		err = host_dev_size(host_real(), c->m[i].t.dev, &size);
		if (err)
			return cli_fail(c->m[i].t.device, CLI_OP_DEVICE_SIZE, err);
		total += size;
	}
	/* In two steps, so that no total overflows on the way. */
	c->limit = total / 100 * c->percent + total % 100 * c->percent / 100;
	c->limit -= c->limit % SECTOR_SIZE;
	if (!c->limit)
		return cli_usage_error(c->cmd, "--limit %u%%: less than 512 bytes "
				       "of the devices' size", c->percent);
	return CLI_EXIT_SUCCESS;
}

static int create_storage_file(struct snapshot_make *c)
{
	int fd = open(c->storage, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return cli_fail(c->storage, CLI_OP_STORAGE, -errno);
	close(fd);
	c->storage_created = true;
	return CLI_EXIT_SUCCESS;
}

void snapshot_make_undo(struct snapshot_make *c)
{
	size_t i;
	int err;

	snapshot_make_destroy(c);
	for (i = c->n; i-- > 0; ) {
		if (!c->m[i].attached)
			continue;
		err = blksnap_detach(c->ctx, c->m[i].t.dev);
		if (err)
			cli_fail(c->m[i].t.arg, CLI_OP_DETACH, err);
	}
	if (c->storage_created && unlink(c->storage))
		cli_fail(c->storage, CLI_OP_STORAGE_REMOVE, -errno);
}

_Static_assert(FREE_SPACE_BATCH <= BLKSNAP_SNAPSHOT_FREE_RANGES_MAX,
	       "a batch of free space fits one command");

struct free_space_to {
	struct blksnap_ctx *ctx;
	dev_t dev;
};

static int free_space_to_module(void *arg, const struct blksnap_sectors *ranges,
				size_t n)
{
	struct free_space_to *to = arg;

	return blksnap_snapshot_free_space(to->ctx, to->dev, ranges, n);
}

/*
 * A directory of the filesystem mounted from @m's device, into @buf; NULL
 * if none is mounted (a raw device: its image stays exact).
 */
static const char *mounted_dir(struct snapshot_make *c,
			       const struct snapshot_member *m, char *buf,
			       size_t size)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs;

	if (c->same_fs && m->t.dev == c->storage_dev)
		return c->storage;
	if (m->t.mountpoint[0])
		return m->t.mountpoint;
	tb = target_mounts(&c->r);
	fs = tb ? mnt_table_find_devno(tb, m->t.dev, MNT_ITER_FORWARD) : NULL;
	if (!fs || !mnt_fs_get_target(fs))
		return NULL;
	snprintf(buf, size, "%s", mnt_fs_get_target(fs));
	return buf;
}

/*
 * Chunks free at the take are never copied and read as zeros in the
 * image; the storage on the snapshotted filesystem grows after the take
 * only into them (or into chunks copied already).  After the add, which
 * starts counting the device's writes against them, the module hears
 * what is free now.  Without it the image shows the free space as it is
 * and writes there are copied; where the storage is, it grows only into
 * copied chunks: a warning, not a failure.  Elsewhere a filesystem that
 * cannot tell its free space (no GETFSMAP) keeps exact images silently.
 */
static void hand_over_free_space(struct snapshot_make *c,
				 const struct snapshot_member *m)
{
	struct free_space_to to = { .ctx = c->ctx, .dev = m->t.dev };
	bool holder = c->same_fs && m->t.dev == c->storage_dev;
	char buf[PATH_MAX];
	const char *dir = mounted_dir(c, m, buf, sizeof(buf));
	uint64_t bytes;
	int err;

	if (!dir)
		return;
	err = free_space_read(dir, m->t.dev, free_space_to_module, &to, &bytes);
	if (!holder) {
		if (err && err != -EOPNOTSUPP && err != -ENOTTY)
			fprintf(stderr, CLI_NAME ": %s: free space not (all) handed "
				"over (%s); the image shows the rest of it as it is\n",
				dir, strerror(-err));
		return;
	}
	if (err == -EOPNOTSUPP)
		fprintf(stderr, CLI_NAME ": %s: the filesystem's free space cannot be trusted "
			"(no GETFSMAP, or xfs with rmapbt); the image shows it as it is, and "
			"the difference storage grows only into blocks the snapshot has copied\n",
			c->storage);
	else if (err)
		fprintf(stderr, CLI_NAME ": %s: free space not read (%s); the image shows it "
			"as it is, and the difference storage grows only into blocks the "
			"snapshot has copied\n", c->storage, strerror(-err));
}

static int add_device(struct snapshot_make *c, struct snapshot_member *m)
{
	int err = blksnap_attach(c->ctx, m->t.dev);

	if (err && err != -EALREADY)
		return cli_fail(m->t.arg, CLI_OP_ATTACH, err);
	m->attached = !err;
	err = blksnap_snapshot_add(c->ctx, &c->id, m->t.dev);
	/*
	 * The filesystem that holds the storage is never exact (the storage
	 * reads as zeros): its free space is handed over also with --exact,
	 * for the storage to grow into.
	 */
	if (!err && (!c->exact || (c->same_fs && m->t.dev == c->storage_dev)))
		hand_over_free_space(c, m);
	if (!err)
		return CLI_EXIT_SUCCESS;
	/* The device whose filesystem holds the storage: it is made here. */
	if (c->same_fs && m->t.dev == c->storage_dev &&
	    (err == -ENOSPC || err == -EOPNOTSUPP || err == -ELOOP))
		return cli_fail(c->storage, CLI_OP_STORAGE_SAME_FS, err);
	return cli_fail(m->t.arg, CLI_OP_SNAPSHOT_ADD, err);
}

/*
 * Before the module preallocates on the snapshotted filesystem: blocks it
 * freed lately (the last snapshot's storage, which destroy zeroed) can be
 * allocated again only once the journal has committed their freeing.
 * Committing now lets the new storage land on them rather than on free
 * space that still holds old data, which the module must zero and count
 * as changed in the next incremental.  Best effort: a failure costs only
 * that.
 */
static void commit_freed_blocks(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	(void)syncfs(fd);
	close(fd);
}

int snapshot_make_take(struct snapshot_make *c)
{
	size_t i;
	int err, ret;

	if (c->storage_missing) {
		ret = create_storage_file(c);
		if (ret)
			return ret;
	}
	if (c->same_fs)
		commit_freed_blocks(c->storage);
	err = blksnap_snapshot_create(c->ctx, c->storage, c->kind, c->limit,
				      &c->id);
	if (err)
		return cli_fail(c->storage, CLI_OP_SNAPSHOT_CREATE, err);
	c->created = true;
	generation_format(&c->id, c->id_str);
	if (c->made) {
		ret = c->made(c->made_arg, c, NULL);
		if (ret)
			return ret;
	}

	for (i = 0; i < c->n; i++) {
		ret = add_device(c, &c->m[i]);
		if (!ret && c->made)
			ret = c->made(c->made_arg, c, &c->m[i]);
		if (ret)
			return ret;
	}
	/*
	 * The take switches each change map once; a 'cbt switch' by someone
	 * else after it would make the number read next one too high.  The
	 * number before the take bounds it from below (see cmds/backup.c).
	 */
	for (i = 0; c->read_cbt && i < c->n; i++)
		c->m[i].cbt_before_ok = !blksnap_cbt_info(c->ctx, c->m[i].t.dev,
							  &c->m[i].cbt_before);
	if (c->before_take) {
		ret = c->before_take(c->made_arg, c);
		if (ret)
			return ret;
	}
	err = blksnap_snapshot_take(c->ctx, &c->id);
	if (c->after_take)
		c->after_take(c->made_arg, c, !err);
	if (err)
		return cli_fail(c->id_str, CLI_OP_SNAPSHOT_TAKE, err);
	for (i = 0; c->read_cbt && i < c->n; i++) {
		err = blksnap_cbt_info(c->ctx, c->m[i].t.dev, &c->m[i].cbt);
		if (err)
			return cli_fail(c->m[i].t.arg, CLI_OP_CBT_INFO, err);
	}
	for (i = 0; i < c->n; i++) {
		err = blksnap_snapshot_info(c->ctx, c->m[i].t.dev, &c->m[i].info);
		if (err)
			return cli_fail(c->m[i].t.arg, CLI_OP_SNAPSHOT_INFO, err);
	}
	return CLI_EXIT_SUCCESS;
}

int snapshot_destroy_patient(struct blksnap_ctx *ctx,
			     const struct blksnap_uuid *id)
{
	unsigned int tries = 0;
	int err;

	while ((err = blksnap_snapshot_destroy(ctx, id)) == -EBUSY &&
	       ++tries < DESTROY_TRIES)
		usleep(DESTROY_PAUSE_US);
	return err;
}

int snapshot_make_destroy(struct snapshot_make *c)
{
	int err;

	if (!c->created)
		return CLI_EXIT_SUCCESS;
	err = snapshot_destroy_patient(c->ctx, &c->id);
	if (err)
		return cli_fail(c->id_str, CLI_OP_SNAPSHOT_DESTROY, err);
	c->created = false;
	return CLI_EXIT_SUCCESS;
}

int snapshot_make_resolve(struct snapshot_make *c, char **args, size_t n)
{
	int ret;

	ret = config_load_default();
	/* blksnap.conf's limit, unless --limit was given. */
	if (!ret && !c->limit && !c->percent && config_get()->limit[0])
		ret = snapshot_make_limit(c, config_get()->limit);
	if (!ret && config_get()->exact)
		c->exact = true;
	if (!ret)
		ret = resolve_targets(c, args, n);
	if (!ret && c->percent)
		ret = limit_from_percent(c);
	return ret;
}

int snapshot_make_storage(struct snapshot_make *c, bool quiet)
{
	int ret;

	ret = cli_open_control_load(&c->ctx);
	/* Nothing is made before the storage is known to be safe. */
	if (!ret)
		ret = collect_owners(c);
	if (!ret && !c->storage)
		ret = choose_storage(c);
	if (!ret)
		ret = pick_storage(c);
	if (!ret)
		ret = check_storage(c);
	if (!ret)
		ret = settle_limit(c);
	if (!ret)
		say_storage(c, quiet);
	return ret;
}

int snapshot_make_prepare(struct snapshot_make *c, char **args, size_t n)
{
	int ret = snapshot_make_resolve(c, args, n);

	return ret ? ret : snapshot_make_storage(c, false);
}

void snapshot_make_free(struct snapshot_make *c)
{
	blksnap_close(c->ctx);
	c->ctx = NULL;
	target_resolver_free(&c->r);
	free(c->owners);
	free(c->others);
	free(c->m);
}
