// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "cli.h"
#include "output.h"

struct libscols_table *output_table(const char *name,
				    const struct output_column *cols,
				    size_t ncols, bool json)
{
	struct libscols_table *tb = scols_new_table();
	size_t i;

	if (!tb)
		return NULL;
	scols_table_enable_json(tb, json);
	if (scols_table_set_name(tb, name))
		goto err_unref;
	for (i = 0; i < ncols; i++) {
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, cols[i].name, 0,
					    cols[i].right ? SCOLS_FL_RIGHT : 0);
		if (!cl)
			goto err_unref;
		scols_column_set_json_type(cl, cols[i].json_type);
	}
	return tb;

err_unref:
	scols_unref_table(tb);
	return NULL;
}

struct libscols_line *output_row(struct libscols_table *tb)
{
	return scols_table_new_line(tb, NULL);
}

int output_cellf(struct libscols_line *ln, size_t n, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	/* The line takes ownership of @s. */
	if (scols_line_refer_data(ln, n, s)) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

int output_print(struct libscols_table *tb)
{
	int err = scols_print_table(tb);

	scols_unref_table(tb);
	/* Some libsmartcols paths return -1 rather than an errno. */
	if (err)
		return cli_fail("stdout", CLI_OP_PRINT, err < -1 ? err : -EIO);
	return CLI_EXIT_SUCCESS;
}

int output_json(struct json_object *root)
{
	const char *text = json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!text)
		return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	if (printf("%s\n", text) < 0 || fflush(stdout))
		return cli_fail("stdout", CLI_OP_PRINT, -EIO);
	return CLI_EXIT_SUCCESS;
}
