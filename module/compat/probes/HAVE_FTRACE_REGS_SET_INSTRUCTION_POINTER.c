// SPDX-License-Identifier: GPL-2.0
/* ftrace_regs_set_instruction_pointer() replaces
 * ftrace_instruction_pointer_set() (6.7+).  As that one, a no-op that
 * compiles unless the arch has HAVE_DYNAMIC_FTRACE_WITH_ARGS.
 */
#include <linux/ftrace.h>

#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#error "ftrace_regs_set_instruction_pointer() is a no-op without HAVE_DYNAMIC_FTRACE_WITH_ARGS"
#endif

static __maybe_unused void probe(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_regs_set_instruction_pointer(fregs, ip);
}
