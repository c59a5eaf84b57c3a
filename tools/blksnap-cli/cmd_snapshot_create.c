// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot create: one point in time across devices.  Resolves the
 * TARGETs to devices, creates the snapshot, adds each device (attaching
 * its filter if needed), takes it and prints the images.  All or nothing: a failure undoes what this
 * command did, and only that.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "host.h"
#include "parse_size.h"
#include "snapshot_show.h"
#include "storage.h"
#include "target.h"
#include "whole_disk.h"

#define DEFAULT_LIMIT	(1ULL << 30)

/* Cleanup retries a destroy refused because udev still probes an image. */
#define DESTROY_TRIES	10
#define DESTROY_PAUSE_US	100000

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET...\n"
	       "\nSnapshot the device of every TARGET at the same point in time and\n"
	       "print the snapshot's id and each device's image, a block device to\n"
	       "read the backup from.  A TARGET is a mount point, a path in a mounted\n"
	       "filesystem, a block device, MAJOR:MINOR, or UUID=, LABEL=, PARTUUID=\n"
	       "or PARTLABEL=; TARGETs on one device make one.  Attaches the filter\n"
	       "to a device that has none.  On failure, undoes everything it did.\n"
	       "\nOptions:\n"
	       " -s, --storage PATH     where copy-on-write data goes: a directory (an\n"
	       "                        anonymous file there, gone at destroy), a block\n"
	       "                        device (used whole: its data is lost), or a\n"
	       "                        regular file (created if missing, left in place\n"
	       "                        after destroy); never on a device of this or\n"
	       "                        another snapshot.  Default: of /var/tmp,\n"
	       "                        /var/lib/blksnap and /tmp, the one with most\n"
	       "                        free space on a local writable filesystem off\n"
	       "                        the snapshot's devices\n"
	       " -l, --limit SIZE|N%%    largest size the storage may grow to: bytes, a\n"
	       "                        number with K, M, G or T, or a percentage of the\n"
	       "                        devices' total size; default 1G, or the whole\n"
	       "                        size of a block device storage\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

struct member {
	struct target t;
	bool attached;		/* by this command: detach on failure */
	struct blksnap_snapshotinfo info;
};

/* Another live snapshot: its id, for the owners of its devices. */
struct other {
	char id[GENERATION_STR_LEN];
};

struct create {
	const char *cmd;
	struct blksnap_ctx *ctx;
	struct target_resolver r;	/* TARGETs and the storage's place */
	const char *storage;
	enum blksnap_storage_kind kind;
	bool storage_missing;	/* a FILE storage to create */
	bool storage_created;	/* by this command: remove on failure */
	uint64_t limit;		/* 0 until chosen */
	unsigned int percent;	/* --limit N%: of the devices' total size */
	struct member *m;
	size_t n;		/* devices, TARGETs on one device merged */
	/* The devices the storage must stay off: ours, then the others'. */
	struct storage_owner *owners;
	size_t nowners;
	struct other *others;
	struct blksnap_uuid id;
	bool created;
	char id_str[GENERATION_STR_LEN];
};

/*
 * A whole disk whose partitions hold mounted filesystems: the take would
 * freeze none of them (see whole_disk.h).
 */
static int refuse_frozen_partitions(struct create *c, const struct target *t)
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
static int resolve_targets(struct create *c, char **args, size_t n)
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
static int pick_storage(struct create *c)
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
	if (!c->limit)
		c->limit = DEFAULT_LIMIT;
	return CLI_EXIT_SUCCESS;
}

/* Add the devices of snapshot @id (gone meanwhile: none) to the owners. */
static int add_other(struct create *c, const struct blksnap_uuid *id,
		     struct other *o)
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
static int collect_owners(struct create *c)
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

/* Refuse a storage that this or another snapshot would intercept. */
static int check_storage(struct create *c)
{
	dev_t dev;
	int ret;

	ret = storage_device(&c->r, c->storage, &dev);
	if (ret < 0)
		return cli_fail_text(c->r.error);
	if (ret > 0)
		return CLI_EXIT_SUCCESS;
	if (storage_check(&c->r, c->storage, dev, c->owners, c->nowners))
		return cli_fail_text(c->r.error);
	return CLI_EXIT_SUCCESS;
}

/* No --storage: the best of the default directories, said on stderr. */
static int choose_storage(struct create *c)
{
	static const char *const dirs[] = {
		"/var/tmp", "/var/lib/blksnap", "/tmp", NULL,
	};
	struct storage_choice choice;
	char free_s[32], limit_s[32];
	uint64_t limit = c->limit ? c->limit : DEFAULT_LIMIT;

	if (storage_choose(&c->r, dirs, c->owners, c->nowners, &choice))
		return cli_fail_text(c->r.error);
	c->storage = choice.path;
	size_format(choice.free_bytes, free_s, sizeof(free_s));
	size_format(limit, limit_s, sizeof(limit_s));
	fprintf(stderr, CLI_NAME ": difference storage in %s (%s, %s free%s%s%s)\n",
		c->storage, choice.where, free_s,
		choice.free_bytes < limit ? ", less than the limit of " : "",
		choice.free_bytes < limit ? limit_s : "",
		choice.free_bytes < limit ? "; give --limit or --storage" : "");
	return CLI_EXIT_SUCCESS;
}

/* --limit N%: of the total size of the snapshot's devices. */
static int limit_from_percent(struct create *c)
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

static int create_storage_file(struct create *c)
{
	int fd = open(c->storage, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return cli_fail(c->storage, CLI_OP_STORAGE, -errno);
	close(fd);
	c->storage_created = true;
	return CLI_EXIT_SUCCESS;
}

static void destroy_snapshot(struct create *c)
{
	unsigned int tries = 0;
	int err;

	while ((err = blksnap_snapshot_destroy(c->ctx, &c->id)) == -EBUSY &&
	       ++tries < DESTROY_TRIES)
		usleep(DESTROY_PAUSE_US);
	if (err)
		cli_fail(c->id_str, CLI_OP_SNAPSHOT_DESTROY, err);
}

/* Undo, newest first, what this command did; report what cannot be. */
static void undo(struct create *c)
{
	size_t i;
	int err;

	if (c->created)
		destroy_snapshot(c);
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

static int add_device(struct create *c, struct member *m)
{
	int err = blksnap_attach(c->ctx, m->t.dev);

	if (err && err != -EALREADY)
		return cli_fail(m->t.arg, CLI_OP_ATTACH, err);
	m->attached = !err;
	err = blksnap_snapshot_add(c->ctx, &c->id, m->t.dev);
	return err ? cli_fail(m->t.arg, CLI_OP_SNAPSHOT_ADD, err) : CLI_EXIT_SUCCESS;
}

static int make_snapshot(struct create *c)
{
	size_t i;
	int err, ret;

	if (c->storage_missing) {
		ret = create_storage_file(c);
		if (ret)
			return ret;
	}
	err = blksnap_snapshot_create(c->ctx, c->storage, c->kind, c->limit,
				      &c->id);
	if (err)
		return cli_fail(c->storage, CLI_OP_SNAPSHOT_CREATE, err);
	c->created = true;
	generation_format(&c->id, c->id_str);

	for (i = 0; i < c->n; i++) {
		ret = add_device(c, &c->m[i]);
		if (ret)
			return ret;
	}
	err = blksnap_snapshot_take(c->ctx, &c->id);
	if (err)
		return cli_fail(c->id_str, CLI_OP_SNAPSHOT_TAKE, err);
	for (i = 0; i < c->n; i++) {
		err = blksnap_snapshot_info(c->ctx, c->m[i].t.dev, &c->m[i].info);
		if (err)
			return cli_fail(c->m[i].t.arg, CLI_OP_SNAPSHOT_INFO, err);
	}
	return CLI_EXIT_SUCCESS;
}

static int print_created(const struct create *c, bool json)
{
	struct snapshot_view v = { .count = c->n };
	size_t i;
	int ret;

	memcpy(v.id, c->id_str, sizeof(v.id));
	v.images = calloc(c->n, sizeof(*v.images));
	if (!v.images)
		return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	for (i = 0; i < c->n; i++) {
		snprintf(v.images[i].device, sizeof(v.images[i].device), "%s",
			 c->m[i].t.device);
		if (c->m[i].info.image[0])
			snprintf(v.images[i].image, sizeof(v.images[i].image),
				 "/dev/%s", (const char *)c->m[i].info.image);
	}
	ret = snapshot_print(&v, 1, SHOW_CREATED, json);
	snapshot_view_free(&v);
	return ret;
}

/*
 * Termination signals are noted while the snapshot is made or undone, and
 * take effect after: the snapshot is undone first, never left behind.
 * They are caught rather than blocked (and without SA_RESTART) so that a
 * take waiting for writes issued before it, which may never end when the
 * devices are stacked on one another, returns EINTR and is undone.
 */
static const int stop_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
static volatile sig_atomic_t stop_signal;

static void note_stop_signal(int sig)
{
	stop_signal = sig;
}

static int run(struct create *c, bool json)
{
	struct sigaction sa = { .sa_handler = note_stop_signal };
	struct sigaction saved[ARRAY_SIZE(stop_signals)];
	size_t i;
	int ret;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++) {
		sigaction(stop_signals[i], NULL, &saved[i]);
		/* A signal ignored by whoever started us (nohup, &) stays so. */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}

	ret = make_snapshot(c);
	if (!ret && stop_signal)
		ret = cli_fail(c->id_str, CLI_OP_SNAPSHOT_CREATE, -EINTR);
	if (!ret)
		ret = print_created(c, json);
	if (ret)
		undo(c);

	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &saved[i], NULL);
	if (stop_signal)
		raise(stop_signal);
	return ret;
}

int cmd_snapshot_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "storage", required_argument, NULL, 's' },
		{ "limit",   required_argument, NULL, 'l' },
		{ "json",    no_argument,       NULL, 'J' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct create c = { .cmd = argv[0] };
	enum parse_err perr;
	bool json = false;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "s:l:Jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.storage = optarg;
			break;
		case 'l':
			perr = parse_percent(optarg, &c.percent);
			if (perr != PARSE_SYNTAX) {
				if (perr)
					return cli_usage_error(c.cmd, "--limit '%s': "
						"not a percentage from 1%% to 100%%",
						optarg);
				c.limit = 0;
				break;
			}
			c.percent = 0;
			perr = parse_size(optarg, &c.limit);
			if (!perr && !c.limit)
				perr = PARSE_EMPTY;
			if (!perr && c.limit % SECTOR_SIZE)
				perr = PARSE_UNALIGNED;
			if (perr)
				return cli_usage_error(c.cmd, "--limit '%s': %s",
						       optarg, parse_strerror(perr));
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			usage(c.cmd);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(c.cmd);
		}
	}
	if (optind == argc)
		return cli_usage_error(c.cmd, "no target given");
	if (c.storage && !*c.storage)
		return cli_usage_error(c.cmd, "--storage: empty path");

	target_resolver_init(&c.r, host_real());
	ret = resolve_targets(&c, argv + optind, argc - optind);
	if (!ret && c.percent)
		ret = limit_from_percent(&c);
	if (!ret)
		ret = cli_open_control(&c.ctx);
	if (!ret) {
		/* Nothing is made before the storage is known to be safe. */
		ret = collect_owners(&c);
		if (!ret && !c.storage)
			ret = choose_storage(&c);
		if (!ret)
			ret = pick_storage(&c);
		if (!ret)
			ret = check_storage(&c);
		if (!ret)
			ret = run(&c, json);
		blksnap_close(c.ctx);
	}
	target_resolver_free(&c.r);
	free(c.owners);
	free(c.others);
	free(c.m);
	return ret;
}
