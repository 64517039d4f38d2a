/* The FUSE view's naming rule and property rendering: UIDs, escaped
 * folder names and their reversal, reserved names, and property files
 * rendered from a message's index data. */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "folder.h"
#include "maildir-name.h"
#include "../../fs/view/view.h"
#include "../tap.h"

static bool taken_in(void *ctx, const char *name)
{
	const char *const *list = ctx;

	for (; *list != NULL; list++) {
		if (strcmp(*list, name) == 0)
			return true;
	}
	return false;
}

static void att_name(const char *filename, const char *want)
{
	struct buf out = BUF_INIT;

	view_attachment_name(filename, "2.1", &out);
	is_str(out.data, want, "attachment name of '%s'",
	       filename != NULL ? filename : "(none)");
	buf_release(&out);
}

static void dedupe(const char *name, const char *want)
{
	static const char *const list[] = {
		"a.pdf", "a (2).pdf", "noext", ".x", "x.tar.gz", NULL
	};
	struct buf out = BUF_INIT;

	view_name_dedupe(name, taken_in, (void *)list, &out);
	is_str(out.data, want, "'%s' deduplicated", name);
	buf_release(&out);
}

static void roundtrip(const char *level, const char *want_entry)
{
	struct buf e = BUF_INIT, back = BUF_INIT;
	uint32_t uid;

	view_folder_entry(level, &e);
	is_str(e.data, want_entry, "folder '%s' is shown as '%s'", level,
	       want_entry);
	ok(view_entry_folder(e.data, &back) == 0 &&
	   strcmp(back.data, level) == 0, "'%s' maps back to '%s'", e.data,
	   level);
	ok(!view_name_uid(e.data, &uid), "'%s' is not a UID", e.data);
	buf_release(&e);
	buf_release(&back);
}

int main(void)
{
	struct buf out = BUF_INIT;
	uint32_t uid = 0;

	ok(view_name_uid("1", &uid) && uid == 1, "1 is a UID");
	ok(view_name_uid("4294967295", &uid) && uid == 4294967295u,
	   "the largest UID");
	ok(!view_name_uid("4294967296", &uid), "above 32 bits is not a UID");
	ok(!view_name_uid("0", &uid), "0 is not a UID");
	ok(!view_name_uid("007", &uid), "a leading zero is not a UID");
	ok(!view_name_uid("12a", &uid), "12a is not a UID");
	ok(!view_name_uid("", &uid), "empty is not a UID");

	roundtrip("INBOX", "INBOX");
	roundtrip("2024", "=2024");
	roundtrip("007", "=007");
	roundtrip("=x", "==x");
	roundtrip("=", "==");
	roundtrip("==", "===");
	roundtrip("a=b", "a=b");
	roundtrip("Größe", "Größe");

	ok(view_entry_folder("2024", &out) < 0, "2024 is never a folder entry");
	ok(view_entry_folder(".folder", &out) < 0, "dot names are reserved");
	ok(view_entry_folder("=abc", &out) < 0,
	   "=abc is not a name the rule makes");
	ok(view_entry_folder("", &out) < 0, "empty is no folder");

	/* Property rendering from a message as the index gives it. */
	struct folder f;
	struct message m;
	char hdr[] = "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n"
		     "From: \"Doe, J.\" <j@x.org>\n"
		     "To: a@b.c, =?iso-8859-1?q?J=F6rg?= <j@y.de>\n";

	memset(&f, 0, sizeof(f));
	memset(&m, 0, sizeof(m));
	m.uid = 42;
	m.size = 1234;
	m.modseq = 7;
	m.flags = MFLAG_SEEN | MFLAG_FLAGGED | MFLAG_PASSED;
	m.headers = hdr;
	m.headers_len = (uint32_t)strlen(hdr);
	m.guid[0] = 0xab;
	m.guid[15] = 0x01;

	ok(view_prop_render(&f, &m, VP_SUBJECT, &out) == 1 &&
	   strcmp(out.data, "Grüße\n") == 0, "subject decoded: %s", out.data);
	view_prop_render(&f, &m, VP_FROM, &out);
	is_str(out.data, "\"Doe, J.\" <j@x.org>\n", "from: name and address");
	view_prop_render(&f, &m, VP_TO, &out);
	is_str(out.data, "a@b.c, Jörg <j@y.de>\n", "to, decoded, one line");
	is_int(view_prop_render(&f, &m, VP_CC, &out), 0, "no cc: no file");
	view_prop_render(&f, &m, VP_UID, &out);
	is_str(out.data, "42\n", "uid");
	view_prop_render(&f, &m, VP_SIZE, &out);
	is_str(out.data, "1234\n", "size");
	view_prop_render(&f, &m, VP_MODSEQ, &out);
	is_str(out.data, "7\n", "modseq");
	view_prop_render(&f, &m, VP_FLAGS, &out);
	is_str(out.data, "\\Flagged \\Seen $Forwarded\n",
	       "flags, IMAP names, P as $Forwarded");
	view_prop_render(&f, &m, VP_GUID, &out);
	is_str(out.data, "ab000000000000000000000000000001\n", "guid in hex");
	is_int(view_prop_lookup("imap-flags"), VP_FLAGS, "imap-flags file");
	is_int(view_prop_lookup("flags"), -1,
	       "flags is the directory, not a property");
	ok(view_prop_mutable(VP_FLAGS) && !view_prop_mutable(VP_SUBJECT),
	   "flags change, subjects do not");

	is_int(view_sysflag_lookup("seen"), 0, "seen flag file");
	ok(!view_keyword_shown("Seen"), "a keyword named like a flag is hidden");
	ok(!view_keyword_shown("a/b"), "a keyword with / is hidden");
	ok(view_keyword_shown("$Label1"), "$Label1 is shown");
	buf_release(&out);
	att_name("report.pdf", "report.pdf");
	att_name("Grüße.txt", "Grüße.txt");
	att_name("../../etc/passwd", "passwd");
	att_name("a/..", "_.");
	att_name("dir/", "dir_");
	att_name("C:\\x\\y.doc", "y.doc");
	att_name(".bashrc", "_bashrc");
	att_name("a\tb\x7f\xc2\x85" "c", "a_b__c");
	att_name(NULL, "part-2.1");
	att_name("", "part-2.1");
	{
		char longname[400];
		struct buf o = BUF_INIT;

		memset(longname, 'x', sizeof(longname) - 1);
		memcpy(longname + 199, "\xc3\xa4", 2);	/* 'ä' across the cut */
		longname[sizeof(longname) - 1] = '\0';
		view_attachment_name(longname, "1", &o);
		is_int((long)o.len, 199, "a long name is cut before a split character");
		buf_release(&o);
	}
	dedupe("b.pdf", "b.pdf");
	dedupe("a.pdf", "a (3).pdf");
	dedupe("noext", "noext (2)");
	dedupe(".x", ".x (2)");
	dedupe("x.tar.gz", "x.tar (2).gz");
	return done_testing();
}
