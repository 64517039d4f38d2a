/* Rendering of the view's property files from the index (see view.h).
 * Nothing here opens a message file: every value comes from struct
 * message and its cached header fields. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "folder.h"
#include "index.h"
#include "maildir-name.h"
#include "rfc2047.h"
#include "util.h"
#include "view.h"

const char *const view_prop_names[VP_COUNT] = {
	[VP_SUBJECT] = "subject", [VP_FROM] = "from", [VP_TO] = "to",
	[VP_CC] = "cc", [VP_DATE] = "date", [VP_MESSAGE_ID] = "message-id",
	[VP_IN_REPLY_TO] = "in-reply-to", [VP_REFERENCES] = "references",
	[VP_UID] = "uid", [VP_SIZE] = "size", [VP_FLAGS] = "imap-flags",
	[VP_MODSEQ] = "modseq", [VP_GUID] = "guid",
};

/* The header field behind each header property. */
static const char *const prop_fields[VP_COUNT] = {
	[VP_SUBJECT] = "Subject", [VP_FROM] = "From", [VP_TO] = "To",
	[VP_CC] = "Cc", [VP_DATE] = "Date", [VP_MESSAGE_ID] = "Message-ID",
	[VP_IN_REPLY_TO] = "In-Reply-To", [VP_REFERENCES] = "References",
};

const char *const view_folder_prop_names[VF_COUNT] = {
	[VF_UIDVALIDITY] = "uidvalidity", [VF_UIDNEXT] = "uidnext",
	[VF_MESSAGES] = "messages", [VF_UNSEEN] = "unseen", [VF_SIZE] = "size",
};

const char *const view_sysflag_names[VIEW_SYSFLAGS] = {
	"seen", "answered", "flagged", "draft", "deleted",
};
const uint32_t view_sysflag_bits[VIEW_SYSFLAGS] = {
	MFLAG_SEEN, MFLAG_ANSWERED, MFLAG_FLAGGED, MFLAG_DRAFT, MFLAG_DELETED,
};


static int lookup(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

int view_prop_lookup(const char *name)
{
	return lookup(view_prop_names, VP_COUNT, name);
}

int view_folder_prop_lookup(const char *name)
{
	return lookup(view_folder_prop_names, VF_COUNT, name);
}

int view_sysflag_lookup(const char *name)
{
	return lookup(view_sysflag_names, VIEW_SYSFLAGS, name);
}

bool view_prop_mutable(int prop)
{
	return prop == VP_FLAGS || prop == VP_MODSEQ;
}

bool view_keyword_shown(const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < VIEW_SYSFLAGS; i++) {
		if (strcasecmp(name, view_sysflag_names[i]) == 0)
			return false;
	}
	return true;
}


void view_header_render(int prop, const char *raw, size_t len,
			struct buf *out)
{
	struct address *list = NULL;

	switch (prop) {
	case VP_SUBJECT:
		rfc2047_decode(raw, len, out);
		break;
	case VP_FROM:
	case VP_TO:
	case VP_CC:
		address_list_parse(raw, len, &list);
		address_list_format(list, out);
		address_list_free(&list);
		break;
	default:
		rfc2047_clean_text(raw, len, out);
		break;
	}
}

static int render_header(const struct message *m, int prop, struct buf *out)
{
	struct buf raw = BUF_INIT;

	if (index_header(m, prop_fields[prop], &raw) != 1) {
		buf_release(&raw);
		return 0;
	}
	view_header_render(prop, raw.data, raw.len, out);
	buf_release(&raw);
	return 1;
}

int view_prop_render(const struct folder *f, const struct message *m,
		     int prop, struct buf *out)
{
	size_t i;

	buf_reset(out);
	switch (prop) {
	case VP_UID:
		buf_printf(out, "%" PRIu32, m->uid);
		break;
	case VP_SIZE:
		buf_printf(out, "%" PRIu64, m->size);
		break;
	case VP_FLAGS:
		folder_flag_names(f, m, out);
		break;
	case VP_MODSEQ:
		buf_printf(out, "%" PRIu64, m->modseq);
		break;
	case VP_GUID:
		for (i = 0; i < sizeof(m->guid); i++)
			buf_printf(out, "%02x", m->guid[i]);
		break;
	default:
		if (prop < 0 || prop >= VP_COUNT || render_header(m, prop, out) == 0)
			return 0;
		break;
	}
	buf_putc(out, '\n');
	return 1;
}

void view_folder_prop_render(const struct folder *f, int prop,
			     struct buf *out)
{
	uint64_t n = 0;
	size_t i;

	buf_reset(out);
	switch (prop) {
	case VF_UIDVALIDITY:
		n = folder_uidvalidity(f);
		break;
	case VF_UIDNEXT:
		n = folder_uidnext(f);
		break;
	case VF_MESSAGES:
		n = f->count;
		break;
	case VF_UNSEEN:
		for (i = 0; i < f->count; i++)
			n += (f->msgs[i].flags & MFLAG_SEEN) == 0;
		break;
	case VF_SIZE:
		for (i = 0; i < f->count; i++)
			n += f->msgs[i].size;
		break;
	}
	buf_printf(out, "%" PRIu64 "\n", n);
}
