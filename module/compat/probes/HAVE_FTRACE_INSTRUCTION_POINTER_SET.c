// SPDX-License-Identifier: GPL-2.0
/* ftrace_instruction_pointer_set(): redirecting a traced call from an
 * ftrace_regs handler before ftrace_regs_set_instruction_pointer() (up to
 * 6.6).  Only an arch with HAVE_DYNAMIC_FTRACE_WITH_ARGS defines it; without
 * that, linux/ftrace.h makes it a no-op that compiles (arm64 6.1), so that
 * does not count.
 */
#include <linux/ftrace.h>

#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#error "ftrace_instruction_pointer_set() is a no-op without HAVE_DYNAMIC_FTRACE_WITH_ARGS"
#endif

static __maybe_unused void probe(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_instruction_pointer_set(fregs, ip);
}
