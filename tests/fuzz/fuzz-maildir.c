/*
 * Fuzz target for the parsers of Dovecot's Maildir files: dovecot-uidlist
 * (header and record lines), dovecot-keywords, and Maildir file names.
 * The input is used as all three.  Invariants checked: records stay sorted
 * by UID and every record is found again by its UID and base name.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "keywords.h"
#include "maildir-name.h"
#include "uidlist.h"

static void check_uidlist(const struct uidlist *ul)
{
	size_t i;

	for (i = 0; i < ul->count; i++) {
		if (i > 0 && ul->recs[i].uid <= ul->recs[i - 1].uid)
			abort();
		if (uidlist_find_uid(ul, ul->recs[i].uid) != &ul->recs[i])
			abort();
		if (uidlist_find_base(ul, ul->recs[i].base,
				      strlen(ul->recs[i].base)) == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uidlist ul;
	struct keywords kw;
	struct maildir_name mn;
	struct buf line = BUF_INIT, info = BUF_INIT;
	const char *p = (const char *)data, *end = p + size;
	int first = 1;

	uidlist_init(&ul, "/nonexistent");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		buf_reset(&line);
		buf_append(&line, p, n);
		if (line.len <= UIDLIST_MAX_LINE && !memchr(line.data, '\0', line.len)) {
			if (first)
				uidlist_parse_header(&ul, line.data);
			else
				uidlist_parse_record(&ul, line.data);
			first = 0;
			if (maildir_name_parse(line.data, &mn) == 0) {
				if (mn.base_len > line.len)
					abort();
				buf_reset(&info);
				maildir_name_info(&info, mn.flags, mn.keywords, mn.extra);
			}
		}
		p += n + 1;
	}
	uidlist_parse_end(&ul);
	check_uidlist(&ul);
	uidlist_release(&ul);

	keywords_init(&kw, "/nonexistent");
	keywords_parse(&kw, (const char *)data, size);
	for (int i = 0; i < KEYWORDS_MAX; i++)
		if (kw.names[i] != NULL && !keyword_name_valid(kw.names[i]))
			abort();
	keywords_release(&kw);
	buf_release(&line);
	buf_release(&info);
	return 0;
}
