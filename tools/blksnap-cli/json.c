// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include "json.h"

/* Length of the well-formed UTF-8 sequence at @s, or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void put_quoted(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', out);
	while (*s) {
		switch (*s) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(out, "\\u%04x", *s);
			} else if (*s < 0x80) {
				fputc(*s, out);
			} else if ((n = utf8_len(s))) {
				fwrite(s, 1, n, out);
				s += n;
				continue;
			} else {
				fputs("\\ufffd", out);
			}
		}
		s++;
	}
	fputc('"', out);
}

static void indent(struct json_writer *w)
{
	unsigned int i;

	for (i = 0; i < w->depth; i++)
		fputs("   ", w->out);
}

/* Separator, indentation and key of a new member of the open container. */
static void member(struct json_writer *w, const char *key)
{
	fputs(w->members[w->depth - 1] ? ",\n" : "\n", w->out);
	w->members[w->depth - 1] = true;
	indent(w);
	if (key) {
		put_quoted(w->out, key);
		fputs(": ", w->out);
	}
}

static void container_start(struct json_writer *w, const char *key, char open)
{
	if (w->depth >= JSON_MAX_DEPTH)
		return;
	member(w, key);
	fputc(open, w->out);
	w->closers[w->depth] = open == '{' ? '}' : ']';
	w->members[w->depth++] = false;
}

static void container_end(struct json_writer *w)
{
	if (w->depth <= 1)
		return;
	w->depth--;
	if (w->members[w->depth]) {
		fputc('\n', w->out);
		indent(w);
	}
	fputc(w->closers[w->depth], w->out);
}

void json_open(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 1;
	w->members[0] = false;
	fputc('{', out);
}

int json_close(struct json_writer *w)
{
	while (w->depth > 1)
		container_end(w);
	fputs(w->members[0] ? "\n}\n" : "}\n", w->out);
	w->depth = 0;
	return fflush(w->out) || ferror(w->out) ? -EIO : 0;
}

void json_object_start(struct json_writer *w, const char *key)
{
	container_start(w, key, '{');
}

void json_object_end(struct json_writer *w)
{
	container_end(w);
}

void json_array_start(struct json_writer *w, const char *key)
{
	container_start(w, key, '[');
}

void json_array_end(struct json_writer *w)
{
	container_end(w);
}

void json_string(struct json_writer *w, const char *key, const char *value)
{
	member(w, key);
	if (value)
		put_quoted(w->out, value);
	else
		fputs("null", w->out);
}

void json_uint(struct json_writer *w, const char *key, uint64_t value)
{
	member(w, key);
	fprintf(w->out, "%" PRIu64, value);
}
