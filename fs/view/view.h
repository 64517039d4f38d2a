#ifndef MAILTREE_VIEW_H
#define MAILTREE_VIEW_H

/*
 * The pure parts of the FUSE view (mailtree-fs): the naming rule of the
 * tree and the rendering of property files.  Nothing here knows about
 * FUSE, so the unit tests link it without libfuse.
 *
 * The naming rule.  In a folder directory, a message is a directory named
 * by its UID in canonical decimal ("1", "4711", never "0" or "007").  A
 * subfolder whose name is all digits, or starts with the escape character
 * '=', is shown with one '=' put in front ("2024" is "=2024", "=x" is
 * "==x"); every other subfolder is shown by its name.  Names starting with
 * '.' are reserved for the view's own files (".folder/"): a folder level
 * can never contain '.', since it is Maildir++'s separator on disk.  The
 * rule is reversible for every folder name the store accepts.
 *
 * Property files hold one value and a newline, decoded to UTF-8.  A header
 * property of a message without that header does not exist.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "folder.h"

struct folder;
struct message;

#define VIEW_ESCAPE '='
#define VIEW_FOLDER_DIR ".folder"
#define VIEW_MESSAGE_FILE "message.eml"
#define VIEW_HEADER_FILE "header"
#define VIEW_FLAGS_DIR "flags"
#define VIEW_BODY_FILE "body.txt"
#define VIEW_ATTACH_DIR "attachments"
#define VIEW_PARTS_DIR "parts"
#define VIEW_PART_HEADER "header"
#define VIEW_PART_CONTENT "content"

/* True, with the UID, when name is a message directory name. */
bool view_name_uid(const char *name, uint32_t *uid_r);
/* True when name is all digits: a UID, or a number that is not one
 * ("0", "007"); never a folder's entry. */
bool view_name_digits(const char *name);
/* Appends the directory entry name of one folder level. */
void view_folder_entry(const char *level, struct buf *out);
/* Appends the folder level a directory entry names.  Returns 0, or
 * -ENOENT when the entry cannot be a folder (a UID, a reserved name). */
int view_entry_folder(const char *entry, struct buf *out);

/*
 * Attachment file names, in a message's attachments/ directory: the last
 * component of the MIME part's file name (decoded to UTF-8; a path is cut
 * after its last '/' or '\\') with '/', '\\', control characters
 * (C0, DEL, C1) replaced by '_', a leading '.' replaced by '_', and cut
 * to VIEW_ATTACH_NAME_MAX bytes at a character boundary.  A part without
 * a usable file name is "part-SECTION".  view_attachment_name() appends
 * that name; view_name_dedupe() turns a name already taken into
 * "name (2).ext", "name (3).ext" ..., the number before the extension.
 */
#define VIEW_ATTACH_NAME_MAX 200
void view_attachment_name(const char *filename, const char *section,
			  struct buf *out);
/* Appends to out the first of name, "name (2)" ... for which taken()
 * returns false. */
void view_name_dedupe(const char *name,
		      bool (*taken)(void *ctx, const char *name), void *ctx,
		      struct buf *out);

/* Message property files computed from the index, in listing order. */
enum view_prop {
	VP_SUBJECT, VP_FROM, VP_TO, VP_CC, VP_DATE, VP_MESSAGE_ID,
	VP_IN_REPLY_TO, VP_REFERENCES, VP_UID, VP_SIZE, VP_FLAGS, VP_MODSEQ,
	VP_GUID, VP_COUNT
};
extern const char *const view_prop_names[VP_COUNT];
/* The property a file name names, or -1. */
int view_prop_lookup(const char *name);
/* Whether the value can change during the message's life (flags,
 * modseq); such files are read without the page cache. */
bool view_prop_mutable(int prop);
/* Renders a property into out (reset first).  Returns 1, or 0 when the
 * message has no such header (the file does not exist). */
int view_prop_render(const struct folder *f, const struct message *m,
		     int prop, struct buf *out);

/* Appends the value a header property file shows (without its newline)
 * for the raw, unfolded header value `raw`: RFC 2047 decoded, addresses
 * as "Name <addr>, ...".  Shared with tests/tools/prop-dump.c. */
void view_header_render(int prop, const char *raw, size_t len,
			struct buf *out);

/* Folder property files, in .folder/. */
enum view_folder_prop {
	VF_UIDVALIDITY, VF_UIDNEXT, VF_MESSAGES, VF_UNSEEN, VF_SIZE, VF_COUNT
};
extern const char *const view_folder_prop_names[VF_COUNT];
int view_folder_prop_lookup(const char *name);
void view_folder_prop_render(const struct folder *f, int prop,
			     struct buf *out);

/*
 * Flag files in flags/: the system flags by their names without the
 * backslash, in lowercase, then keywords by name.  A keyword that cannot
 * be a file name (contains '/', is "." or "..") or that equals a system
 * flag's file name in any case is not shown.  The Maildir "passed" flag
 * without a $Forwarded keyword is shown as "$Forwarded".
 */
#define VIEW_SYSFLAGS 5
#define VIEW_FORWARDED FOLDER_FORWARDED
extern const char *const view_sysflag_names[VIEW_SYSFLAGS];
extern const uint32_t view_sysflag_bits[VIEW_SYSFLAGS];
/* The system flag a file name names (index), or -1. */
int view_sysflag_lookup(const char *name);
/* Whether a keyword name can be shown as a file in flags/. */
bool view_keyword_shown(const char *name);

#endif
