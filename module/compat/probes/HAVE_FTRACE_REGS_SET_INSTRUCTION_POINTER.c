// SPDX-License-Identifier: GPL-2.0
/* ftrace_regs_set_instruction_pointer() replaces
 * ftrace_instruction_pointer_set() (6.7+).
 */
#include <linux/ftrace.h>

static __maybe_unused void probe(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_regs_set_instruction_pointer(fregs, ip);
}
