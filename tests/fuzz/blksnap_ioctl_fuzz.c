// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap-ioctl-fuzz: random and edge requests to /dev/blksnap-control
 * from several threads (issue 20, "Fuzzing and fault injection").
 *
 * Runs as root where the module is loaded and nothing uses it: no
 * snapshot exists and no filter is attached (it checks), because at exit
 * it destroys every snapshot and detaches every filter it made, so that
 * the module unloads.  Meant for a throwaway machine (tests/vm): it
 * attaches filters to the devices given with --device and takes their
 * snapshots, and makes and removes loop devices.
 *
 * Odd-numbered threads run the race mix (destroy, take, wait_event,
 * detach, add on the same few snapshots), the others every request.  A
 * run is repeated by its --seed: exactly with --threads 1, per thread with
 * more.  At the end it prints the calls made, the seconds, and per
 * request the count of each errno, one line each; exit status 0 if
 * nothing was left behind and no call succeeded that must have failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fuzz_ops.h"

#define PROG		"blksnap-ioctl-fuzz"
#define THREADS_MAX	16
#define LIST_MAX	8

struct options {
	uint64_t calls;
	unsigned int seconds;
	uint64_t seed;
	unsigned int threads;
	char *dirs[LIST_MAX];
	unsigned int nr_dirs;
	char *devices[LIST_MAX];
	unsigned int nr_devices;
	char *storage[LIST_MAX];
	unsigned int nr_storage;
	char *writes[LIST_MAX];
	unsigned int nr_writes;
	const char *control;
	bool trace;
};

static atomic_bool stop;
/* SIGINT or SIGTERM: even a call already reserved is not made. */
static atomic_bool interrupted;
static atomic_uint_fast64_t tickets;
static atomic_uint threads_done;

struct worker {
	pthread_t tid;
	struct fuzz_ctx ctx;
	uint64_t max_calls;
	double deadline;
	bool started;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " " PROG " [options]\n"
	      "\nRandom and edge requests to /dev/blksnap-control from several threads.\n"
	      "Runs only where no snapshot exists and no filter is attached; at exit it\n"
	      "destroys its snapshots and detaches its filters.  For a throwaway machine.\n"
	      "\nOptions:\n"
	      " -n, --calls N            stop after N requests (default 100000)\n"
	      " -s, --seconds N          stop after N seconds (default 0: no limit)\n"
	      " -S, --seed N             random seed (default: from the clock; printed)\n"
	      " -t, --threads N          threads (default 4, at most 16)\n"
	      " -d, --dir DIR            make storage files there, in a directory of its\n"
	      "                          own (repeatable; default /var/tmp); loop devices'\n"
	      "                          files go to the first, the file whose pages\n"
	      "                          are buffers (MAP_SHARED) to the last\n"
	      " -D, --device DEV         a block device it may attach, snapshot and freeze\n"
	      "                          (repeatable; its data stays, but is no one's)\n"
	      "     --storage-device DEV a block device it may overwrite as difference\n"
	      "                          storage (repeatable)\n"
	      "     --write-device DEV   as --device, and it writes random data there\n"
	      "                          (repeatable; also to its loop devices and to\n"
	      "                          the images of its snapshots)\n"
	      "     --control PATH       the control node (default /dev/blksnap-control)\n"
	      "     --trace              print each request before it is made (stderr)\n"
	      " -h, --help               display this help\n"
	      "\nExit status: 0 when the module was left as it was found and no request\n"
	      "succeeded that must have failed; 1 otherwise; 2 on a usage error.\n", f);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || s[0] == '-' ? -EINVAL : 0;
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\nTry '" PROG " --help' for more information.\n",
		what, arg);
	return 2;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_STORAGE = 256, OPT_WRITE, OPT_CONTROL, OPT_TRACE };
	static const struct option longopts[] = {
		{ "calls",          required_argument, NULL, 'n' },
		{ "seconds",        required_argument, NULL, 's' },
		{ "seed",           required_argument, NULL, 'S' },
		{ "threads",        required_argument, NULL, 't' },
		{ "dir",            required_argument, NULL, 'd' },
		{ "device",         required_argument, NULL, 'D' },
		{ "storage-device", required_argument, NULL, OPT_STORAGE },
		{ "write-device",   required_argument, NULL, OPT_WRITE },
		{ "control",        required_argument, NULL, OPT_CONTROL },
		{ "trace",          no_argument,       NULL, OPT_TRACE },
		{ "help",           no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->calls = 100000;
	o->threads = 4;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	o->control = "/dev/" BLKSNAP_CTL;
	while ((c = getopt_long(argc, argv, "n:s:S:t:d:D:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &o->calls))
				return usage_error("invalid --calls", optarg);
			break;
		case 's':
			if (parse_u64(optarg, &v) || v > 86400 * 365)
				return usage_error("invalid --seconds", optarg);
			o->seconds = (unsigned int)v;
			break;
		case 'S':
			if (parse_u64(optarg, &o->seed))
				return usage_error("invalid --seed", optarg);
			break;
		case 't':
			if (parse_u64(optarg, &v) || !v || v > THREADS_MAX)
				return usage_error("invalid --threads (1-16)", optarg);
			o->threads = (unsigned int)v;
			break;
		case 'd':
			if (o->nr_dirs == WORLD_DIRS_MAX)
				return usage_error("too many --dir", optarg);
			o->dirs[o->nr_dirs++] = optarg;
			break;
		case 'D':
			if (o->nr_devices == LIST_MAX)
				return usage_error("too many --device", optarg);
			o->devices[o->nr_devices++] = optarg;
			break;
		case OPT_STORAGE:
			if (o->nr_storage == WORLD_STORAGE_DEVS_MAX)
				return usage_error("too many --storage-device", optarg);
			o->storage[o->nr_storage++] = optarg;
			break;
		case OPT_WRITE:
			if (o->nr_writes == LIST_MAX)
				return usage_error("too many --write-device", optarg);
			o->writes[o->nr_writes++] = optarg;
			break;
		case OPT_CONTROL:
			o->control = optarg;
			break;
		case OPT_TRACE:
			o->trace = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fputs("Try '" PROG " --help' for more information.\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!o->nr_dirs)
		o->dirs[o->nr_dirs++] = "/var/tmp";
	return 0;
}

/* Interrupts a thread's waiting request (no SA_RESTART): it ends EINTR. */
static void on_wake(int sig)
{
	(void)sig;
}

static void on_stop(int sig)
{
	(void)sig;
	atomic_store(&interrupted, true);
	atomic_store(&stop, true);
}

static void *worker_run(void *arg)
{
	struct worker *wk = arg;
	struct fuzz_ctx *c = &wk->ctx;
	enum fuzz_mix mix = c->thread % 2 ? MIX_RACE : MIX_BROAD;
	unsigned int i = 0;

	while (!atomic_load(&stop)) {
		/* Reserve a call first: the total is exact across threads. */
		if (atomic_fetch_add(&tickets, 1) >= wk->max_calls) {
			atomic_store(&stop, true);
			break;
		}
		/*
		 * A machine change does not count as a call: draw again.  The
		 * reserved call is made even when another thread stops the run
		 * meanwhile (its tickets ran out, its deadline passed), so that
		 * --calls N makes exactly N calls; only a signal drops it.
		 */
		while (!fuzz_ops[fuzz_one(c, mix)].ioctl && !atomic_load(&interrupted))
			;
		if (wk->deadline && !(++i % 64) && now() >= wk->deadline)
			atomic_store(&stop, true);
	}
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_wake;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

/*
 * Stops the threads: a request waiting in the module (a long wait_event,
 * a take draining) is interrupted by SIGUSR1, again until all are done.
 */
static void stop_workers(struct worker *wk, unsigned int n, unsigned int started)
{
	struct timespec tick = { .tv_nsec = 20 * 1000000L };
	unsigned int i;

	atomic_store(&stop, true);
	while (atomic_load(&threads_done) < started) {
		for (i = 0; i < n; i++) {
			if (wk[i].started)
				pthread_kill(wk[i].tid, SIGUSR1);
		}
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < n; i++) {
		if (wk[i].started)
			pthread_join(wk[i].tid, NULL);
	}
}

static void report(const struct options *o, struct fuzz_counts *sum,
		   const struct fuzz_world *w, double seconds)
{
	uint64_t calls = 0, unexpected = 0;
	unsigned int i;

	for (i = 0; i < fuzz_nr_ops; i++) {
		if (fuzz_ops[i].ioctl)
			calls += counts_calls(&sum[i]);
		unexpected += sum[i].unexpected_ok;
	}
	printf("seed %" PRIu64 ", %u threads\n", o->seed, o->threads);
	printf("calls %" PRIu64 " seconds %.1f (%.0f calls/s)\n", calls, seconds,
	       seconds > 0 ? (double)calls / seconds : 0.0);
	for (i = 0; i < fuzz_nr_ops; i++)
		counts_print(stdout, fuzz_ops[i].name, &sum[i]);
	printf("loop devices made %lu, removed %lu, failed %lu\n", w->loops_made,
	       w->loops_removed, w->loop_failures);
	if (unexpected)
		printf("unexpected successes %" PRIu64 " (see stderr)\n", unexpected);
}

int main(int argc, char **argv)
{
	static struct fuzz_world world;
	struct worker wk[THREADS_MAX];
	struct fuzz_counts *sum;
	struct world_args wa;
	struct options o;
	unsigned int i, started = 0;
	uint64_t unexpected = 0;
	double t0, seconds;
	int ctl_fd, ret, left, status = 0;

	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret;
	ctl_fd = open(o.control, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0) {
		fprintf(stderr, PROG ": %s: %s; load blksnap (modprobe blksnap) and run as root\n",
			o.control, strerror(errno));
		return 1;
	}
	wa = (struct world_args){
		.dirs = o.dirs, .nr_dirs = o.nr_dirs,
		.given = o.devices, .nr_given = o.nr_devices,
		.storage = o.storage, .nr_storage = o.nr_storage,
		.writes = o.writes, .nr_writes = o.nr_writes,
	};
	if (install_signals() || world_init(&world, &wa)) {
		fprintf(stderr, PROG ": cannot set up\n");
		world_done(&world);
		return 1;
	}
	if (world_check_clean(&world, ctl_fd)) {
		world_done(&world);
		return 1;
	}
	printf("seed %" PRIu64 ": %" PRIu64 " calls%s, %u threads, %u devices known, %u given\n",
	       o.seed, o.calls, o.seconds ? " or the time limit" : "", o.threads,
	       world.nr_devs, o.nr_devices + o.nr_writes);
	fflush(stdout);

	sum = calloc(fuzz_nr_ops, sizeof(*sum));
	if (!sum)
		return 1;
	memset(wk, 0, sizeof(wk));
	t0 = now();
	for (i = 0; i < o.threads; i++) {
		struct fuzz_ctx *c = &wk[i].ctx;

		rng_seed(&c->rng, o.seed, i);
		c->world = &world;
		c->ctl_fd = ctl_fd;
		c->thread = i;
		c->trace = o.trace;
		c->counts = calloc(fuzz_nr_ops, sizeof(*c->counts));
		c->scratch = aligned_alloc(4096, FUZZ_SCRATCH_BYTES);
		wk[i].max_calls = o.calls;
		wk[i].deadline = o.seconds ? t0 + o.seconds : 0;
		if (!c->counts || !c->scratch ||
		    arena_init(&c->arena, world.shared_fd, i) ||
		    pthread_create(&wk[i].tid, NULL, worker_run, &wk[i])) {
			fprintf(stderr, PROG ": cannot start thread %u\n", i);
			status = 1;
			break;
		}
		wk[i].started = true;
		started++;
	}
	/* The threads stop themselves; a signal to us stops them early. */
	while (atomic_load(&threads_done) < started && !atomic_load(&stop)) {
		struct timespec tick = { .tv_nsec = 50 * 1000000L };

		nanosleep(&tick, NULL);
	}
	stop_workers(wk, o.threads, started);
	seconds = now() - t0;

	left = world_release(&world, ctl_fd);
	for (i = 0; i < o.threads; i++) {
		if (wk[i].ctx.counts)
			counts_sum(sum, wk[i].ctx.counts, fuzz_nr_ops);
		arena_done(&wk[i].ctx.arena);
		free(wk[i].ctx.counts);
		free(wk[i].ctx.scratch);
	}
	world_done(&world);
	close(ctl_fd);
	report(&o, sum, &world, seconds);
	for (i = 0; i < fuzz_nr_ops; i++)
		unexpected += sum[i].unexpected_ok;
	free(sum);
	if (left) {
		printf("left behind: %d snapshots or filters\n", left);
		status = 1;
	}
	if (unexpected)
		status = 1;
	return status;
}
