/*
 * LIST and LSUB (RFC 3501 6.3.8-9) with LIST-EXTENDED (RFC 5258),
 * CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819).
 *
 * The hierarchy separator is "/".  A name that has children but is not a
 * folder itself (a Maildir++ store may hold ".a.b" without ".a") is
 * listed as \Noselect.  The special-use folders are the ones
 * `mailtree user add` creates: Drafts, Sent, Trash, Junk and Archive at
 * the top level.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "imap-int.h"
#include "imap-mailbox.h"
#include "mailbox.h"
#include "util.h"

#define SEL_SUBSCRIBED		0x01
#define SEL_RECURSIVEMATCH	0x02
#define SEL_SPECIAL_USE		0x04
#define RET_SUBSCRIBED		0x10
#define RET_CHILDREN		0x20
#define RET_SPECIAL_USE		0x40
#define RET_STATUS		0x80

/* Bounds the work of one pattern match: wildcards can make matching
 * exponential, and a name is at most MAILBOX_NAME_MAX bytes. */
#define MATCH_MAX_STEPS 100000

static const struct {
	const char *name, *attr;
} special_use[] = {
	{ "Drafts", "\\Drafts" }, { "Sent", "\\Sent" },
	{ "Trash", "\\Trash" }, { "Junk", "\\Junk" },
	{ "Archive", "\\Archive" },
};

static bool match_at(const char *p, const char *n, unsigned int *steps)
{
	if (++*steps > MATCH_MAX_STEPS)
		return false;
	for (; *p != '\0'; p++, n++) {
		if (*p == '*' || *p == '%') {
			bool star = *p == '*';

			while (p[1] == '*' || p[1] == '%')
				star |= *++p == '*';
			for (;; n++) {
				if (match_at(p + 1, n, steps))
					return true;
				if (*n == '\0' || (!star && *n == '/'))
					return false;
			}
		}
		if (*p != *n)
			return false;
	}
	return *n == '\0';
}

/* INBOX is matched case-insensitively, so a pattern starting with any
 * case of "INBOX" matches it as "INBOX". */
static bool list_match(const char *pattern, const char *name)
{
	unsigned int steps = 0;

	if (strncasecmp(pattern, "INBOX", 5) == 0 &&
	    strncmp(name, "INBOX", 5) == 0 &&
	    (pattern[5] == '\0' || pattern[5] == '/')) {
		pattern += 5;
		name += 5;
	}
	return match_at(pattern, name, &steps);
}

static const char *special_attr(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(special_use); i++)
		if (strcmp(special_use[i].name, name) == 0)
			return special_use[i].attr;
	return NULL;
}

static bool is_listed(char **names, size_t count, const char *name)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static bool is_listed_inbox(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcasecmp(names[i], "INBOX") == 0)
			return true;
	return false;
}

/* Does any of names live below name? */
static bool has_child(char **names, size_t count, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < count; i++)
		if (strncmp(names[i], name, len) == 0 && names[i][len] == '/')
			return true;
	return false;
}

struct list_ctx {
	struct imap_cmd *cmd;
	unsigned int opts;
	unsigned int status_items;
	char **folders, **subs;
	size_t folder_count, sub_count;
	char **patterns;
	size_t pattern_count;
	struct buf out;
	bool lsub;
};

static bool matches_any(const struct list_ctx *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->pattern_count; i++)
		if (list_match(l->patterns[i], name))
			return true;
	return false;
}

static void reply_one(struct list_ctx *l, const char *name, bool exists,
		      bool child_subscribed)
{
	struct imap_session *s = l->cmd->s;
	/* From the subscriptions read once for the command, not the
	 * file once per name. */
	bool subscribed = is_listed(l->subs, l->sub_count, name) ||
			  (strcmp(name, "INBOX") == 0 &&
			   is_listed_inbox(l->subs, l->sub_count));
	bool children = has_child(l->folders, l->folder_count, name);
	const char *special = special_attr(name);
	size_t start;

	if ((l->opts & SEL_SPECIAL_USE) && special == NULL)
		return;
	buf_printf(&l->out, "* %s (", l->lsub ? "LSUB" : "LIST");
	start = l->out.len;
#define ATTR(a) do { \
		if (l->out.len > start) buf_putc(&l->out, ' '); \
		buf_puts(&l->out, a); } while (0)
	if (!exists)
		ATTR(l->opts & SEL_SUBSCRIBED ? "\\NonExistent" : "\\Noselect");
	if (!l->lsub)
		ATTR(children ? "\\HasChildren" : "\\HasNoChildren");
	if (subscribed && (l->opts & (SEL_SUBSCRIBED | RET_SUBSCRIBED)))
		ATTR("\\Subscribed");
	if (special != NULL && !l->lsub)
		ATTR(special);
#undef ATTR
	buf_puts(&l->out, ") \"/\" ");
	imap_append_mailbox(s, name, &l->out);
	if (child_subscribed)
		buf_puts(&l->out, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	buf_puts(&l->out, "\r\n");
	if ((l->opts & RET_STATUS) && exists)
		imap_status_write(s, name, l->status_items, &l->out);
}

/* The names to consider: the folders, or the subscriptions, and the
 * parents implied by them. */
static void list_names(struct list_ctx *l)
{
	bool subscribed = l->lsub || (l->opts & SEL_SUBSCRIBED);
	char **names = subscribed ? l->subs : l->folders;
	size_t count = subscribed ? l->sub_count : l->folder_count;
	struct buf parent = BUF_INIT;
	char **done = xcalloc(count + 1, sizeof(*done));
	size_t ndone = 0, i;
	const char *slash;

	for (i = 0; i < count; i++) {
		const char *name = names[i];
		bool exists = is_listed(l->folders, l->folder_count, name) ||
			      strcmp(name, "INBOX") == 0;

		if (matches_any(l, name)) {
			reply_one(l, name, exists, false);
			continue;
		}
		/* A parent that matches where the name does not: LSUB's
		 * "%" rule and RECURSIVEMATCH's CHILDINFO. */
		for (slash = strchr(name, '/'); slash != NULL;
		     slash = strchr(slash + 1, '/')) {
			buf_reset(&parent);
			buf_append(&parent, name, (size_t)(slash - name));
			if (!matches_any(l, parent.data) ||
			    is_listed(done, ndone, parent.data) ||
			    (subscribed && is_listed(names, count,
						     parent.data) &&
			     !(l->opts & SEL_RECURSIVEMATCH)))
				continue;
			done[ndone++] = xstrdup(parent.data);
			if (l->opts & SEL_RECURSIVEMATCH)
				reply_one(l, parent.data,
					  is_listed(l->folders, l->folder_count,
						    parent.data), true);
			else if (l->lsub || !is_listed(names, count,
						       parent.data))
				reply_one(l, parent.data, false, false);
			break;
		}
	}
	for (i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	buf_release(&parent);
}

static bool parse_opts(struct imap_cmd *cmd, const struct imap_arg *arg,
		       bool selection, struct list_ctx *l)
{
	const struct imap_list *list;
	const char *name;
	size_t i;

	if (!imap_arg_get_list(arg, &list))
		return false;
	for (i = 0; i < list->count; i++) {
		if (!imap_arg_get_atom(&list->args[i], &name))
			return false;
		if (selection && strcasecmp(name, "SUBSCRIBED") == 0)
			l->opts |= SEL_SUBSCRIBED | RET_SUBSCRIBED;
		else if (selection && strcasecmp(name, "REMOTE") == 0)
			;
		else if (selection && strcasecmp(name, "RECURSIVEMATCH") == 0)
			l->opts |= SEL_RECURSIVEMATCH;
		else if (selection && strcasecmp(name, "SPECIAL-USE") == 0)
			l->opts |= SEL_SPECIAL_USE | RET_SPECIAL_USE;
		else if (!selection && strcasecmp(name, "SUBSCRIBED") == 0)
			l->opts |= RET_SUBSCRIBED;
		else if (!selection && strcasecmp(name, "CHILDREN") == 0)
			l->opts |= RET_CHILDREN;
		else if (!selection && strcasecmp(name, "SPECIAL-USE") == 0)
			l->opts |= RET_SPECIAL_USE;
		else if (!selection && strcasecmp(name, "STATUS") == 0 &&
			 i + 1 < list->count &&
			 imap_status_parse(&list->args[i + 1],
					   &l->status_items) == 0) {
			l->opts |= RET_STATUS;
			i++;
		} else {
			(void)cmd;
			return false;
		}
	}
	/* RFC 5258 3: RECURSIVEMATCH needs another selection option. */
	return !(l->opts & SEL_RECURSIVEMATCH) ||
	       (l->opts & (SEL_SUBSCRIBED | SEL_SPECIAL_USE));
}

/* ref and one pattern into the UTF-8 pattern matched against names. */
static char *make_pattern(const struct imap_session *s, const char *ref,
			  size_t rlen, const char *pat, size_t plen)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;

	buf_append(&raw, ref, rlen);
	if (rlen > 0 && ref[rlen - 1] != '/' && plen > 0 && pat[0] != '/')
		buf_putc(&raw, '/');
	buf_append(&raw, pat, plen);
	if (imap_mailbox_decode(raw.data, raw.len,
				s->enabled & IMAP_ENABLED_UTF8, &out) < 0)
		buf_set(&out, raw.data);
	buf_release(&raw);
	return buf_detach(&out);
}

static void list_common(struct imap_cmd *cmd, bool lsub)
{
	struct imap_session *s = cmd->s;
	struct list_ctx l;
	const struct imap_arg *args = cmd->args;
	const struct imap_list *plist;
	size_t count = cmd->count, i;
	const char *ref, *pat;
	size_t rlen, plen;
	int ret;

	memset(&l, 0, sizeof(l));
	l.cmd = cmd;
	l.lsub = lsub;
	buf_init(&l.out);
	if (!lsub && count > 0 && args[0].type == IMAP_ARG_LIST) {
		if (!parse_opts(cmd, &args[0], true, &l))
			goto bad;
		args++;
		count--;
	}
	if (!lsub && count == 4 && imap_arg_atom_equals(&args[2], "RETURN")) {
		if (!parse_opts(cmd, &args[3], false, &l))
			goto bad;
		count -= 2;
	}
	if (count != 2 || !imap_arg_get_astring(&args[0], &ref, &rlen))
		goto bad;
	if (!lsub && args[1].type == IMAP_ARG_LIST) {
		plist = &args[1].list;
		if (plist->count == 0)
			goto bad;
		l.patterns = xcalloc(plist->count, sizeof(*l.patterns));
		for (i = 0; i < plist->count; i++) {
			if (!imap_arg_get_astring(&plist->args[i], &pat, &plen))
				goto bad;
			l.patterns[l.pattern_count++] =
				make_pattern(s, ref, rlen, pat, plen);
		}
	} else {
		if (!imap_arg_get_astring(&args[1], &pat, &plen))
			goto bad;
		if (plen == 0 && !lsub) {
			/* RFC 3501 6.3.8: the separator and root. */
			imap_untagged(s, "LIST (\\Noselect) \"/\" \"\"");
			imap_cmd_ok(cmd, "List completed.");
			goto out;
		}
		l.patterns = xcalloc(1, sizeof(*l.patterns));
		l.patterns[l.pattern_count++] = make_pattern(s, ref, rlen, pat,
							     plen);
	}
	ret = mailbox_list(s->mbox, &l.folders, &l.folder_count);
	if (ret == 0)
		ret = mailbox_subscriptions(s->mbox, &l.subs, &l.sub_count);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	list_names(&l);
	conn_write(s->c, l.out.data, l.out.len);
	imap_cmd_ok(cmd, "%s completed.", lsub ? "Lsub" : "List");
	goto out;
bad:
	imap_cmd_bad(cmd, "Invalid %s arguments", cmd->name);
out:
	for (i = 0; i < l.pattern_count; i++)
		free(l.patterns[i]);
	free(l.patterns);
	if (l.folders != NULL)
		mailbox_list_free(l.folders, l.folder_count);
	if (l.subs != NULL)
		mailbox_list_free(l.subs, l.sub_count);
	buf_release(&l.out);
}

void imap_cmd_list(struct imap_cmd *cmd)
{
	list_common(cmd, false);
}

void imap_cmd_lsub(struct imap_cmd *cmd)
{
	list_common(cmd, true);
}
