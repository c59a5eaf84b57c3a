// SPDX-License-Identifier: GPL-2.0
/*
 * Interception of bio submission for kernels without the native blkfilter
 * hook: an ftrace handler on submit_bio_noacct() redirects the call to
 * filtered_submit_bio_noacct(), which offers the bio to the filters and
 * then calls the real submit_bio_noacct().  That second call comes from
 * this module, and the handler lets calls from this module through: this
 * is how resubmitted bios bypass the filter.
 *
 * The function is found by name through ftrace's own filter; nothing here
 * reads kernel symbols.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-filter_ftrace: " fmt
#include <linux/module.h>
#include <linux/ftrace.h>
#include <linux/percpu.h>
#include <linux/delay.h>
#include "compat/ftrace.h"
#include "filter.h"
#include "filter_whole_disk.h"
#include "dm_settle.h"

static const char intercepted[] = "submit_bio_noacct";

/*
 * Tasks inside filtered_submit_bio_noacct(); summed at unload, which must
 * not free the code under a task that sleeps in the block layer below it.
 */
static DEFINE_PER_CPU(long, redirected_tasks);

static void notrace filtered_submit_bio_noacct(struct bio *bio)
{
	this_cpu_inc(redirected_tasks);
	if (!filter_bio(bio))
		submit_bio_noacct(bio);
	/*
	 * Keeps the call above from becoming a tail call: its return address
	 * must lie in this module for the handler to let it through.
	 */
	barrier();
	this_cpu_dec(redirected_tasks);
}

static void notrace submit_bio_noacct_handler(unsigned long ip,
					      unsigned long parent_ip,
					      struct ftrace_ops *ops,
					      struct ftrace_regs *fregs)
{
	if (!filter_active())
		return;
	if (within_module(parent_ip, THIS_MODULE))
		return;
	compat_ftrace_set_ip(fregs, (unsigned long)filtered_submit_bio_noacct);
}

static struct ftrace_ops submit_bio_noacct_ops = {
	.func = submit_bio_noacct_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

int filter_intercept_init(void)
{
	int ret;

	ret = filter_whole_disk_init();
	if (ret)
		return ret;
	ret = ftrace_set_filter(&submit_bio_noacct_ops, (unsigned char *)intercepted,
				sizeof(intercepted) - 1, 0);
	if (ret) {
		pr_err("cannot trace %s (error %d); is CONFIG_DYNAMIC_FTRACE_WITH_REGS set?\n",
		       intercepted, ret);
		goto out_whole_disk_done;
	}
	ret = register_ftrace_function(&submit_bio_noacct_ops);
	if (ret) {
		pr_err("cannot hook %s (error %d); is another module redirecting it, or ftrace disabled (sysctl kernel.ftrace_enabled)?\n",
		       intercepted, ret);
		ftrace_free_filter(&submit_bio_noacct_ops);
		goto out_whole_disk_done;
	}
	return 0;

out_whole_disk_done:
	filter_whole_disk_done();
	return ret;
}

int filter_control_attach(dev_t dev, const char *name)
{
	int ret = filter_attach(dev, name, NULL);

	/* Tracking is whole only once the writes from before it are done. */
	if (!ret)
		dm_settle(dev);
	return ret;
}

int filter_control_detach(dev_t dev, const char *name)
{
	return filter_detach(dev, name);
}

static long redirected_tasks_sum(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(redirected_tasks, cpu);
	return sum;
}

void filter_intercept_done(void)
{
	unregister_ftrace_function(&submit_bio_noacct_ops);
	ftrace_free_filter(&submit_bio_noacct_ops);
	/* No new entries now; wait for tasks sleeping below our frame. */
	while (redirected_tasks_sum())
		msleep(20);
	/* And for those preempted between the counter and their return. */
	synchronize_rcu_tasks();
	filter_whole_disk_done();
}
