/*
 * The messages of one folder, checked and repaired: dovecot-uidlist and
 * mailtree.index (duplicate and badly named files are in repair-files.c);
 * see repair.h.
 *
 * Everything is first read as it is (files, a forgiving parse of the
 * uidlist, the index, the keywords), then judged, then, in a repair and
 * under the folder lock, put right in an order where each step can only
 * help the next: duplicates, names, the uidlist, the index, and last a
 * folder_sync() that gives UIDs to files still without one and rebuilds
 * the index.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder.h"
#include "index.h"
#include "keywords.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "repair-int.h"
#include "util.h"


static int cmp_index_uid(const void *key, const void *elem)
{
	uint32_t uid = *(const uint32_t *)key;
	const struct index_entry *e = elem;

	return uid < e->uid ? -1 : uid > e->uid;
}

static bool index_has_uid(const struct index_summary *idx, uint32_t uid)
{
	return idx->count > 0 &&
	       bsearch(&uid, idx->entries, idx->count, sizeof(*idx->entries),
		       cmp_index_uid) != NULL;
}

static int cmp_rec_uid(const void *key, const void *elem)
{
	uint32_t uid = *(const uint32_t *)key;
	const struct repair_uidrec *r = elem;

	return uid < r->uid ? -1 : uid > r->uid;
}

/* Is the UID taken by a record that stays?  (Records are sorted by UID;
 * a dropped one may share its UID with one that stays.) */
static bool uid_taken(const struct repair_uidlist *ul, uint32_t uid)
{
	const struct repair_uidrec *r;
	size_t i;

	if (ul->count == 0)
		return false;
	r = bsearch(&uid, ul->recs, ul->count, sizeof(*ul->recs), cmp_rec_uid);
	if (r == NULL)
		return false;
	for (i = (size_t)(r - ul->recs); i > 0 && ul->recs[i - 1].uid == uid; )
		i--;
	for (; i < ul->count && ul->recs[i].uid == uid; i++)
		if (!ul->recs[i].dropped)
			return true;
	return false;
}

/* What the records and files say of each other. */
struct verdict {
	uint32_t uidvalidity;		/* 0: nothing records it */
	const char *uidv_from;
	bool idx_match;			/* index made for that UIDVALIDITY */
	unsigned long kept;		/* records with a file */
	unsigned long lost;		/* records without a file, not
					   expunged by mailtree */
	unsigned long expunged;		/* records of expunged messages */
	unsigned long nouid_cur;	/* files in cur/ without a record */
	unsigned long nouid_new;	/* files in new/ without a record */
	unsigned long restorable;	/* of those, known to the index */
	unsigned long idx_gone;		/* index entries without a file */
	uint32_t *restore_uid;		/* per file: UID from the index */
	bool rewrite;			/* the uidlist must be rewritten */
	bool drop_index;
};

static void judge(struct fstate *st, struct verdict *v)
{
	const struct repair_uidlist *ul = &st->ul;
	struct strmap by_rec, by_idx;
	size_t i, k;

	memset(v, 0, sizeof(*v));
	if (ul->header_ok) {
		v->uidvalidity = ul->hdr.uidvalidity;
		v->uidv_from = "kept";
	} else if (st->idx_ret == 0 && st->idx.uidvalidity != 0) {
		v->uidvalidity = st->idx.uidvalidity;
		v->uidv_from = "recovered from " INDEX_NAME;
	}
	v->idx_match = st->idx_ret == 0 && v->uidvalidity != 0 &&
		       st->idx.uidvalidity == v->uidvalidity;

	strmap_init(&by_rec);
	for (i = 0; i < ul->count; i++) {
		const struct repair_uidrec *r = &ul->recs[i];

		if (r->dropped)
			continue;
		strmap_put(&by_rec, r->base, strlen(r->base), i);
		if (strmap_get(&st->by_base, r->base, strlen(r->base), &k))
			v->kept++;
		else if (v->idx_match && !index_has_uid(&st->idx, r->uid))
			v->expunged++;
		else
			v->lost++;
	}
	strmap_init(&by_idx);
	for (i = 0; i < st->idx.count; i++) {
		const struct index_entry *e = &st->idx.entries[i];

		strmap_put(&by_idx, e->name, e->base_len, i);
		if (!strmap_get(&st->by_base, e->name, e->base_len, &k))
			v->idx_gone++;
	}
	v->restore_uid = xcalloc(st->nfiles ? st->nfiles : 1,
				 sizeof(*v->restore_uid));
	for (i = 0; i < st->nfiles; i++) {
		const struct mfile *m = &st->files[i];

		if (m->gone || strmap_get(&by_rec, m->name, m->base_len, &k))
			continue;
		if (m->in_new)
			v->nouid_new++;
		else
			v->nouid_cur++;
		if (v->idx_match && !m->rebased &&
		    strmap_get(&by_idx, m->name, m->base_len, &k) &&
		    !uid_taken(ul, st->idx.entries[k].uid)) {
			v->restore_uid[i] = st->idx.entries[k].uid;
			v->restorable++;
		}
	}
	strmap_release(&by_rec);
	strmap_release(&by_idx);

	if (st->ul_exists)
		v->rewrite = !ul->header_ok || ul->broken_lines > 0 ||
			     ul->out_of_order > 0 || ul->dup_bases > 0 ||
			     ul->dup_uids > 0 || v->lost > 0 ||
			     v->restorable > 0;
	else
		v->rewrite = st->nfiles > 0 || st->idx_ret == 0;
	v->drop_index = st->idx_ret == -EINVAL ||
			(st->idx_ret == 0 && !v->idx_match) ||
			(v->idx_match && v->idx_gone > 0);
}

static void report(struct fstate *st, const struct verdict *v)
{
	struct repair *r = st->r;
	const struct repair_uidlist *ul = &st->ul;
	const char *recover = v->uidvalidity != 0 ?
		"; its UIDVALIDITY can be recovered from " INDEX_NAME :
		"; nothing else records its UIDVALIDITY, so a repair must "
		"give the folder a new one and clients will download it again";

	if (!st->ul_exists && v->rewrite)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   UIDLIST_NAME " is missing%s", recover);
	else if (!st->ul_exists)
		repair_say(r, st->name, REPAIR_NOTE,
			   "no " UIDLIST_NAME " yet; the first sync makes it");
	else if (!ul->header_ok)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   UIDLIST_NAME " has an unreadable header%s", recover);
	if (ul->broken_lines > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u unreadable %s in " UIDLIST_NAME,
			   ul->broken_lines,
			   repair_plural(ul->broken_lines, "line", "lines"));
	if (ul->out_of_order > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u %s out of order in " UIDLIST_NAME,
			   ul->out_of_order,
			   repair_plural(ul->out_of_order, "UID", "UIDs"));
	if (ul->dup_bases > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u base %s listed twice in " UIDLIST_NAME
			   " (the later line wins)", ul->dup_bases,
			   repair_plural(ul->dup_bases, "name", "names"));
	if (ul->dup_uids > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u %s given to two files in " UIDLIST_NAME
			   " (the earlier line keeps it)", ul->dup_uids,
			   repair_plural(ul->dup_uids, "UID", "UIDs"));
	if (v->lost > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%lu UID %s in " UIDLIST_NAME
			   " for files that are gone", v->lost,
			   repair_plural(v->lost, "line", "lines"));
	if (v->expunged > 0)
		repair_say(r, st->name, REPAIR_NOTE,
			   "%lu UID %s of expunged messages kept until the "
			   "next compaction of " UIDLIST_NAME, v->expunged,
			   repair_plural(v->expunged, "line", "lines"));
	if (v->nouid_cur > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%lu message %s in cur/ %s no UID", v->nouid_cur,
			   repair_plural(v->nouid_cur, "file", "files"),
			   repair_plural(v->nouid_cur, "has", "have"));
	/* Dovecot's and procmail's deliveries leave new mail in new/
	 * for the next sync to number: normal, unless the index knew it. */
	if (v->nouid_new > 0)
		repair_say(r, st->name, v->restorable > 0 || !ul->header_ok ?
			   REPAIR_PROBLEM : REPAIR_NOTE,
			   "%lu message %s in new/ %s no UID yet",
			   v->nouid_new,
			   repair_plural(v->nouid_new, "file", "files"),
			   repair_plural(v->nouid_new, "has", "have"));
	if (v->restorable > 0)
		repair_say(r, st->name, REPAIR_NOTE,
			   "%lu of the files without a UID can get their old "
			   "UID back from " INDEX_NAME, v->restorable);
	if (st->idx_ret == -EINVAL)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   INDEX_NAME " is damaged (bad size or checksum)");
	else if (st->idx_ret == 0 && !v->idx_match)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   INDEX_NAME " was made for UIDVALIDITY %u, the "
			   "folder has %u", st->idx.uidvalidity,
			   v->uidvalidity);
	else if (v->drop_index)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   INDEX_NAME " lists %lu %s whose files are gone",
			   v->idx_gone,
			   repair_plural(v->idx_gone, "message", "messages"));
}

/* A UIDVALIDITY for a folder whose old one is lost; above every one the
 * mailbox gave before, so it differs from the lost one. */
static uint32_t new_uidvalidity(const struct repair *r)
{
	uint32_t v = (uint32_t)r->now;

	if (r->mailbox_root != NULL &&
	    mailbox_next_uidvalidity(r->mailbox_root, &v) < 0)
		log_warn("%s: cannot record a new UIDVALIDITY", r->mailbox_root);
	return v;
}

struct newrec {
	uint32_t uid;
	const char *base;
	size_t base_len;
	const char *ext;
};

static int cmp_newrec(const void *a, const void *b)
{
	const struct newrec *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Writes the uidlist from the records that have files and those the
 * index gives back.  A separate struct uidlist is used so the folder
 * reads the result afresh at its next sync.  *next_r is the next UID. */
static int rewrite_uidlist(struct fstate *st, const struct verdict *v,
			   uint32_t *next_r)
{
	struct repair *r = st->r;
	const struct repair_uidlist *ul = &st->ul;
	struct newrec *nr;
	struct uidlist out;
	size_t i, n = 0, k;
	uint32_t next;
	bool fresh = v->uidvalidity == 0;
	int ret = 0;

	nr = xcalloc(ul->count + st->nfiles + 1, sizeof(*nr));
	for (i = 0; i < ul->count; i++) {
		const struct repair_uidrec *rec = &ul->recs[i];

		if (!rec->dropped &&
		    strmap_get(&st->by_base, rec->base, strlen(rec->base), &k))
			nr[n++] = (struct newrec){ rec->uid, rec->base,
						   strlen(rec->base), rec->ext };
	}
	for (i = 0; i < st->nfiles; i++)
		if (v->restore_uid[i] != 0)
			nr[n++] = (struct newrec){ v->restore_uid[i],
						   st->files[i].name,
						   st->files[i].base_len, NULL };
	qsort(nr, n, sizeof(*nr), cmp_newrec);

	uidlist_init(&out, st->dir);
	out.version = 3;
	out.uidvalidity = fresh ? new_uidvalidity(r) : v->uidvalidity;
	if (ul->header_ok) {
		memcpy(out.guid, ul->hdr.guid, sizeof(out.guid));
		if (ul->hdr.hdr_extra != NULL)
			out.hdr_extra = xstrdup(ul->hdr.hdr_extra);
	}
	for (i = 0; i < n && ret == 0; i++) {
		ret = uidlist_add_uid(&out, nr[i].uid, nr[i].base,
				      nr[i].base_len);
		if (ret == 0 && nr[i].ext != NULL)
			out.recs[out.count - 1].ext = xstrdup(nr[i].ext);
	}
	/* Never lower the next UID: not below any UID ever read, the
	 * header's, or the index's. */
	next = out.next_uid;
	if (ul->header_ok && ul->hdr.next_uid > next)
		next = ul->hdr.next_uid;
	if (ul->count > 0 && ul->max_uid + 1 > next)
		next = ul->max_uid + 1;
	if (v->idx_match && st->idx.next_uid > next)
		next = st->idx.next_uid;
	out.next_uid = next;
	if (ret == 0)
		ret = uidlist_write(&out, true);
	if (ret == 0) {
		struct buf what = BUF_INIT;

		buf_printf(&what, "%lu %s kept", v->kept,
			   repair_plural(v->kept, "UID", "UIDs"));
		if (v->restorable > 0)
			buf_printf(&what, ", %lu restored from " INDEX_NAME,
				   v->restorable);
		if (v->lost + v->expunged > 0)
			buf_printf(&what, ", %lu %s without files dropped",
				   v->lost + v->expunged,
				   repair_plural(v->lost + v->expunged, "line",
						 "lines"));
		repair_say(r, st->name, REPAIR_FIXED,
			   "rewrote " UIDLIST_NAME ": %s; UIDVALIDITY %u "
			   "(%s), next UID %u", what.data, out.uidvalidity,
			   fresh ? "NEW" : v->uidv_from, next);
		buf_release(&what);
		if (fresh) {
			log_warn("%s: gave the folder a new UIDVALIDITY %u; "
				 "IMAP clients will download it again",
				 st->dir, out.uidvalidity);
			repair_say(r, st->name, REPAIR_FIXED,
				   "gave the folder a NEW UIDVALIDITY %u: "
				   "IMAP clients will download it again",
				   out.uidvalidity);
		}
	} else {
		st->what = "cannot rewrite " UIDLIST_NAME;
	}
	*next_r = next;
	uidlist_release(&out);
	free(nr);
	return ret;
}

/* The next UID the uidlist says, when it is not rewritten. */
static uint32_t current_next(const struct fstate *st)
{
	uint32_t next = st->ul.header_ok ? st->ul.hdr.next_uid : 1;

	if (st->ul.count > 0 && st->ul.max_uid + 1 > next)
		next = st->ul.max_uid + 1;
	return next;
}

static int fix(struct fstate *st, const struct verdict *v)
{
	struct repair *r = st->r;
	struct buf p = BUF_INIT;
	uint32_t next = current_next(st);
	unsigned long nouid = v->nouid_cur + v->nouid_new - v->restorable;
	int ret = 0;

	if (v->rewrite) {
		ret = rewrite_uidlist(st, v, &next);
		st->changed = true;
	}
	if (ret == 0 && v->drop_index) {
		buf_printf(&p, "%s/" INDEX_NAME, st->dir);
		if (unlink(p.data) < 0 && errno != ENOENT) {
			ret = -errno;
			st->what = "cannot delete " INDEX_NAME;
		}
		st->changed = true;
	}
	if (ret < 0 || (!st->changed && nouid == 0))
		goto out;
	/* The folder's own sync numbers what is left and rebuilds the
	 * index, keeping MODSEQs above its change log. */
	st->what = "sync after the repair failed";
	ret = folder_sync(st->f);
	if (ret < 0)
		goto out;
	if (folder_uidnext(st->f) == next + 1)
		repair_say(r, st->name, REPAIR_FIXED,
			   "gave 1 message file UID %u", next);
	else if (folder_uidnext(st->f) > next)
		repair_say(r, st->name, REPAIR_FIXED,
			   "gave %u message files UIDs %u-%u",
			   folder_uidnext(st->f) - next, next,
			   folder_uidnext(st->f) - 1);
	if (v->drop_index)
		repair_say(r, st->name, REPAIR_FIXED,
			   "deleted " INDEX_NAME " and rebuilt it from the "
			   "files (highest MODSEQ now %llu)",
			   (unsigned long long)st->f->highest_modseq);
out:
	buf_release(&p);
	return ret;
}

static void fstate_release(struct fstate *st)
{
	size_t i;

	for (i = 0; i < st->nfiles; i++)
		free(st->files[i].name);
	free(st->files);
	strmap_release(&st->by_base);
	repair_uidlist_release(&st->ul);
	index_summary_release(&st->idx);
	keywords_release(&st->kw);
	folder_free(&st->f);
}

int repair_messages(struct repair *r, const char *dir, const char *name)
{
	struct fstate st;
	struct verdict v;
	struct buf p = BUF_INIT;
	size_t i;
	int ret;

	memset(&st, 0, sizeof(st));
	memset(&v, 0, sizeof(v));
	st.r = r;
	st.dir = dir;
	st.name = name;
	strmap_init(&st.by_base);
	keywords_init(&st.kw, dir);
	repair_uidlist_init(&st.ul);
	st.what = "cannot lock the folder";
	if (r->fix) {
		ret = folder_open_lazy(dir, &st.f);
		if (ret == 0)
			ret = folder_lock(st.f);
		if (ret < 0)
			goto out;
	}
	st.what = "cannot read the folder";
	ret = repair_scan_files(&st);
	if (ret < 0)
		goto out;
	buf_printf(&p, "%s/" UIDLIST_NAME, dir);
	repair_uidlist_release(&st.ul);
	st.what = "cannot read " UIDLIST_NAME;
	ret = repair_uidlist_read(p.data, &st.ul);
	st.ul_exists = ret != -ENOENT;
	if (ret < 0 && ret != -ENOENT)
		goto out;
	st.what = "cannot read " INDEX_NAME;
	st.idx_ret = index_read_summary(dir, &st.idx);
	if (st.idx_ret < 0 && st.idx_ret != -ENOENT && st.idx_ret != -EINVAL) {
		ret = st.idx_ret;
		goto out;
	}
	st.what = "cannot read " KEYWORDS_NAME;
	ret = keywords_refresh(&st.kw);
	if (ret < 0)
		goto out;
	for (i = 0; i < KEYWORDS_MAX; i++)
		if (st.kw.names[i] != NULL)
			st.named_kw |= 1u << i;

	ret = repair_fix_duplicates(&st);
	if (ret == 0)
		ret = repair_fix_names(&st);
	if (ret < 0)
		goto out;
	for (i = 0; i < st.nfiles; i++)
		if (!st.files[i].gone)
			strmap_put(&st.by_base, st.files[i].name,
				   st.files[i].base_len, i);
	judge(&st, &v);
	report(&st, &v);
	if (r->fix)
		ret = fix(&st, &v);
out:
	if (ret < 0)
		log_error("%s: %s: %s", dir, st.what, strerror(-ret));
	free(v.restore_uid);
	buf_release(&p);
	fstate_release(&st);
	return ret;
}
