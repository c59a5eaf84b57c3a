// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "backup_state.h"
#include "common/generation.h"
#include "common/parse_size.h"

/* A state file is a few hundred bytes; anything far larger is not one. */
#define STATE_MAX_BYTES	(64 * 1024)

static int bad(char *why, size_t size, const char *fmt, const char *what)
{
	snprintf(why, size, fmt, what);
	return -EBADMSG;
}

static int get_string(struct json_object *o, const char *key, char *out,
		      size_t size, bool may_be_empty, char *why, size_t whysize)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return bad(why, whysize, "no string member \"%s\"", key);
	s = json_object_get_string(v);
	if ((!*s && !may_be_empty) || strlen(s) >= size)
		return bad(why, whysize, "member \"%s\" is empty or too long", key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* A JSON integer in 0..@max; json-c reads larger ones as INT64_MAX. */
static int get_uint(struct json_object *o, const char *key, uint64_t max,
		    uint64_t *out, char *why, size_t whysize)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return bad(why, whysize, "no integer member \"%s\"", key);
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max || n == INT64_MAX)
		return bad(why, whysize, "member \"%s\" is out of range", key);
	*out = n;
	return 0;
}

static const char *const dest_kinds[] = {
	[BACKUP_DEST_FILE] = "file",
	[BACKUP_DEST_BDEV] = "block",
	[BACKUP_DEST_EXTERNAL] = "external",
};

/*
 * DEST's identity: optional, as states written before it was recorded
 * lack it (kind UNKNOWN: the backup copies everything once), but whole
 * and well-formed when "dest-kind" is there.
 */
static int get_dest_id(struct json_object *o, struct backup_dest_id *id,
		       char *why, size_t whysize)
{
	struct json_object *v;
	char kind[16];
	size_t k;
	int err;

	memset(id, 0, sizeof(*id));
	if (!json_object_object_get_ex(o, "dest-kind", NULL))
		return 0;
	err = get_string(o, "dest-kind", kind, sizeof(kind), false, why, whysize);
	if (err)
		return err;
	for (k = 1; k < sizeof(dest_kinds) / sizeof(dest_kinds[0]); k++)
		if (!strcmp(kind, dest_kinds[k]))
			id->kind = k;
	switch (id->kind) {
	case BACKUP_DEST_FILE:
		err = get_uint(o, "dest-dev", UINT64_MAX, &id->dev, why, whysize);
		if (!err)
			err = get_uint(o, "dest-inode", UINT64_MAX, &id->ino,
				       why, whysize);
		/* Before 1970 is as good a time as any: signed. */
		if (!err && (!json_object_object_get_ex(o, "dest-mtime-ns", &v) ||
			     !json_object_is_type(v, json_type_int)))
			err = bad(why, whysize, "no integer member \"%s\"",
				  "dest-mtime-ns");
		if (!err)
			id->mtime_ns = json_object_get_int64(v);
		/* Recorded since blksnap knows replugged disks; "" before. */
		if (!err && json_object_object_get_ex(o, "dest-fs-uuid", NULL))
			err = get_string(o, "dest-fs-uuid", id->fs_uuid,
					 sizeof(id->fs_uuid), false, why, whysize);
		return err;
	case BACKUP_DEST_BDEV:
		err = get_uint(o, "dest-rdev", UINT64_MAX, &id->rdev, why, whysize);
		/* The UUID of its blksnap area, since devices keep points. */
		if (!err && json_object_object_get_ex(o, "dest-area-uuid", NULL))
			err = get_string(o, "dest-area-uuid", id->fs_uuid,
					 sizeof(id->fs_uuid), false, why, whysize);
		return err;
	case BACKUP_DEST_EXTERNAL:
		return 0;
	default:
		return bad(why, whysize, "member \"dest-kind\" is \"%s\", not "
			   "file, block or external", kind);
	}
}

int backup_state_parse(const char *text, size_t len, struct backup_state *st,
		       char *why, size_t whysize)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	char gen[GENERATION_STR_LEN];
	uint64_t n;
	int err;

	memset(st, 0, sizeof(*st));
	if (len > STATE_MAX_BYTES)
		return bad(why, whysize, "%s", "larger than any state file");
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, len);
	jerr = json_tokener_get_error(tok);
	/* Text after the object means the file is not ours either. */
	if (o && (size_t)json_tokener_get_parse_end(tok) < len &&
	    strspn(text + json_tokener_get_parse_end(tok), " \t\r\n") !=
	    len - json_tokener_get_parse_end(tok))
		jerr = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		if (jerr == json_tokener_continue || !len)
			return bad(why, whysize, "%s", "truncated");
		return bad(why, whysize, "not JSON (%s)",
			   json_tokener_error_desc(jerr));
	}
	if (!json_object_is_type(o, json_type_object)) {
		err = bad(why, whysize, "%s", "not a JSON object");
		goto out;
	}
	err = get_uint(o, "format", UINT32_MAX, &n, why, whysize);
	if (!err && n != BACKUP_STATE_FORMAT) {
		snprintf(why, whysize, "format %" PRIu64 ", this blksnap reads %d",
			 n, BACKUP_STATE_FORMAT);
		err = -EBADMSG;
	}
	if (!err)
		err = get_string(o, "device", st->id.device, sizeof(st->id.device),
				 false, why, whysize);
	if (!err)
		err = get_uint(o, "size", UINT64_MAX, &st->id.size, why, whysize);
	if (!err)
		err = get_string(o, "fs-uuid", st->id.fs_uuid,
				 sizeof(st->id.fs_uuid), true, why, whysize);
	if (!err)
		err = get_string(o, "part-uuid", st->id.part_uuid,
				 sizeof(st->id.part_uuid), true, why, whysize);
	if (!err)
		err = get_string(o, "generation", gen, sizeof(gen), false,
				 why, whysize);
	if (!err && generation_parse(gen, &st->generation))
		err = bad(why, whysize, "member \"%s\" is not a UUID", "generation");
	if (!err)
		err = get_uint(o, "number", UINT8_MAX, &n, why, whysize);
	if (!err)
		st->number = n;
	if (!err)
		err = get_uint(o, "time", INT64_MAX - 1, &n, why, whysize);
	if (!err)
		st->time = n;
	if (!err)
		err = get_string(o, "dest", st->dest, sizeof(st->dest), false,
				 why, whysize);
	if (!err)
		err = get_uint(o, "dest-size", UINT64_MAX, &st->dest_size,
			       why, whysize);
	if (!err)
		err = get_dest_id(o, &st->dest_id, why, whysize);
out:
	json_object_put(o);
	return err;
}

/* Sizes beyond INT64_MAX do not exist on Linux (loff_t is signed). */
static struct json_object *new_size(uint64_t n)
{
	return json_object_new_int64(n > INT64_MAX ? INT64_MAX : (int64_t)n);
}

char *backup_state_format(const struct backup_state *st)
{
	char gen[GENERATION_STR_LEN];
	struct json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o)
		return NULL;
	generation_format(&st->generation, gen);
	if (json_object_object_add(o, "format", json_object_new_int(BACKUP_STATE_FORMAT)) ||
	    json_object_object_add(o, "device", json_object_new_string(st->id.device)) ||
	    json_object_object_add(o, "size", new_size(st->id.size)) ||
	    json_object_object_add(o, "fs-uuid", json_object_new_string(st->id.fs_uuid)) ||
	    json_object_object_add(o, "part-uuid", json_object_new_string(st->id.part_uuid)) ||
	    json_object_object_add(o, "generation", json_object_new_string(gen)) ||
	    json_object_object_add(o, "number", json_object_new_int(st->number)) ||
	    json_object_object_add(o, "time", json_object_new_int64(st->time)) ||
	    json_object_object_add(o, "dest", json_object_new_string(st->dest)) ||
	    json_object_object_add(o, "dest-size", new_size(st->dest_size)))
		goto out;
	if (st->dest_id.kind != BACKUP_DEST_UNKNOWN &&
	    json_object_object_add(o, "dest-kind",
				   json_object_new_string(dest_kinds[st->dest_id.kind])))
		goto out;
	if (st->dest_id.kind == BACKUP_DEST_FILE &&
	    (json_object_object_add(o, "dest-dev", new_size(st->dest_id.dev)) ||
	     json_object_object_add(o, "dest-inode", new_size(st->dest_id.ino)) ||
	     json_object_object_add(o, "dest-mtime-ns",
				    json_object_new_int64(st->dest_id.mtime_ns)) ||
	     (st->dest_id.fs_uuid[0] &&
	      json_object_object_add(o, "dest-fs-uuid",
				     json_object_new_string(st->dest_id.fs_uuid)))))
		goto out;
	if (st->dest_id.kind == BACKUP_DEST_BDEV &&
	    (json_object_object_add(o, "dest-rdev", new_size(st->dest_id.rdev)) ||
	     (st->dest_id.fs_uuid[0] &&
	      json_object_object_add(o, "dest-area-uuid",
				     json_object_new_string(st->dest_id.fs_uuid)))))
		goto out;
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		text = NULL;
out:
	json_object_put(o);
	return text;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* "@path.writing", a new string; NULL if out of memory. */
static char *writing_path(const char *path)
{
	char *p;

	return asprintf(&p, "%s.writing", path) < 0 ? NULL : p;
}

/* What the marker of a run from @st holds: that state, no other. */
static int writing_text(const struct backup_state *st, char *buf, size_t size)
{
	char gen[GENERATION_STR_LEN];

	generation_format(&st->generation, gen);
	return snprintf(buf, size, "%s:%u %" PRId64 "\n", gen, st->number,
			st->time);
}

static bool writing_marked(const char *path, const struct backup_state *st)
{
	char want[GENERATION_STR_LEN + 32], have[sizeof(want) + 1];
	char *marker = writing_path(path);
	FILE *f = marker ? fopen(marker, "re") : NULL;
	bool same;

	free(marker);
	if (!f)
		return false;
	writing_text(st, want, sizeof(want));
	same = fgets(have, sizeof(have), f) && !strcmp(have, want);
	fclose(f);
	return same;
}

int backup_state_mark_writing(const char *path, const struct backup_state *st)
{
	char text[GENERATION_STR_LEN + 32], *marker = writing_path(path);
	int fd, err;

	if (!marker)
		return -ENOMEM;
	fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	free(marker);
	if (fd < 0)
		return -errno;
	/*
	 * No fsync: a marker lost in a crash only makes the next run see a
	 * modified DEST and copy everything.
	 */
	err = write_all(fd, text, writing_text(st, text, sizeof(text)));
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int backup_state_clear_writing(const char *path)
{
	char *marker = writing_path(path);
	int err = 0;

	if (!marker)
		return -ENOMEM;
	if (unlink(marker) && errno != ENOENT)
		err = -errno;
	free(marker);
	return err;
}

int backup_state_read(const char *path, struct backup_state *st,
		       char *why, size_t whysize)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(STATE_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* One byte more than allowed, to tell "too large" from "just fits". */
	while (len <= STATE_MAX_BYTES &&
	       (n = read(fd, buf + len, STATE_MAX_BYTES + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		len += n;
	}
	err = backup_state_parse(buf, len, st, why, whysize);
	if (!err)
		st->dest_writing = writing_marked(path, st);
out:
	free(buf);
	close(fd);
	return err;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int backup_state_write(const char *path, const struct backup_state *st)
{
	char *text, *tmp = NULL;
	int fd, err;

	text = backup_state_format(st);
	if (!text || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		free(text);
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	err = write_all(fd, text, strlen(text));
	if (!err && fchmod(fd, 0600))
		err = -errno;
	/* The data must be on disk before the name points at it. */
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		goto out_free;
	}
	/* And the rename itself must survive a crash. */
	err = fsync_dir_of(path);
out_free:
	free(tmp);
	free(text);
	return err;
}

void backup_dest_id_from_stat(const struct stat *st, struct backup_dest_id *id)
{
	memset(id, 0, sizeof(*id));
	if (S_ISBLK(st->st_mode)) {
		id->kind = BACKUP_DEST_BDEV;
		id->rdev = st->st_rdev;
		return;
	}
	id->kind = BACKUP_DEST_FILE;
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

bool backup_dest_id_same(const struct backup_dest_id *a,
			 const struct backup_dest_id *b)
{
	if (a->kind != b->kind)
		return false;
	/* A device with a blksnap area: by its UUID, whatever its number now. */
	if (a->kind == BACKUP_DEST_BDEV && a->fs_uuid[0] && b->fs_uuid[0])
		return !strcmp(a->fs_uuid, b->fs_uuid);
	if (a->kind == BACKUP_DEST_BDEV)
		return a->rdev == b->rdev;
	if (a->fs_uuid[0] && b->fs_uuid[0])
		return !strcmp(a->fs_uuid, b->fs_uuid) && a->ino == b->ino;
	return a->dev == b->dev && a->ino == b->ino;
}

/* DEST is the one the last copy wrote, and nothing wrote it since. */
static bool dest_unchanged(const struct backup_state *st,
			   const struct backup_dest_now *dest,
			   char *why, size_t whysize)
{
	const struct backup_dest_id *then = &st->dest_id;

	switch (then->kind) {
	case BACKUP_DEST_UNKNOWN:
		snprintf(why, whysize, "the state, from an older blksnap, does "
			 "not record which %s the last backup wrote", dest->path);
		return false;
	case BACKUP_DEST_EXTERNAL:
		/* --ranges-out: the caller's copy writes DEST, not us. */
		return true;
	default:
		break;
	}
	if (!backup_dest_id_same(then, &dest->id)) {
		snprintf(why, whysize, "%s changed since the last backup (replaced: "
			 "another %s now)", dest->path,
			 dest->is_bdev ? "device" : "file");
		return false;
	}
	/* A run from this state that was interrupted wrote it: its own repair. */
	if (then->kind == BACKUP_DEST_FILE && then->mtime_ns != dest->id.mtime_ns &&
	    !st->dest_writing) {
		snprintf(why, whysize, "%s changed since the last backup (modified: "
			 "its mtime moved)", dest->path);
		return false;
	}
	return true;
}

bool backup_state_usable(const struct backup_state *st,
			 const struct backup_identity *now,
			 const struct blksnap_uuid *generation_now,
			 uint8_t number_now,
			 const struct backup_dest_now *dest,
			 char *why, size_t whysize)
{
	char then_s[32], now_s[32], g1[GENERATION_STR_LEN], g2[GENERATION_STR_LEN];

	if (strcmp(st->id.device, now->device) ||
	    (st->id.fs_uuid[0] && now->fs_uuid[0] &&
	     strcmp(st->id.fs_uuid, now->fs_uuid)) ||
	    (st->id.part_uuid[0] && now->part_uuid[0] &&
	     strcmp(st->id.part_uuid, now->part_uuid))) {
		snprintf(why, whysize, "the state is of another device (%s%s%s), not %s%s%s",
			 st->id.device, st->id.fs_uuid[0] ? " UUID " : "",
			 st->id.fs_uuid, now->device,
			 now->fs_uuid[0] ? " UUID " : "", now->fs_uuid);
		return false;
	}
	if (st->id.size != now->size) {
		size_format(st->id.size, then_s, sizeof(then_s));
		size_format(now->size, now_s, sizeof(now_s));
		snprintf(why, whysize, "the device was %s (%" PRIu64 " bytes) at the "
			 "last backup and is %s (%" PRIu64 " bytes) now",
			 then_s, st->id.size, now_s, now->size);
		return false;
	}
	if (!generation_equal(&st->generation, generation_now)) {
		generation_format(&st->generation, g1);
		generation_format(generation_now, g2);
		/*
		 * The module starts a new generation itself when the 8-bit
		 * change number would wrap (every 254 takes): a last backup
		 * at the top and a take at the bottom say that is what came.
		 */
		if (st->number >= UINT8_MAX - 2 && number_now <= 2)
			snprintf(why, whysize, "change tracking began a new "
				 "generation (%s then, %s now): its 8-bit change "
				 "numbers ran out (%u at the last backup), as they do "
				 "every 254 takes", g1, g2, st->number);
		else
			snprintf(why, whysize, "change tracking restarted since "
				 "the last backup (generation %s then, %s now)", g1, g2);
		return false;
	}
	if (st->number > number_now) {
		snprintf(why, whysize, "the state's change number %u is ahead of "
			 "the device's %u", st->number, number_now);
		return false;
	}
	if (strcmp(st->dest, dest->path)) {
		snprintf(why, whysize, "the last backup went to %s, not %s",
			 st->dest, dest->path);
		return false;
	}
	if (!dest->exists) {
		snprintf(why, whysize, "%s does not exist", dest->path);
		return false;
	}
	if (dest->size != st->dest_size) {
		snprintf(why, whysize, "%s is %" PRIu64 " bytes, %" PRIu64
			 " at the last backup", dest->path, dest->size,
			 st->dest_size);
		return false;
	}
	return dest_unchanged(st, dest, why, whysize);
}

int backup_state_lock(const char *path, bool wait, int *fd)
{
	char *lock;
	int err = 0;

	if (asprintf(&lock, "%s.lock", path) < 0)
		return -ENOMEM;
	*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (*fd < 0)
		return -errno;
	while (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(*fd);
		*fd = -1;
		break;
	}
	return err;
}

int backup_state_default_path(const char *dir, const char *dest,
			      char *out, size_t size)
{
	size_t len = snprintf(out, size, "%s/", dir);
	const char *p = dest;

	if (len >= size)
		return -ENAMETOOLONG;
	while (*p == '/')
		p++;
	for (; *p; p++) {
		const char *piece = *p == '/' ? "%2F" : *p == '%' ? "%25" : NULL;
		size_t n = piece ? 3 : 1;

		if (len + n >= size)
			return -ENAMETOOLONG;
		if (piece)
			memcpy(out + len, piece, n);
		else
			out[len] = *p;
		len += n;
	}
	if (len + sizeof(".state") > size)
		return -ENAMETOOLONG;
	memcpy(out + len, ".state", sizeof(".state"));
	return 0;
}
