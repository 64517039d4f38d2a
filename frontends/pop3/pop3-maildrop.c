/*
 * The POP3 maildrop: a snapshot of INBOX at login, guarded by a session
 * lock of its own; see pop3-int.h.
 *
 * The lock is not dovecot-uidlist.lock: deliveries, IMAP and the FUSE view
 * go on while a POP3 client is logged in, as with Dovecot.  It only keeps
 * two POP3 sessions from handing out the same messages and deleting under
 * each other.  A lock left by a crashed daemon is overridden once its pid
 * is gone; one from a dead host once it was not refreshed for stale_secs.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "folder.h"
#include "mailbox.h"
#include "pop3-int.h"
#include "store.h"
#include "util.h"

#define POP3_LOCK_NAME "mailtree-pop3"
#define POP3_TOUCH_SECS 30

int pop3_maildrop_open(const char *store, const char *user,
		       unsigned int stale_secs, struct pop3_maildrop **md_r)
{
	const struct dotlock_settings set = {
		.timeout_secs = 0,
		.stale_secs = stale_secs,
	};
	struct pop3_maildrop *md;
	struct mailbox *mbox = NULL;
	struct buf path = BUF_INIT;
	struct folder *f;
	size_t i;
	int ret;

	*md_r = NULL;
	ret = store_user_mailbox(store, user, true, &mbox);
	if (ret < 0)
		return ret;
	md = xcalloc(1, sizeof(*md));
	buf_printf(&path, "%s/%s", mbox->root, POP3_LOCK_NAME);
	ret = dotlock_try(path.data, &set, &md->lock);
	buf_release(&path);
	if (ret == 0)
		ret = mailbox_folder_open(mbox, "INBOX", &md->folder);
	mailbox_free(&mbox);
	if (ret < 0) {
		pop3_maildrop_free(&md);
		return ret;
	}
	f = md->folder;
	md->uidvalidity = folder_uidvalidity(f);
	md->count = (uint32_t)f->count;
	md->msgs = xcalloc(f->count > 0 ? f->count : 1, sizeof(*md->msgs));
	for (i = 0; i < f->count; i++) {
		md->msgs[i].uid = f->msgs[i].uid;
		md->msgs[i].size = f->msgs[i].vsize;
	}
	md->touched = time(NULL);
	*md_r = md;
	return 0;
}

int pop3_maildrop_expunge(struct pop3_maildrop *md, struct buf *failed_r)
{
	uint32_t i;
	int ret, first = 0;

	buf_reset(failed_r);
	ret = folder_lock(md->folder);
	if (ret < 0)
		first = ret;
	for (i = 0; i < md->count && ret == 0; i++) {
		int r;

		if (!md->msgs[i].deleted)
			continue;
		r = folder_expunge(md->folder, md->msgs[i].uid);
		/* Expunged meanwhile by someone else: gone as asked. */
		if (r == -ENOENT)
			r = 0;
		if (r < 0) {
			if (first == 0)
				first = r;
			buf_printf(failed_r, "%s%u", failed_r->len > 0 ?
				   " " : "", i + 1);
		}
	}
	if (ret == 0)
		folder_unlock(md->folder);
	else
		for (i = 0; i < md->count; i++)
			if (md->msgs[i].deleted)
				buf_printf(failed_r, "%s%u", failed_r->len > 0 ?
					   " " : "", i + 1);
	return first;
}

void pop3_maildrop_touch(struct pop3_maildrop *md)
{
	time_t now = time(NULL);

	if (now - md->touched < POP3_TOUCH_SECS)
		return;
	md->touched = now;
	if (dotlock_touch(&md->lock) < 0)
		log_warn("POP3 session lock %s was overridden",
			 md->lock.lock_path);
}

void pop3_maildrop_free(struct pop3_maildrop **mdp)
{
	struct pop3_maildrop *md = *mdp;

	if (md == NULL)
		return;
	folder_free(&md->folder);
	dotlock_delete(&md->lock);
	free(md->msgs);
	free(md);
	*mdp = NULL;
}
