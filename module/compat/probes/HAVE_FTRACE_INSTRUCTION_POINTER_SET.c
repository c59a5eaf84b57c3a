// SPDX-License-Identifier: GPL-2.0
/* ftrace_instruction_pointer_set(): redirecting a traced call from an
 * ftrace_regs handler before ftrace_regs_set_instruction_pointer() (up to
 * 6.6); needs DYNAMIC_FTRACE_WITH_ARGS.
 */
#include <linux/ftrace.h>

static __maybe_unused void probe(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_instruction_pointer_set(fregs, ip);
}
