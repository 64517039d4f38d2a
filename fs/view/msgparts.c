/*
 * The MIME side of a message directory: body.txt, attachments/ and
 * parts/SECTION/{header,content}.
 *
 * A message is parsed (mime_parse_fd) the first time one of these is
 * asked for, and the tree is kept in a small cache of the most recently
 * used messages (VIEW_MCACHE), so an `ls -l` or a `cat` of the files of
 * one message parses it once.  Nothing here runs for message.eml, the
 * header or the property files, so `ls -l` of a folder never parses.
 *
 * Sizes are exact.  A part whose transfer encoding is the identity
 * (7bit, 8bit, binary, unknown) is shown straight from the backing file,
 * so its size is its body's.  A base64 or quoted-printable part, and
 * body.txt (converted to UTF-8, HTML reduced to text), are decoded once
 * to count their bytes; the count is cached with the tree.  When opened,
 * such content is decoded into memory when small and into an unlinked
 * temporary file otherwise, so memory stays bounded for a 30 MB
 * attachment.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folder.h"
#include "mime-body.h"
#include "mime.h"
#include "util.h"
#include "fs.h"
#include "view.h"
#include "write.h"

/* Decoded content up to this size is held in memory while open. */
#define MSGPARTS_MEM_MAX (1u << 20)

struct mpart {
	const struct mime_part *p;
	char *section;
	int64_t size;		/* decoded content bytes, -1 not known */
};

struct matt {
	char *name;
	size_t part;		/* index in parts */
};

struct mparsed {
	uint32_t dir, uid;
	uint64_t used;		/* LRU tick */
	struct mime_part *root;
	struct mpart *parts;
	size_t n_parts, cap_parts;
	struct matt *atts;
	size_t n_atts, cap_atts;
	int64_t body_size;	/* body.txt bytes, -1 not known */
};

bool msgparts_entry(unsigned int e)
{
	return e == VE_BODY || e == VE_ATTACH_DIR || e == VE_PARTS_DIR ||
	       (e >= VE_ATTACH && e < VE_ATTACH + VIEW_ATTACH_MAX) ||
	       (e >= VE_PART_DIR && e < VE_PART_CONTENT + VIEW_PARTS_MAX);
}

static void mparsed_free(struct mparsed **mpp)
{
	struct mparsed *mp = *mpp;
	size_t i;

	if (mp == NULL)
		return;
	for (i = 0; i < mp->n_parts; i++)
		free(mp->parts[i].section);
	for (i = 0; i < mp->n_atts; i++)
		free(mp->atts[i].name);
	free(mp->parts);
	free(mp->atts);
	mime_part_free(&mp->root);
	free(mp);
	*mpp = NULL;
}

void msgparts_cache_release(struct view *v)
{
	size_t i;

	for (i = 0; i < VIEW_MCACHE; i++)
		mparsed_free(&v->mcache[i]);
}

static bool att_taken(void *ctx, const char *name)
{
	struct mparsed *mp = ctx;
	size_t i;

	for (i = 0; i < mp->n_atts; i++) {
		if (strcmp(mp->atts[i].name, name) == 0)
			return true;
	}
	return false;
}

/* Numbers every part that has a number of its own, and names the
 * attachments (not looking inside an attachment). */
static void build_lists(struct mparsed *mp)
{
	struct buf sec = BUF_INIT, name = BUF_INIT, uniq = BUF_INIT;
	const struct mime_part *p, *skip_under = NULL;
	struct strmap seen;
	size_t dummy;

	strmap_init(&seen);
	for (p = mp->root; p != NULL && mp->n_parts < VIEW_PARTS_MAX;
	     p = mime_part_next(p)) {
		const struct mime_part *a;

		buf_reset(&sec);
		mime_part_section(p, &sec);
		/* A multipart root and a multipart embedded message have no
		 * number of their own; very deep parts may repeat one. */
		if (sec.len == 0 || strmap_get(&seen, sec.data, sec.len, &dummy))
			continue;
		strmap_put(&seen, sec.data, sec.len, 0);
		mp->parts = xgrow(mp->parts, &mp->cap_parts, mp->n_parts + 1,
				  sizeof(*mp->parts));
		mp->parts[mp->n_parts].p = p;
		mp->parts[mp->n_parts].section = xstrdup(sec.data);
		mp->parts[mp->n_parts].size = -1;
		mp->n_parts++;
		for (a = p; a != NULL && a != skip_under; a = a->parent)
			;
		if (a != NULL || p == mp->root || !mime_part_is_attachment(p) ||
		    mp->n_atts >= VIEW_ATTACH_MAX)
			continue;
		skip_under = p;
		buf_reset(&name);
		buf_reset(&uniq);
		view_attachment_name(p->filename, sec.data, &name);
		view_name_dedupe(name.data, att_taken, mp, &uniq);
		mp->atts = xgrow(mp->atts, &mp->cap_atts, mp->n_atts + 1,
				 sizeof(*mp->atts));
		mp->atts[mp->n_atts].name = buf_detach(&uniq);
		mp->atts[mp->n_atts].part = mp->n_parts - 1;
		mp->n_atts++;
	}
	strmap_release(&seen);
	buf_release(&sec);
	buf_release(&name);
	buf_release(&uniq);
}

/* The parsed message, from the cache or parsed now.  The pointer stays
 * valid until the next call (under the view's lock). */
static int get(struct view *v, struct vdir *d, uint32_t uid,
	       struct mparsed **mp_r)
{
	struct mparsed *mp;
	size_t i, victim = 0;
	int fd, ret;

	for (i = 0; i < VIEW_MCACHE; i++) {
		mp = v->mcache[i];
		if (mp != NULL && mp->dir == d->id && mp->uid == uid) {
			mp->used = ++v->mtick;
			*mp_r = mp;
			return 0;
		}
		if (mp == NULL || (v->mcache[victim] != NULL &&
				   mp->used < v->mcache[victim]->used))
			victim = i;
	}
	if (d->f == NULL)
		return -ENOENT;
	ret = folder_msg_open(d->f, uid, &fd);
	if (ret < 0)
		return ret;
	mp = xcalloc(1, sizeof(*mp));
	ret = mime_parse_fd(fd, NULL, &mp->root);
	close(fd);
	if (ret < 0) {
		free(mp);
		return ret;
	}
	mp->dir = d->id;
	mp->uid = uid;
	mp->used = ++v->mtick;
	mp->body_size = -1;
	build_lists(mp);
	mparsed_free(&v->mcache[victim]);
	v->mcache[victim] = mp;
	*mp_r = mp;
	return 0;
}

/* The part whose content entry e shows, or NULL (body.txt, dirs). */
static struct mpart *entry_part(struct mparsed *mp, unsigned int e)
{
	if (e >= VE_ATTACH && e < VE_ATTACH + mp->n_atts)
		return &mp->parts[mp->atts[e - VE_ATTACH].part];
	if (e >= VE_PART_CONTENT && e < VE_PART_CONTENT + mp->n_parts)
		return &mp->parts[e - VE_PART_CONTENT];
	return NULL;
}

int msgparts_exists(struct view *v, struct vdir *d, uint32_t uid,
		    unsigned int e)
{
	struct mparsed *mp;
	size_t i;
	int ret;

	if (e == VE_BODY || e == VE_ATTACH_DIR || e == VE_PARTS_DIR)
		return 1;
	ret = get(v, d, uid, &mp);
	if (ret < 0)
		return ret;
	if (e >= VE_ATTACH && e < VE_PART_DIR)
		return e - VE_ATTACH < mp->n_atts;
	for (i = VE_PART_DIR; i <= VE_PART_CONTENT; i += VIEW_PARTS_MAX) {
		if (e >= i && e < i + VIEW_PARTS_MAX)
			return e - i < mp->n_parts;
	}
	return 0;
}

int msgparts_lookup(struct view *v, const struct node *p, const char *name,
		    fuse_ino_t *ino_r)
{
	struct mparsed *mp;
	unsigned int e = 0;
	size_t i;
	int ret = get(v, p->d, p->uid, &mp);

	if (ret < 0)
		return ret;
	if (p->entry == VE_ATTACH_DIR) {
		for (i = 0; i < mp->n_atts && e == 0; i++) {
			if (strcmp(mp->atts[i].name, name) == 0)
				e = VE_ATTACH + (unsigned)i;
		}
	} else if (p->entry == VE_PARTS_DIR) {
		for (i = 0; i < mp->n_parts && e == 0; i++) {
			if (strcmp(mp->parts[i].section, name) == 0)
				e = VE_PART_DIR + (unsigned)i;
		}
	} else if (p->entry >= VE_PART_DIR &&
		   p->entry < VE_PART_DIR + VIEW_PARTS_MAX) {
		if (strcmp(name, VIEW_PART_HEADER) == 0)
			e = p->entry - VE_PART_DIR + VE_PART_HDR;
		else if (strcmp(name, VIEW_PART_CONTENT) == 0)
			e = p->entry - VE_PART_DIR + VE_PART_CONTENT;
	}
	if (e == 0)
		return -ENOENT;
	*ino_r = view_ino(p->d->id, p->uid, e);
	return 0;
}

int msgparts_list(struct view *v, const struct node *n, struct listing *l)
{
	struct mparsed *mp;
	size_t i;
	int ret = get(v, n->d, n->uid, &mp);

	if (ret < 0)
		return ret;
	if (n->entry == VE_ATTACH_DIR) {
		for (i = 0; i < mp->n_atts; i++)
			tree_list_add(l, mp->atts[i].name,
				      view_ino(n->d->id, n->uid,
					       VE_ATTACH + (unsigned)i), S_IFREG);
	} else if (n->entry == VE_PARTS_DIR) {
		for (i = 0; i < mp->n_parts; i++)
			tree_list_add(l, mp->parts[i].section,
				      view_ino(n->d->id, n->uid,
					       VE_PART_DIR + (unsigned)i), S_IFDIR);
	} else {
		i = n->entry - VE_PART_DIR;
		tree_list_add(l, VIEW_PART_HEADER,
			      view_ino(n->d->id, n->uid, VE_PART_HDR + (unsigned)i),
			      S_IFREG);
		tree_list_add(l, VIEW_PART_CONTENT,
			      view_ino(n->d->id, n->uid,
				       VE_PART_CONTENT + (unsigned)i), S_IFREG);
	}
	return 0;
}

/* Whether the part's content is its body bytes as stored. */
static bool identity(const struct mime_part *p)
{
	return p->children != NULL || strcmp(p->type, "multipart") == 0 ||
	       (p->cte != CTE_BASE64 && p->cte != CTE_QP);
}

struct sink {
	uint64_t count;
	int fd;			/* spill file, or -1 */
	struct buf *mem;	/* or memory, or neither: count only */
};

static int sink_cb(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	s->count += len;
	if (s->mem != NULL)
		buf_append(s->mem, data, len);
	else if (s->fd >= 0)
		return write_full(s->fd, data, len);
	return 0;
}

/* Produces the decoded content of entry e (body.txt or a part) into s. */
static int produce(struct vdir *d, uint32_t uid, struct mparsed *mp,
		   unsigned int e, struct sink *s)
{
	struct mpart *pt = entry_part(mp, e);
	int fd, ret = folder_msg_open(d->f, uid, &fd);

	if (ret < 0)
		return ret;
	if (e == VE_BODY)
		ret = mime_body_readable_stream(fd, mp->root, sink_cb, s);
	else
		ret = mime_body_stream(fd, pt->p, 0, sink_cb, s);
	close(fd);
	return ret;
}

int msgparts_size(struct view *v, const struct node *n, uint64_t *size_r)
{
	struct sink s = { 0, -1, NULL };
	struct mparsed *mp;
	struct mpart *pt;
	int64_t *cached;
	int ret = get(v, n->d, n->uid, &mp);

	if (ret < 0)
		return ret;
	if (n->entry >= VE_PART_HDR && n->entry < VE_PART_HDR + mp->n_parts) {
		*size_r = mime_part_header_size(mp->parts[n->entry - VE_PART_HDR].p);
		return 0;
	}
	pt = entry_part(mp, n->entry);
	if (pt == NULL && n->entry != VE_BODY)
		return -ENOENT;
	if (pt != NULL && identity(pt->p)) {
		*size_r = mime_part_body_size(pt->p);
		return 0;
	}
	cached = pt != NULL ? &pt->size : &mp->body_size;
	if (*cached < 0) {
		ret = produce(n->d, n->uid, mp, n->entry, &s);
		if (ret < 0)
			return ret;
		*cached = (int64_t)s.count;
	}
	*size_r = (uint64_t)*cached;
	return 0;
}

/* An unlinked temporary file for content too large to hold. */
static int spill_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd : -errno;
	xsnprintf(path, sizeof(path), "%s/mailtree-fs.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int msgparts_open(struct view *v, const struct node *n, struct ofile *o)
{
	struct sink s = { 0, -1, NULL };
	struct mparsed *mp;
	struct mpart *pt;
	uint64_t size;
	int ret = msgparts_size(v, n, &size);

	if (ret == 0)
		ret = get(v, n->d, n->uid, &mp);
	if (ret < 0)
		return ret;
	pt = entry_part(mp, n->entry);
	if (n->entry >= VE_PART_HDR && n->entry < VE_PART_CONTENT) {
		o->base = mp->parts[n->entry - VE_PART_HDR].p->hdr_offset;
	} else if (pt != NULL && identity(pt->p)) {
		o->base = pt->p->body_offset;
	} else {
		if (size <= MSGPARTS_MEM_MAX) {
			s.mem = &o->content;
		} else {
			ret = spill_file();
			if (ret < 0)
				return ret;
			o->fd = s.fd = ret;
		}
		ret = produce(n->d, n->uid, mp, n->entry, &s);
		if (ret == 0 && s.count != size)
			ret = -EIO;	/* the file changed under us */
		if (ret < 0) {
			if (o->fd >= 0)
				close(o->fd);
			o->fd = -1;
			buf_reset(&o->content);
			return ret;
		}
		o->limit = size;
		return 0;
	}
	o->limit = size;
	return folder_msg_open(n->d->f, n->uid, &o->fd);
}
