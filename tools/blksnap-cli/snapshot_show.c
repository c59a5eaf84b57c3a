// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "json.h"
#include "output.h"
#include "snapshot_show.h"

int snapshot_view_load(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
		       struct snapshot_view *v, bool gone_ok, bool *gone)
{
	struct blksnap_snapshot_device *devs;
	size_t i, count;
	int ret;

	memset(v, 0, sizeof(*v));
	generation_format(id, v->id);
	if (gone)
		*gone = false;

	ret = blksnap_snapshot_devices(ctx, id, &devs, &count);
	if (ret == -ENOENT && gone_ok) {
		*gone = true;
		return CLI_EXIT_SUCCESS;
	}
	if (ret)
		return cli_fail(v->id, CLI_OP_SNAPSHOT_DEVICES, ret);
	if (!count)
		return CLI_EXIT_SUCCESS;

	v->images = calloc(count, sizeof(*v->images));
	if (!v->images) {
		free(devs);
		return cli_fail(v->id, CLI_OP_SNAPSHOT_DEVICES, -ENOMEM);
	}
	for (i = 0; i < count; i++) {
		struct snapshot_image *img = &v->images[v->count];
		struct blksnap_snapshotinfo info;

		cli_device_name(devs[i].dev, img->device, sizeof(img->device));
		ret = blksnap_snapshot_info(ctx, devs[i].dev, &info);
		/* Left the snapshot since sysfs was read: destroyed meanwhile. */
		if (ret == -ENOENT) {
			ret = CLI_EXIT_SUCCESS;
			continue;
		}
		if (ret) {
			ret = cli_fail(img->device, CLI_OP_SNAPSHOT_INFO, ret);
			break;
		}
		/* The module's answer is newer than the sysfs line. */
		snprintf(img->image, sizeof(img->image), "/dev/%s",
			 info.image[0] ? (char *)info.image : devs[i].image);
		img->error = info.error_code;
		v->count++;
	}
	free(devs);
	return ret;
}

void snapshot_view_free(struct snapshot_view *v)
{
	free(v->images);
	v->images = NULL;
	v->count = 0;
}

static const char *error_text(int error)
{
	return error ? strerror(-error) : "-";
}

/* For scripts: the errno's name, stable across locales. */
static const char *error_name(int error, char *buf, size_t size)
{
	const char *name;

	if (!error)
		return NULL;
	name = strerrorname_np(-error);
	if (name)
		return name;
	snprintf(buf, size, "%d", -error);
	return buf;
}

static const struct output_column columns[] = {
	{ "ID",     SCOLS_JSON_STRING, false },
	{ "DEVICE", SCOLS_JSON_STRING, false },
	{ "IMAGE",  SCOLS_JSON_STRING, false },
	{ "ERROR",  SCOLS_JSON_STRING, false },
};

static int print_table(const struct snapshot_view *v, size_t n,
		       enum snapshot_show how)
{
	size_t ncols = how == SHOW_CREATED ? 3 : 4;
	struct libscols_table *tb;
	struct libscols_line *ln;
	size_t i, j;

	tb = output_table("snapshots", columns, ncols, false);
	if (!tb)
		goto err_nomem;
	for (i = 0; i < n; i++) {
		/* A snapshot without devices still gets its row. */
		if (!v[i].count &&
		    (!(ln = output_row(tb)) ||
		     scols_line_set_data(ln, 0, v[i].id) ||
		     scols_line_set_data(ln, 1, "-") ||
		     scols_line_set_data(ln, 2, "-") ||
		     (ncols > 3 && scols_line_set_data(ln, 3, "-"))))
			goto err_nomem;
		for (j = 0; j < v[i].count; j++) {
			const struct snapshot_image *img = &v[i].images[j];

			if (!(ln = output_row(tb)) ||
			    scols_line_set_data(ln, 0, v[i].id) ||
			    scols_line_set_data(ln, 1, img->device) ||
			    scols_line_set_data(ln, 2, img->image[0] ?
						img->image : "-") ||
			    (ncols > 3 &&
			     scols_line_set_data(ln, 3, error_text(img->error))))
				goto err_nomem;
		}
	}
	return output_print(tb);

err_nomem:
	scols_unref_table(tb);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

/* The members of one snapshot's object. */
static void json_snapshot(struct json_writer *w, const struct snapshot_view *v,
			  enum snapshot_show how)
{
	char num[16];
	size_t j;

	json_string(w, "id", v->id);
	json_array_start(w, "devices");
	for (j = 0; j < v->count; j++) {
		const struct snapshot_image *img = &v->images[j];

		json_object_start(w, NULL);
		json_string(w, "device", img->device);
		json_string(w, "image", img->image[0] ? img->image : NULL);
		if (how != SHOW_CREATED)
			json_string(w, "error",
				    error_name(img->error, num, sizeof(num)));
		json_object_end(w);
	}
	json_array_end(w);
}

static int print_json(const struct snapshot_view *v, size_t n,
		      enum snapshot_show how)
{
	struct json_writer w;
	size_t i;

	json_open(&w, stdout);
	if (how == SHOW_LIST) {
		json_array_start(&w, "snapshots");
		for (i = 0; i < n; i++) {
			json_object_start(&w, NULL);
			json_snapshot(&w, &v[i], how);
			json_object_end(&w);
		}
		json_array_end(&w);
	} else {
		json_snapshot(&w, v, how);
	}
	if (json_close(&w))
		return cli_fail("stdout", CLI_OP_PRINT, -EIO);
	return CLI_EXIT_SUCCESS;
}

int snapshot_print(const struct snapshot_view *v, size_t n,
		   enum snapshot_show how, bool json)
{
	return json ? print_json(v, n, how) : print_table(v, n, how);
}
