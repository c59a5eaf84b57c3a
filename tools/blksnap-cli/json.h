/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer, for the one output shape libsmartcols
 * cannot make: an object with members of its own beside an array of
 * objects ('snapshot create --json': {"id": ..., "devices": [...]}).
 * libsmartcols only prints {"TABLE": [ROW, ...]}, every row with every
 * column, nested only through "children".  Layout follows libsmartcols
 * (three-space indent) so that all of blksnap's JSON looks alike.
 *
 * Strings are escaped as RFC 8259 requires; bytes that are not UTF-8
 * become U+FFFD, so the output is always valid JSON.  Pure logic on a
 * FILE; tests write to a memory stream.
 */
#ifndef BLKSNAP_CLI_JSON_H
#define BLKSNAP_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json_writer {
	FILE *out;
	unsigned int depth;		/* open containers, the root included */
	bool members[JSON_MAX_DEPTH];	/* container at depth i has members */
	char closers[JSON_MAX_DEPTH];	/* '}' or ']' for container i */
};

/* Start the root object on @out. */
void json_open(struct json_writer *w, FILE *out);

/*
 * Close what is still open, the root object last, and end the line;
 * 0, or -EIO if writing to @out failed.
 */
int json_close(struct json_writer *w);

/*
 * Members: @key names the member inside an object and must be NULL
 * inside an array.  Containers nest at most JSON_MAX_DEPTH deep, the root
 * included (a caller's bug otherwise: the output is then not JSON, but
 * memory stays safe).
 */
void json_object_start(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_start(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);

/* A string member; NULL writes null. */
void json_string(struct json_writer *w, const char *key, const char *value);

void json_uint(struct json_writer *w, const char *key, uint64_t value);

#endif /* BLKSNAP_CLI_JSON_H */
