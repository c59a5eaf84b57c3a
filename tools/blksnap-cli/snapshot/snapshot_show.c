// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include <json-c/json.h>
#include <libmount.h>
#include <time.h>
#include "common/human.h"
#include "common/output.h"
#include "common/parse_size.h"
#include "snapshot_show.h"
#include "target/host.h"

/* Where @dev is mounted first, from the mount table; "" if nowhere. */
static void find_mountpoint(struct libmnt_table *tb, dev_t dev, char *out,
			    size_t size)
{
	struct libmnt_fs *fs = tb ? mnt_table_find_devno(tb, dev,
						       MNT_ITER_FORWARD) : NULL;

	snprintf(out, size, "%s", fs && mnt_fs_get_target(fs) ?
		 mnt_fs_get_target(fs) : "");
}

int snapshot_view_load(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
		       struct snapshot_view *v, bool gone_ok, bool *gone)
{
	struct blksnap_snapshot_device *devs;
	struct libmnt_table *tb;
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
	/* Only figures: a module that does not show them costs the columns. */
	v->has_status = !blksnap_snapshot_status(ctx, id, &v->status);
	v->now = time(NULL);
	if (!count)
		return CLI_EXIT_SUCCESS;

	v->images = calloc(count, sizeof(*v->images));
	if (!v->images) {
		free(devs);
		return cli_fail(v->id, CLI_OP_SNAPSHOT_DEVICES, -ENOMEM);
	}
	/* Unreadable, the table only costs the MOUNTPOINT column. */
	tb = mnt_new_table_from_file(host_real()->mountinfo);
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
		/*
		 * The device went away (removed disk): the snapshot stays,
		 * and must be listed so that it can be destroyed.
		 */
		if (ret == -ENODEV || ret == -ENXIO) {
			snprintf(img->image, sizeof(img->image), "/dev/%s",
				 devs[i].image);
			img->gone = true;
			v->count++;
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
		/* Only a figure: a module that does not tell costs the column. */
		img->has_free = !blksnap_snapshot_free_at_take(ctx, id, devs[i].dev,
								&img->free_at_take);
		find_mountpoint(tb, devs[i].dev, img->mountpoint,
				sizeof(img->mountpoint));
		v->count++;
	}
	free(devs);
	mnt_unref_table(tb);
	return ret;
}

void snapshot_view_free(struct snapshot_view *v)
{
	free(v->images);
	v->images = NULL;
	v->count = 0;
}

static const char *state_text(const struct snapshot_image *img, char *buf,
			      size_t size)
{
	int error = img->error;

	if (img->gone)
		return "device gone";
	if (!error)
		return "active";
	snprintf(buf, size, "corrupted: %s", strerror(-error));
	return buf;
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
	{ "ID",         SCOLS_JSON_STRING, false },
	{ "DEVICE",     SCOLS_JSON_STRING, false },
	{ "IMAGE",      SCOLS_JSON_STRING, false },
	{ "MOUNTPOINT", SCOLS_JSON_STRING, false },
	{ "STATE",      SCOLS_JSON_STRING, false },
	{ "AGE",        SCOLS_JSON_STRING, true },
	{ "USED",       SCOLS_JSON_STRING, true },
	{ "LIMIT",      SCOLS_JSON_STRING, true },
	{ "FREE",       SCOLS_JSON_STRING, true },
};

/*
 * The snapshot's cells of columns AGE, USED, LIMIT, and @img's FREE (free
 * at the take, never copied), "-" if unknown.
 */
static int set_status_cells(struct libscols_line *ln,
			    const struct snapshot_view *v,
			    const struct snapshot_image *img)
{
	const struct blksnap_snapshot_status *st = &v->status;
	bool taken = v->has_status && st->taken;
	char age[HUMAN_LEN], used[32], limit[32], free_bytes[32];
	bool has_free = taken && img && img->has_free;

	size_format(st->storage_used, used, sizeof(used));
	size_format(st->storage_limit, limit, sizeof(limit));
	size_format(has_free ? img->free_at_take : 0, free_bytes,
		    sizeof(free_bytes));
	return scols_line_set_data(ln, 5, taken ?
				   human_age(v->now - st->taken, age) : "-") ||
	       scols_line_set_data(ln, 6, v->has_status ? used : "-") ||
	       scols_line_set_data(ln, 7, v->has_status ? limit : "-") ||
	       scols_line_set_data(ln, 8, has_free ? free_bytes : "-");
}

static int print_table(const struct snapshot_view *v, size_t n,
		       enum snapshot_show how)
{
	size_t ncols = how == SHOW_CREATED ? 3 : ARRAY_SIZE(columns);
	char state[128];
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
		     (ncols > 3 && (scols_line_set_data(ln, 3, "-") ||
				    scols_line_set_data(ln, 4, "-") ||
				    set_status_cells(ln, &v[i], NULL)))))
			goto err_nomem;
		for (j = 0; j < v[i].count; j++) {
			const struct snapshot_image *img = &v[i].images[j];

			if (!(ln = output_row(tb)) ||
			    scols_line_set_data(ln, 0, v[i].id) ||
			    scols_line_set_data(ln, 1, img->device) ||
			    scols_line_set_data(ln, 2, img->image[0] ?
						img->image : "-") ||
			    (ncols > 3 &&
			     (scols_line_set_data(ln, 3, img->mountpoint[0] ?
						  img->mountpoint : "-") ||
			      scols_line_set_data(ln, 4, state_text(img,
						  state, sizeof(state))) ||
			      set_status_cells(ln, &v[i], img))))
				goto err_nomem;
		}
	}
	return output_print(tb);

err_nomem:
	scols_unref_table(tb);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

/* "taken", "age", "storage-used", "storage-limit" of @v into @o; 0 or -1. */
static int json_status(struct json_object *o, const struct snapshot_view *v)
{
	const struct blksnap_snapshot_status *st = &v->status;
	bool taken = v->has_status && st->taken;

	/* json_object_object_add() takes NULL values as JSON null. */
	return json_object_object_add(o, "taken", taken ?
				      json_object_new_int64(st->taken) : NULL) ||
	       json_object_object_add(o, "age", taken ?
				      json_object_new_int64(v->now > st->taken ?
							    v->now - st->taken : 0) :
				      NULL) ||
	       json_object_object_add(o, "storage-used", v->has_status ?
				      json_object_new_uint64(st->storage_used) : NULL) ||
	       json_object_object_add(o, "storage-limit", v->has_status ?
				      json_object_new_uint64(st->storage_limit) : NULL) ? -1 : 0;
}

/* One snapshot as an object: {"id": ..., "devices": [...]}; NULL if no memory. */
static struct json_object *json_snapshot(const struct snapshot_view *v,
					 enum snapshot_show how)
{
	struct json_object *o = json_object_new_object();
	struct json_object *devs = json_object_new_array();
	char num[16];
	size_t j;

	if (!o || !devs || json_object_object_add(o, "id",
						 json_object_new_string(v->id)))
		goto err;
	if (how != SHOW_CREATED && json_status(o, v))
		goto err;
	if (json_object_object_add(o, "devices", devs)) {
		json_object_put(devs);
		devs = NULL;
		goto err;
	}
	for (j = 0; j < v->count; j++) {
		const struct snapshot_image *img = &v->images[j];
		struct json_object *d = json_object_new_object();
		const char *err_name;

		if (!d || json_object_array_add(devs, d)) {
			json_object_put(d);
			goto err_obj;
		}
		/* json_object_object_add() takes NULL values as JSON null. */
		if (json_object_object_add(d, "device",
					   json_object_new_string(img->device)) ||
		    json_object_object_add(d, "image", img->image[0] ?
					   json_object_new_string(img->image) : NULL))
			goto err_obj;
		if (how == SHOW_CREATED)
			continue;
		err_name = error_name(img->gone ? -ENODEV : img->error, num, sizeof(num));
		if (json_object_object_add(d, "error", err_name ?
					   json_object_new_string(err_name) : NULL) ||
		    json_object_object_add(d, "mountpoint", img->mountpoint[0] ?
					   json_object_new_string(img->mountpoint) : NULL) ||
		    json_object_object_add(d, "state", json_object_new_string(
					   img->gone ? "gone" : img->error ? "corrupted" : "active")) ||
		    json_object_object_add(d, "free-at-take",
					   img->has_free && v->has_status && v->status.taken ?
					   json_object_new_uint64(img->free_at_take) : NULL))
			goto err_obj;
	}
	return o;

err:
	json_object_put(devs);
err_obj:
	json_object_put(o);
	return NULL;
}

static int print_json(const struct snapshot_view *v, size_t n,
		      enum snapshot_show how)
{
	struct json_object *root, *arr = NULL, *o;
	size_t i;
	int ret;

	if (how != SHOW_LIST) {
		root = json_snapshot(v, how);
	} else {
		root = json_object_new_object();
		arr = json_object_new_array();
		if (root && arr && !json_object_object_add(root, "snapshots", arr)) {
			for (i = 0; arr && i < n; i++) {
				o = json_snapshot(&v[i], how);
				if (!o || json_object_array_add(arr, o)) {
					json_object_put(o);
					arr = NULL;
				}
			}
			if (!arr) {
				json_object_put(root);
				root = NULL;
			}
		} else {
			json_object_put(arr);
			json_object_put(root);
			root = NULL;
		}
	}
	if (!root)
		return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	ret = output_json(root);
	json_object_put(root);
	return ret;
}

int snapshot_print(const struct snapshot_view *v, size_t n,
		   enum snapshot_show how, bool json)
{
	return json ? print_json(v, n, how) : print_table(v, n, how);
}
