/* The mbox reader and writer over the shared corpus: the split oracles
 * and byte-exact round trips. */

#include "mbox-test.h"

/* ---- corpus ---- */

static int read_path(const char *dir, const char *name, struct buf *out)
{
	char path[4096];
	int rc;

	buf_reset(out);
	if ((rc = xsnprintf(path, sizeof(path), "%s/%s", dir, name)) < 0)
		return rc;
	return read_file_small(path, 64u << 20, out);
}

/* Reads the top-level "beginOffset"/"endOffset" pairs of the MimeKit
 * oracle: each follows an "mboxMarkerOffset" key, before the body. */
static size_t parse_offsets(const char *json, uint64_t *begin,
			    uint64_t *end, size_t max)
{
	const char *p = json;
	size_t n = 0;

	while (n < max && (p = strstr(p, "\"mboxMarkerOffset\"")) != NULL) {
		const char *b = strstr(p, "\"beginOffset\":");
		const char *e = strstr(p, "\"endOffset\":");

		if (b == NULL || e == NULL)
			break;
		begin[n] = strtoull(b + 14, NULL, 10);
		end[n] = strtoull(e + 12, NULL, 10);
		n++;
		p = e;
	}
	return n;
}

static void test_corpus_mbox(const char *corpus)
{
	char dir[4096];
	struct buf mbox = BUF_INIT, exp = BUF_INIT;
	struct coll c;
	size_t i;
	int rc;

	xsnprintf(dir, sizeof(dir), "%s/mbox", corpus);

	/* mime4j keeps the separating blank line in each message; we do
	 * not, so its expected files are ours plus "\n". */
	read_path(dir, "mime4j-rlug.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mime4j-rlug.mbox");
	ok(rc == 0 && c.n == 5, "mime4j-rlug.mbox: 5 messages (got %zu)",
	   c.n);
	for (i = 0; i < c.n && i < 5; i++) {
		char name[64];

		xsnprintf(name, sizeof(name),
			  "mime4j-rlug.expected/message-%zu.eml", i);
		read_path(dir, name, &exp);
		ok(exp.len == c.m[i].data.len + 1 &&
		   memcmp(exp.data, c.m[i].data.data, c.m[i].data.len) == 0 &&
		   exp.data[exp.len - 1] == '\n',
		   "mime4j-rlug message %zu is %s minus the blank line", i,
		   name);
		ok(strcmp(c.m[i].sender, "news@gmane.org") == 0 &&
		   c.m[i].date == 1046748800, "message %zu envelope", i);
	}
	coll_release(&c);

	/* The same through the fd interface. */
	{
		char path[4096];
		struct mbox_reader *r;
		FILE *f;

		xsnprintf(path, sizeof(path), "%s/mime4j-rlug.mbox", dir);
		f = fopen(path, "rb");
		coll_init(&c);
		r = mbox_reader_new(MBOX_FORMAT_MBOXRD, &coll_cb, &c);
		rc = f != NULL ? mbox_reader_read_fd(r, fileno(f)) : -ENOENT;
		ok(rc == 0 && c.n == 5 && c.m[4].data.len == 2288,
		   "mbox_reader_read_fd reads the same");
		mbox_reader_free(&r);
		coll_release(&c);
		if (f != NULL)
			fclose(f);
	}

	/*
	 * MimeKit gives each message's begin and end.  It always gives the
	 * line end before From_ to the separator; we only do so when the
	 * line is empty, so where the message ends "X\nFrom " our end is
	 * one byte later.
	 */
	read_path(dir, "mimekit-content-length.mbox", &mbox);
	read_path(dir, "mimekit-content-length.offsets.json", &exp);
	rc = split_checked(mbox.data, mbox.len, &c,
			   "mimekit-content-length.mbox");
	{
		uint64_t begin[64], end[64];
		size_t n = parse_offsets(exp.data, begin, end, 64);
		size_t bad = 0, shifted = 0;

		is_int(n, 29, "offsets.json: 29 messages");
		is_int(c.n, n, "mimekit-content-length.mbox: as many messages");
		for (i = 0; i < n && i < c.n; i++) {
			uint64_t want = end[i];

			if (want < mbox.len && mbox.data[want] == '\n' &&
			    mbox.data[want - 1] != '\n') {
				want++;
				shifted++;
			}
			/* (Un-escaping makes some messages shorter than
			 * their span.) */
			if (c.m[i].msg_offset != begin[i] ||
			    c.m[i].end_offset != want ||
			    c.m[i].data.len > want - begin[i]) {
				diag("message %zu: %" PRIu64 "-%" PRIu64
				     ", want %" PRIu64 "-%" PRIu64, i,
				     c.m[i].msg_offset, c.m[i].end_offset,
				     begin[i], want);
				bad++;
			}
		}
		ok(rc == 0 && bad == 0, "every begin/end offset as the oracle");
		is_int(shifted, 10, "10 messages end without a blank line");
	}
	coll_release(&c);

	read_path(dir, "mimekit-issue1189.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mimekit-issue1189.mbox");
	ok(rc == 0 && c.n == 4 &&
	   strcmp(c.m[3].sender, "1844347869536581428@xxx") == 0 &&
	   !c.m[3].has_date, "mimekit-issue1189.mbox: 4 dateless messages");
	coll_release(&c);

	read_path(dir, "mimekit-simple.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mimekit-simple.mbox");
	ok(rc == 0 && c.n == 3 && c.m[0].data.len > 0 &&
	   c.m[0].data.data[c.m[0].data.len - 1] == '\n' &&
	   strncmp(c.m[1].data.data, "From: fejj@gnome.org\n", 21) == 0,
	   "mimekit-simple.mbox: 3 messages split at \"From - \"");
	coll_release(&c);

	/* MimeKit's own test expects 4 here, splitting at "From Russia
	 * with love"; by our rule that line is body. */
	read_path(dir, "mimekit-unmunged.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mimekit-unmunged.mbox");
	ok(rc == 0 && c.n == 2, "mimekit-unmunged.mbox: 2 messages");
	ok(c.n == 2 && c.m[0].msg_offset == 10 &&
	   strstr(c.m[0].data.data, "\nFrom Russia with love\n") != NULL &&
	   strstr(c.m[1].data.data, "\nFrom Russia with love\nYear") != NULL,
	   "the unmunged From lines stay in their bodies");
	ok(c.n == 2 && strncmp(c.m[1].data.data, "From: Jeffrey", 13) == 0 &&
	   memcmp(c.m[0].data.data + c.m[0].data.len - 26,
		  "What does Thunderbird do?\n", 26) == 0,
	   "the second message begins with its header");
	coll_release(&c);

	buf_release(&mbox);
	buf_release(&exp);
}

static void load_tree(const char *dir, struct buf ***v, size_t *n,
		      size_t *cap, int strip_from)
{
	struct dirent **ents;
	int k, i;

	k = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < k; i++) {
		const char *name = ents[i]->d_name;
		char path[4096];
		struct buf *b;

		if (name[0] == '.' || strcmp(name, "MANIFEST.tsv") == 0 ||
		    xsnprintf(path, sizeof(path), "%s/%s", dir, name) < 0) {
			free(ents[i]);
			continue;
		}
		if (ents[i]->d_type == DT_DIR) {
			load_tree(path, v, n, cap, strip_from);
			free(ents[i]);
			continue;
		}
		b = xcalloc(1, sizeof(*b));
		buf_init(b);
		if (read_file_small(path, 64u << 20, b) == 0) {
			if (strip_from && strncmp(b->data, "From ", 5) == 0) {
				const char *nl = memchr(b->data, '\n', b->len);
				size_t skip = nl ? (size_t)(nl - b->data) + 1
						 : b->len;

				memmove(b->data, b->data + skip, b->len - skip);
				buf_truncate(b, b->len - skip);
			}
			*v = xgrow(*v, cap, *n + 1, sizeof(**v));
			(*v)[(*n)++] = b;
		} else {
			free(b);
		}
		free(ents[i]);
	}
	free(ents);
}

static void test_corpus_round_trip(const char *corpus)
{
	struct buf **v = NULL;
	size_t n = 0, cap = 0, i, no_nl = 0;
	char dir[4096];
	struct timespec t0, t1;
	double secs;

	xsnprintf(dir, sizeof(dir),
		  "%s/realistic/spamassassin/easy_ham", corpus);
	load_tree(dir, &v, &n, &cap, 1);
	is_int(n, 2500, "easy_ham: 2500 files");
	for (i = 0; i < n; i++)
		no_nl += v[i]->len > 0 && v[i]->data[v[i]->len - 1] != '\n';
	diag("easy_ham: %zu files do not end in a newline", no_nl);
	round_trip(v, n, "easy_ham", 0);
	for (i = 0; i < n; i++) {
		buf_release(v[i]);
		free(v[i]);
	}
	n = 0;

	xsnprintf(dir, sizeof(dir), "%s/torture", corpus);
	load_tree(dir, &v, &n, &cap, 0);
	is_int(n, 300, "torture: 300 files");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	round_trip(v, n, "torture", 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	diag("torture export and import took %.2f s", secs);
	ok(secs < 20, "torture round trip in a few seconds (%.2f s)", secs);
	for (i = 0; i < n; i++) {
		buf_release(v[i]);
		free(v[i]);
	}
	free(v);
}

int main(void)
{
	const char *corpus = tap_corpus_dir();

	if (corpus == NULL) {
		skip("no corpus: mbox oracles");
		skip("no corpus: easy_ham and torture round trips");
	} else {
		test_corpus_mbox(corpus);
		test_corpus_round_trip(corpus);
	}
	return done_testing();
}
