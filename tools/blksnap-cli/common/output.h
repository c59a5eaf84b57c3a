/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libsmartcols tables, the one way the CLI prints records (as lsblk does):
 * the same table is a text table or, with --json, a JSON object whose
 * member @name holds one object per row.
 */
#ifndef BLKSNAP_CLI_OUTPUT_H
#define BLKSNAP_CLI_OUTPUT_H

#include <stdbool.h>
#include <libsmartcols.h>

struct output_column {
	const char *name;	/* header; lower-cased as the JSON key */
	int json_type;		/* SCOLS_JSON_STRING or SCOLS_JSON_NUMBER */
	bool right;		/* right-aligned (numbers) */
};

/* A new table with @ncols columns; NULL if out of memory. */
struct libscols_table *output_table(const char *name,
				    const struct output_column *cols,
				    size_t ncols, bool json);

/* Append a row; cells are filled with scols_line_sprintf(). */
struct libscols_line *output_row(struct libscols_table *tb);

/* Fill cell @n of @ln printf-style; 0 or -ENOMEM. */
int output_cellf(struct libscols_line *ln, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Print the json-c document @root to stdout, as all of blksnap's nested
 * JSON is printed (pretty, '/' unescaped); returns an exit code.
 */
struct json_object;
int output_json(struct json_object *root);

/* Print and free @tb; returns an exit code. */
int output_print(struct libscols_table *tb);

#endif /* BLKSNAP_CLI_OUTPUT_H */
