// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap backup restore DEST --to FILE|DEVICE: write one restore point
 * of a backup image out as a plain image, from the backup medium alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "backup/backup_points.h"
#include "backup/restore_point.h"
#include "backup/take_time.h"
#include "cli.h"
#include "common/bdev_open.h"
#include "common/parse_size.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] --to FILE|DEVICE DEST\n"
	       "\nWrite the restore point of the backup image DEST taken at TIME (the\n"
	       "latest without --at) to FILE, a new image file, or to a block\n"
	       "device.  Only the backup medium is read: no state file, no source\n"
	       "machine.  Every chunk read from DEST is checked against its\n"
	       "checksum and every saved range against its own; damage fails the\n"
	       "restore and names the place.  A run that was interrupted is rolled\n"
	       "back first (one line on standard error says so), or, on a medium\n"
	       "mounted read-only, undone in what is written.\n"
	       "\nOptions:\n"
	       " -a, --at TIME          the point taken at TIME, as 'backup list'\n"
	       "                        shows it (RFC 3339, e.g. 2026-12-02T02:30:00Z)\n"
	       " -t, --to FILE|DEVICE   where to write the image\n"
	       " -f, --force            overwrite an existing FILE or DEVICE\n", cmd);
	cli_usage_footer();
}

/* The point's time and size, for the summary; 0 if unknown. */
static uint64_t point_size(const char *dest, int64_t *at)
{
	struct rp_point *v;
	uint64_t size = 0;
	size_t n, i;

	if (rp_list(dest, &v, &n))
		return 0;
	for (i = 0; i < n; i++)
		if ((*at && v[i].time == *at) || (!*at && v[i].latest)) {
			size = v[i].image_size;
			*at = v[i].time;
		}
	free(v);
	return size;
}

/* A device smaller than the point's image would fail half-way: refuse. */
static int check_device_size(const char *dest, int64_t at, const char *to, int fd)
{
	char msg[PATH_MAX + 128], have_s[32], need_s[32];
	uint64_t need = point_size(dest, &at);
	struct stat st;
	off_t have;

	if (fstat(fd, &st) || !S_ISBLK(st.st_mode))
		return CLI_EXIT_SUCCESS;
	have = lseek(fd, 0, SEEK_END);
	if (have < 0 || (uint64_t)have >= need)
		return CLI_EXIT_SUCCESS;
	size_format(have, have_s, sizeof(have_s));
	size_format(need, need_s, sizeof(need_s));
	snprintf(msg, sizeof(msg), "%s: %s, smaller than the image (%s); give a "
		 "device of at least %s or a file", to, have_s, need_s, need_s);
	return cli_fail_text(msg);
}

/* Open @to for writing: a new file unless @force; never DEST itself. */
static int open_target(const char *dest, const char *to, bool force,
		       bool *created)
{
	char msg[2 * PATH_MAX + 128];
	struct stat a, b;
	int fd;

	*created = false;
	fd = open(to, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*created = true;
		return fd;
	}
	if (errno != EEXIST) {
		snprintf(msg, sizeof(msg), "%s: cannot create: %s; give another "
			 "--to", to, strerror(errno));
		return -cli_fail_text(msg);
	}
	if (!force) {
		snprintf(msg, sizeof(msg), "%s: exists; give --force to overwrite "
			 "it, or another --to", to);
		return -cli_fail_text(msg);
	}
	if (!stat(dest, &a) && !stat(to, &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		snprintf(msg, sizeof(msg), "%s: is the backup image itself; give "
			 "another --to", to);
		return -cli_fail_text(msg);
	}
	/* O_EXCL on a block device: refused while it is mounted or in use. */
	fd = bdev_open_waiting(to, O_RDWR | O_CLOEXEC |
			       (!stat(to, &b) && S_ISBLK(b.st_mode) ? O_EXCL : 0),
			       0, BDEV_OPEN_BUSY_MS);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "%s: cannot open: %s; give another "
			 "--to", to, strerror(-fd));
		return -cli_fail_text(msg);
	}
	return fd;
}

int cmd_backup_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "at",    required_argument, NULL, 'a' },
		{ "to",    required_argument, NULL, 't' },
		{ "force", no_argument,       NULL, 'f' },
		{ "help",  no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[RP_MSG_LEN], t[TAKE_TIME_LEN], size[32];
	const char *dest, *to = NULL;
	bool force = false, created;
	int64_t at = 0;
	int c, fd, ret, err;

	while ((c = getopt_long(argc, argv, "a:t:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (take_time_parse(optarg, &at))
				return cli_usage_error(argv[0], "--at '%s': not a "
						       "time such as "
						       "2026-12-02T02:30:00Z", optarg);
			break;
		case 't':
			to = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(argv[0]);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(argv[0]);
		}
	}
	if (optind == argc)
		return cli_usage_error(argv[0], "no DEST given");
	if (argc - optind > 1)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
				       argv[optind + 1]);
	if (!to || !*to)
		return cli_usage_error(argv[0], "no --to FILE|DEVICE given");
	dest = argv[optind];
	ret = backup_points_recover(dest, true);
	if (ret)
		return ret;
	fd = open_target(dest, to, force, &created);
	if (fd < 0)
		return -fd;
	ret = check_device_size(dest, at, to, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	err = rp_materialise(dest, at, fd, why, sizeof(why));
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		if (created)
			unlink(to);
		return backup_points_fail(dest, "restore it", err, why);
	}
	size_format(point_size(dest, &at), size, sizeof(size));
	if (take_time_format(at, t))
		snprintf(t, sizeof(t), "?");
	printf("%s: restored the point of %s (%s) to %s\n", dest, t, size, to);
	return CLI_EXIT_SUCCESS;
}
