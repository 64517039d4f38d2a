/*
 * FETCH (RFC 3501 6.4.5) with BINARY (RFC 3516), CONDSTORE's MODSEQ and
 * CHANGEDSINCE, and QRESYNC's VANISHED (RFC 7162).
 *
 * Items that the index answers (FLAGS, UID, INTERNALDATE, RFC822.SIZE,
 * MODSEQ, ENVELOPE from the cached header fields) are written on the
 * event loop.  Items that need the message file (BODY, BODYSTRUCTURE,
 * BODY[...], BINARY[...], RFC822*) are rendered on the thread pool, a
 * batch of messages at a time, from descriptors opened on the loop: the
 * pool never touches the shared folder.  A batch of small files (64 KB
 * altogether) is rendered on the loop instead.  A literal larger than
 * one chunk is sent a chunk at a time, the next one read only when the
 * previous one reached the socket, so a 50 MB message costs one chunk of
 * memory.
 * BODY and BODYSTRUCTURE answers and header blocks (for HEADER.FIELDS
 * of the message) are remembered by message GUID (imap-bscache.h): a
 * FETCH that wants nothing else of the file then opens none.
 *
 * Messages expunged by another session but not yet reported keep their
 * sequence numbers; FETCH skips them (RFC 2180 4.1.2 allows this).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "folder.h"
#include "header.h"
#include "imap-bodystructure.h"
#include "imap-bscache.h"
#include "imap-crlf.h"
#include "imap-date.h"
#include "imap-envelope.h"
#include "imap-fetch-parse.h"
#include "imap-header-filter.h"
#include "imap-int.h"
#include "imap-section.h"
#include "index.h"
#include "maildir-name.h"
#include "mime.h"
#include "util.h"

/* Output gathered before it is sent: one chunk of a large literal, or
 * the responses of a batch of messages. */
#define FETCH_CHUNK (256 * 1024)
/* Messages whose files are opened for one trip to the thread pool. */
#define FETCH_BATCH 64
/* A batch of files this small altogether is read on the event loop
 * instead: from the page cache that takes microseconds, less than the
 * two thread switches of a trip to the pool. */
#define FETCH_INLINE_BYTES (64 * 1024)

#define FILE_ITEMS (IMAP_FETCH_BODY | IMAP_FETCH_BODYSTRUCTURE | \
		    IMAP_FETCH_RFC822 | IMAP_FETCH_RFC822_HEADER | \
		    IMAP_FETCH_RFC822_TEXT)

struct fetch_entry {
	uint32_t seq;
	int fd;
	struct buf prefix;	/* "* n FETCH (UID .. FLAGS (..)" */
	/* BODY, BODYSTRUCTURE and the header block, by enum
	 * imap_bscache_kind: the cache's answer (cached), or the one made
	 * here, for the cache (made). */
	unsigned char guid[16];
	struct buf answer[IMAP_BSCACHE_KINDS];
	bool cached[IMAP_BSCACHE_KINDS], made[IMAP_BSCACHE_KINDS];
	bool header_long;	/* its header is too long to keep */
};

struct fetch_ctx {
	struct imap_session *s;
	struct imap_fetch fetch;
	struct imap_fetch_body *bodies;	/* fetch's, then RFC822* ones */
	const char **names;		/* response names for RFC822* */
	size_t body_count;
	bool file_items;
	uint32_t *seqs;
	size_t seq_count, seq_pos;

	/* The batch on the pool. */
	struct fetch_entry batch[FETCH_BATCH];
	size_t batch_count, cur;
	uint64_t batch_bytes;		/* the sizes of its files */
	unsigned int item;		/* next file item of batch[cur] */
	bool started;			/* batch[cur]'s prefix is out */
	struct mime_part *root;		/* of batch[cur], parsed once */
	struct imap_section *sec;	/* a literal being sent */
	int err;
	bool expunged;			/* a message's file was gone */
	struct buf out;
	/* cache answers for the next entry */
	struct buf looked_up[IMAP_BSCACHE_KINDS];
};

static void fetch_next(struct conn *c, void *arg);

static void batch_release(struct fetch_ctx *fc)
{
	size_t i;

	for (i = 0; i < fc->batch_count; i++) {
		struct fetch_entry *e = &fc->batch[i];
		unsigned int k;

		if (e->fd >= 0)
			close(e->fd);
		buf_release(&e->prefix);
		for (k = 0; k < IMAP_BSCACHE_KINDS; k++) {
			if (e->made[k])
				imap_bscache_put(e->guid, k, e->answer[k].data,
						 e->answer[k].len);
			buf_release(&e->answer[k]);
		}
	}
	fc->batch_count = fc->cur = 0;
	fc->batch_bytes = 0;
	fc->item = 0;
	fc->started = false;
	imap_section_free(&fc->sec);
	mime_part_free(&fc->root);
}

static void fetch_free(struct fetch_ctx *fc)
{
	unsigned int k;

	batch_release(fc);
	imap_fetch_release(&fc->fetch);
	free(fc->bodies);
	free(fc->names);
	free(fc->seqs);
	buf_release(&fc->out);
	for (k = 0; k < IMAP_BSCACHE_KINDS; k++)
		buf_release(&fc->looked_up[k]);
	free(fc);
}

static void fetch_abort(struct imap_session *s)
{
	if (s->cmd_ctx != NULL)
		fetch_free(s->cmd_ctx);
	s->cmd_ctx = NULL;
}

/* The server's zone offset at t, for INTERNALDATE. */
static int local_tz(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

/* The items the index answers, for message m at seq. */
static void write_index_items(struct fetch_ctx *fc, uint32_t seq,
			      const struct message *m, struct buf *out)
{
	struct imap_session *s = fc->s;
	unsigned int items = fc->fetch.items;
	size_t start;

	buf_printf(out, "* %u FETCH (", seq);
	start = out->len;
#define SEP() do { if (out->len > start) buf_putc(out, ' '); } while (0)
	if (items & IMAP_FETCH_UID) {
		SEP();
		buf_printf(out, "UID %u", m->uid);
	}
	if (items & IMAP_FETCH_FLAGS) {
		SEP();
		buf_puts(out, "FLAGS ");
		imap_view_flags(s, m, seq, out);
		imap_view_flags_sent(s, seq, m->modseq);
	}
	if (items & IMAP_FETCH_INTERNALDATE) {
		SEP();
		buf_puts(out, "INTERNALDATE \"");
		imap_date_time_format(m->internal_date,
				      local_tz(m->internal_date), out);
		buf_putc(out, '"');
	}
	if (items & IMAP_FETCH_RFC822_SIZE) {
		SEP();
		buf_printf(out, "RFC822.SIZE %llu",
			   (unsigned long long)m->vsize);
	}
	if (items & IMAP_FETCH_MODSEQ) {
		SEP();
		buf_printf(out, "MODSEQ (%llu)", (unsigned long long)m->modseq);
	}
	if (items & IMAP_FETCH_ENVELOPE) {
		SEP();
		buf_puts(out, "ENVELOPE ");
		imap_envelope_write_cached(m->headers, m->headers_len, out);
	}
#undef SEP
}

/* HEADER, RFC822.HEADER or HEADER.FIELDS(.NOT) of the whole message,
 * without a partial: made from the header block alone, which the cache
 * can keep. */
static bool from_header_block(const struct imap_fetch_body *b)
{
	return b->kind == IMAP_FETCH_KIND_BODY && b->part_count == 0 &&
	       !b->partial && (b->text == IMAP_FETCH_TEXT_HEADER ||
			       b->text == IMAP_FETCH_TEXT_HEADER_FIELDS ||
			       b->text == IMAP_FETCH_TEXT_HEADER_FIELDS_NOT);
}

/* The response name of body item i ("BODY[HEADER]", "RFC822.HEADER"). */
static void write_body_name(const struct fetch_ctx *fc, size_t i,
			    struct buf *out)
{
	if (fc->names[i] != NULL)
		buf_puts(out, fc->names[i]);
	else
		imap_fetch_body_name(&fc->bodies[i], out);
}

/* "BODY (...)" or "BODYSTRUCTURE (...)" (item 0 or 1) from its answer. */
static void write_structure(unsigned int item, const struct buf *answer,
			    struct buf *out)
{
	buf_puts(out, item == 0 ? "BODY " : "BODYSTRUCTURE ");
	buf_append(out, answer->data, answer->len);
}

/* Writes item b (named by its response name) from a header block: the
 * header with CRLF line endings and NUL as 0x80, as the section code
 * sends it, or the fields it selects. */
static void write_header_fields(struct fetch_ctx *fc, size_t i,
				const struct buf *block, struct buf *out)
{
	const struct imap_fetch_body *b = &fc->bodies[i];
	struct buf fields = BUF_INIT;
	struct imap_crlf crlf;

	write_body_name(fc, i, out);
	if (b->text == IMAP_FETCH_TEXT_HEADER) {
		imap_crlf_init(&crlf, false, true);
		imap_crlf_convert(&crlf, block->data, block->len, &fields);
	} else {
		imap_header_filter_mem(block->data, block->len, b->fields,
				       b->field_count,
				       b->text ==
					       IMAP_FETCH_TEXT_HEADER_FIELDS_NOT,
				       &fields);
	}
	buf_printf(out, " {%zu}\r\n", fields.len);
	buf_append(out, fields.data, fields.len);
	buf_release(&fields);
}

/* ---- on the thread pool ---- */

/* Reads the message's header block into e->answer[HEADER] for the
 * cache, when it ends within the size the cache keeps.  Returns 1, 0
 * when it is longer, or a negative errno. */
static int read_header_block(struct fetch_entry *e)
{
	struct buf *block = &e->answer[IMAP_BSCACHE_HEADER];
	struct header_end he;
	ssize_t got;

	buf_reset(block);
	buf_grow(block, IMAP_BSCACHE_MAX_ANSWER + 1);
	got = pread_full(e->fd, block->data, IMAP_BSCACHE_MAX_ANSWER + 1, 0);
	if (got < 0)
		return (int)got;
	header_end_init(&he);
	header_end_feed(&he, block->data, (size_t)got);
	if (!he.done && (size_t)got > IMAP_BSCACHE_MAX_ANSWER) {
		e->header_long = true;	/* longer than the cache keeps */
		return 0;
	}
	block->len = (size_t)got;
	block->data[got] = '\0';
	buf_truncate(block, (size_t)he.offset);
	e->made[IMAP_BSCACHE_HEADER] = true;
	return 1;
}

/* Writes one file item of the current message; a large literal is left
 * open in fc->sec.  Returns 0 or a negative errno. */
static int render_item(struct fetch_ctx *fc, struct fetch_entry *e,
		       unsigned int item)
{
	struct buf *out = &fc->out;
	const struct imap_fetch_body *b;
	uint64_t size;
	int ret;

	if (out->len > 0 && out->data[out->len - 1] != '(')
		buf_putc(out, ' ');
	if (item == 0 || item == 1) {
		struct buf *answer = &e->answer[item];

		if (!e->cached[item]) {
			if (fc->root == NULL &&
			    (ret = mime_parse_fd(e->fd, NULL, &fc->root)) < 0)
				return ret;
			buf_reset(answer);
			ret = imap_bodystructure_write(fc->root, e->fd,
						       item == 1, answer);
			if (ret < 0)
				return ret;
			e->made[item] = true;
		}
		write_structure(item, answer, out);
		return 0;
	}
	b = &fc->bodies[item - 2];
	if (from_header_block(b) && !e->header_long) {
		ret = e->cached[IMAP_BSCACHE_HEADER] ||
		      e->made[IMAP_BSCACHE_HEADER] ? 1 : read_header_block(e);
		if (ret < 0)
			return ret;
		if (ret > 0) {
			write_header_fields(fc, item - 2,
					    &e->answer[IMAP_BSCACHE_HEADER],
					    out);
			return 0;
		}
	}
	write_body_name(fc, item - 2, out);
	ret = imap_section_open(&fc->sec, e->fd, &fc->root, b);
	if (ret < 0)
		return ret;
	if (b->kind == IMAP_FETCH_KIND_BINARY_SIZE) {
		buf_printf(out, " %llu",
			   (unsigned long long)imap_section_size(fc->sec));
		imap_section_free(&fc->sec);
		return 0;
	}
	if (imap_section_nil(fc->sec)) {
		buf_puts(out, " NIL");
		imap_section_free(&fc->sec);
		return 0;
	}
	size = imap_section_size(fc->sec);
	buf_printf(out, " %s{%llu}\r\n",
		   b->kind == IMAP_FETCH_KIND_BINARY &&
		   imap_section_has_nul(fc->sec) ? "~" : "",
		   (unsigned long long)size);
	return 0;
}

/* Moves literal bytes from fc->sec into the output, up to the chunk. */
static int pump_section(struct fetch_ctx *fc)
{
	char chunk[64 * 1024];
	ssize_t n;

	while (fc->out.len < FETCH_CHUNK) {
		n = imap_section_read(fc->sec, chunk, sizeof(chunk));
		if (n < 0)
			return (int)n;
		if (n == 0) {
			imap_section_free(&fc->sec);
			return 0;
		}
		buf_append(&fc->out, chunk, (size_t)n);
	}
	return 0;
}

static bool item_wanted(const struct fetch_ctx *fc, unsigned int item)
{
	if (item == 0)
		return fc->fetch.items & IMAP_FETCH_BODY;
	if (item == 1)
		return fc->fetch.items & IMAP_FETCH_BODYSTRUCTURE;
	return item - 2 < fc->body_count;
}

static void render_work(void *arg)
{
	struct fetch_ctx *fc = arg;

	while (fc->cur < fc->batch_count && fc->out.len < FETCH_CHUNK &&
	       fc->err == 0) {
		struct fetch_entry *e = &fc->batch[fc->cur];

		if (fc->sec != NULL) {
			fc->err = pump_section(fc);
			continue;
		}
		if (!fc->started) {
			buf_append(&fc->out, e->prefix.data, e->prefix.len);
			fc->started = true;
			fc->item = 0;
		}
		if (e->fd >= 0 && fc->item < 2 + fc->body_count) {
			unsigned int item = fc->item++;

			if (item_wanted(fc, item))
				fc->err = render_item(fc, e, item);
			continue;
		}
		buf_puts(&fc->out, ")\r\n");
		mime_part_free(&fc->root);
		fc->cur++;
		fc->started = false;
	}
}

/* ---- on the loop ---- */

static void fetch_finish(struct fetch_ctx *fc)
{
	struct imap_session *s = fc->s;
	struct imap_cmd *cmd = &s->cmd;
	int err = fc->err;
	bool expunged = fc->expunged;

	s->cmd_ctx = NULL;
	s->abort_cmd = NULL;
	fetch_free(fc);
	if (err < 0)
		imap_cmd_no(cmd, "[SERVERBUG] Internal error fetching "
			    "messages: %s", strerror(-err));
	else if (expunged)
		imap_cmd_no(cmd, "[EXPUNGEISSUED] Some of the requested "
			    "messages no longer exist.");
	else
		imap_cmd_ok(cmd, "Fetch completed.");
}

static void render_done(struct conn *c, void *arg)
{
	struct fetch_ctx *fc = arg;

	if (c->closing)
		return;	/* fetch_abort frees */
	conn_write(c, fc->out.data, fc->out.len);
	buf_reset(&fc->out);
	if (fc->err < 0) {
		/* The literal announced cannot be completed: the stream is
		 * out of step, so the session ends. */
		conn_log_warn(c, "FETCH failed mid-response: %s",
			      strerror(-fc->err));
		conn_close(c);
		return;
	}
	if (fc->cur == fc->batch_count && fc->sec == NULL)
		batch_release(fc);
	conn_wait_written(c, fetch_next, fc);
}

/* Renders the batch on the loop when its files are small, else on the
 * thread pool. */
static void render_batch(struct conn *c, struct fetch_ctx *fc)
{
	if (fc->batch_bytes <= FETCH_INLINE_BYTES) {
		render_work(fc);
		render_done(c, fc);
		return;
	}
	conn_queue_work(c, render_work, render_done, fc);
}

/*
 * Looks up m's BODY, BODYSTRUCTURE and header block, as far as the FETCH
 * wants them, in the cache (into fc->looked_up).  When they are all it
 * wants of the file, writes the whole response and returns true: no
 * file is opened.
 */
static bool answer_from_cache(struct fetch_ctx *fc, uint32_t seq,
			      const struct message *m)
{
	bool all = true, header = false;
	unsigned int k;
	size_t i;

	for (i = 0; i < fc->body_count; i++) {
		if (from_header_block(&fc->bodies[i]))
			header = true;
		else
			all = false;	/* a section the cache does not have */
	}
	for (k = 0; k < IMAP_BSCACHE_KINDS; k++) {
		buf_reset(&fc->looked_up[k]);
		if (k == IMAP_BSCACHE_HEADER ? header : item_wanted(fc, k))
			all &= imap_bscache_get(m->guid, k, &fc->looked_up[k]);
	}
	if (!all)
		return false;
	write_index_items(fc, seq, m, &fc->out);
	for (k = 0; k < 2; k++) {
		if (!item_wanted(fc, k))
			continue;
		if (fc->out.data[fc->out.len - 1] != '(')
			buf_putc(&fc->out, ' ');
		write_structure(k, &fc->looked_up[k], &fc->out);
	}
	for (i = 0; i < fc->body_count; i++) {
		if (fc->out.data[fc->out.len - 1] != '(')
			buf_putc(&fc->out, ' ');
		write_header_fields(fc, i, &fc->looked_up[IMAP_BSCACHE_HEADER],
				    &fc->out);
	}
	buf_puts(&fc->out, ")\r\n");
	return true;
}

/* Prepares the next batch: index items now, files opened for the pool. */
static void fetch_next(struct conn *c, void *arg)
{
	struct fetch_ctx *fc = arg;
	struct imap_session *s;
	struct folder *f;

	if (c->closing)
		return;	/* fetch_abort frees */
	s = fc->s;
	f = imap_view_folder(s);
	if (fc->batch_count > 0) {	/* a literal or batch goes on */
		render_batch(c, fc);
		return;
	}
	/* Another session may have synced new keywords into the shared
	 * folder: announce them before a FETCH shows them. */
	imap_view_keywords_check(s, &fc->out);
	while (fc->seq_pos < fc->seq_count && fc->out.len < FETCH_CHUNK &&
	       fc->batch_count < FETCH_BATCH) {
		uint32_t seq = fc->seqs[fc->seq_pos++];
		struct message *m = imap_view_msg(s, seq);
		struct fetch_entry *e;
		unsigned int k;
		int fd;

		if (m == NULL)
			continue;
		if (!fc->file_items) {
			write_index_items(fc, seq, m, &fc->out);
			buf_puts(&fc->out, ")\r\n");
			continue;
		}
		if (answer_from_cache(fc, seq, m))
			continue;
		e = &fc->batch[fc->batch_count];
		/* Opening may sync the folder (another process renamed the
		 * file), which rebuilds its message array: m is looked up
		 * again, not used after. */
		if (folder_msg_open(f, m->uid, &fd) < 0) {
			/* Expunged meanwhile (RFC 5530 EXPUNGEISSUED). */
			fc->expunged = true;
			continue;
		}
		if ((m = imap_view_msg(s, seq)) == NULL) {
			close(fd);
			fc->expunged = true;
			continue;
		}
		e->fd = fd;
		buf_init(&e->prefix);
		write_index_items(fc, seq, m, &e->prefix);
		e->seq = seq;
		fc->batch_bytes += m->size;
		memcpy(e->guid, m->guid, sizeof(e->guid));
		for (k = 0; k < IMAP_BSCACHE_KINDS; k++) {
			/* What answer_from_cache() found, if anything. */
			buf_init(&e->answer[k]);
			buf_swap(&e->answer[k], &fc->looked_up[k]);
			e->cached[k] = e->answer[k].len > 0;
			e->made[k] = false;
		}
		e->header_long = false;
		fc->batch_count++;
	}
	if (fc->batch_count > 0) {
		render_batch(c, fc);
		return;
	}
	if (fc->out.len > 0) {
		conn_write(c, fc->out.data, fc->out.len);
		buf_reset(&fc->out);
		if (fc->seq_pos < fc->seq_count) {
			conn_wait_written(c, fetch_next, fc);
			return;
		}
	}
	fetch_finish(fc);
}

/* RFC822, RFC822.HEADER and RFC822.TEXT as BODY items with their own
 * response names. */
static void add_rfc822_items(struct fetch_ctx *fc)
{
	static const struct {
		unsigned int bit;
		const char *name;
		enum imap_fetch_text text;
		bool peek;
	} map[] = {
		{ IMAP_FETCH_RFC822, "RFC822", IMAP_FETCH_TEXT_ALL, false },
		{ IMAP_FETCH_RFC822_HEADER, "RFC822.HEADER",
		  IMAP_FETCH_TEXT_HEADER, true },
		{ IMAP_FETCH_RFC822_TEXT, "RFC822.TEXT", IMAP_FETCH_TEXT_TEXT,
		  false },
	};
	size_t n = fc->fetch.body_count, i;

	fc->bodies = xcalloc(n + ARRAY_SIZE(map), sizeof(*fc->bodies));
	fc->names = xcalloc(n + ARRAY_SIZE(map), sizeof(*fc->names));
	if (n > 0)
		memcpy(fc->bodies, fc->fetch.bodies, n * sizeof(*fc->bodies));
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (!(fc->fetch.items & map[i].bit))
			continue;
		fc->bodies[n].kind = IMAP_FETCH_KIND_BODY;
		fc->bodies[n].text = map[i].text;
		fc->bodies[n].peek = map[i].peek;
		fc->names[n] = map[i].name;
		n++;
	}
	fc->body_count = n;
}

/* Sets \Seen where the FETCH reads a body without PEEK. */
static void set_seen(struct fetch_ctx *fc)
{
	struct imap_session *s = fc->s;
	struct folder *f = imap_view_folder(s);
	bool locked = false;
	size_t i;

	/* The lock only once a message needs \Seen: a re-read takes none. */
	for (i = 0; i < fc->seq_count; i++) {
		struct message *m = imap_view_msg(s, fc->seqs[i]);

		if (m == NULL || (m->flags & MFLAG_SEEN))
			continue;
		if (!locked && folder_lock_light(f) == 0)
			locked = true;
		folder_change_flags(f, m->uid, MFLAG_SEEN, 0, 0, 0);
	}
	if (locked)
		folder_unlock(f);
	fc->fetch.items |= IMAP_FETCH_FLAGS;
}

struct vanished_ctx {
	struct folder *f;
	const struct imap_seqset *set;
	uint32_t star;
	struct imap_seqset *out;
};

static void collect_vanished(uint64_t modseq, uint32_t uid,
			     enum change_kind kind, void *ctx)
{
	struct vanished_ctx *vc = ctx;

	(void)modseq;
	if (kind == CHANGE_EXPUNGE && folder_find_uid(vc->f, uid) == NULL &&
	    imap_seqset_contains(vc->set, uid, vc->star))
		imap_seqset_add_range(vc->out, uid, uid);
}

/*
 * RFC 7162 3.2.6: UID FETCH with (CHANGEDSINCE m VANISHED) first reports
 * the UIDs of the set expunged since m.  When the change log does not
 * reach back that far, every UID of the set that no message has now is
 * reported, which the RFC allows (clients ignore UIDs they never knew).
 */
static void send_vanished(struct imap_cmd *cmd, uint64_t since)
{
	struct imap_session *s = cmd->s;
	struct folder *f = imap_view_folder(s);
	struct imap_seqset set, out;
	struct vanished_ctx vc;
	const char *str;
	uint32_t star = folder_uidnext(f) - 1;

	imap_seqset_init(&set);
	imap_seqset_init(&out);
	if (!imap_arg_get_atom(&cmd->args[0], &str) ||
	    imap_seqset_parse(&set, str, strlen(str)) < 0)
		goto out;
	if (set.dollar) {
		size_t i;

		imap_seqset_clear(&set);
		if (s->saved_valid)
			for (i = 0; i < s->saved.count; i++)
				imap_seqset_add_range(&set,
						      s->saved.ranges[i].lo,
						      s->saved.ranges[i].hi);
	}
	vc = (struct vanished_ctx){ f, &set, star, &out };
	if (changes_since(f, since, collect_vanished, &vc) != 1) {
		struct imap_seqset_iter it;
		uint32_t next = 1;
		size_t i, r;

		imap_seqset_clear(&out);
		imap_seqset_iter_init(&it, &set, star);
		for (i = 0; i <= f->count; i++) {
			uint32_t end = i < f->count ? f->msgs[i].uid : star + 1;

			for (r = 0; r < it.resolved.count && next < end; r++) {
				uint32_t lo = it.resolved.ranges[r].lo;
				uint32_t hi = it.resolved.ranges[r].hi;

				if (lo < next)
					lo = next;
				if (hi > end - 1)
					hi = end - 1;
				if (lo <= hi)
					imap_seqset_add_range(&out, lo, hi);
			}
			if (i < f->count)
				next = f->msgs[i].uid + 1;
		}
		imap_seqset_iter_release(&it);
	}
	if (!imap_seqset_is_empty(&out)) {
		struct buf line = BUF_INIT;

		buf_puts(&line, "* VANISHED (EARLIER) ");
		imap_seqset_format(&out, &line);
		buf_puts(&line, "\r\n");
		conn_write(s->c, line.data, line.len);
		buf_release(&line);
	}
out:
	imap_seqset_release(&set);
	imap_seqset_release(&out);
}

void imap_cmd_fetch(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct fetch_ctx *fc = xcalloc(1, sizeof(*fc));
	struct imap_seqset seqs;
	struct imap_seqset_iter it;
	const char *error;
	uint32_t seq;
	size_t cap = 0;

	fc->s = s;
	buf_init(&fc->out);
	imap_fetch_init(&fc->fetch);
	imap_seqset_init(&seqs);
	if (cmd->count < 2) {
		imap_cmd_bad(cmd, "FETCH needs a message set and items");
		goto fail;
	}
	if (imap_fetch_parse(&fc->fetch, &cmd->args[1], cmd->count - 1,
			     &error) < 0) {
		imap_cmd_bad(cmd, "%s", error);
		goto fail;
	}
	if (fc->fetch.vanished && (!cmd->uid ||
				   !(s->enabled & IMAP_ENABLED_QRESYNC))) {
		imap_cmd_bad(cmd, "VANISHED needs UID FETCH and QRESYNC");
		goto fail;
	}
	if (imap_view_seqset(cmd, &cmd->args[0], &seqs) < 0)
		goto fail;
	if (fc->fetch.vanished)
		send_vanished(cmd, fc->fetch.changedsince);
	if (cmd->uid)
		fc->fetch.items |= IMAP_FETCH_UID;
	if (fc->fetch.changedsince != 0 || (fc->fetch.items & IMAP_FETCH_MODSEQ)) {
		imap_view_condstore_enable(s);
		fc->fetch.items |= IMAP_FETCH_MODSEQ;
	}
	imap_seqset_iter_init(&it, &seqs, (uint32_t)s->view.count);
	while (imap_seqset_iter_next(&it, &seq)) {
		const struct message *m = imap_view_msg(s, seq);

		if (m == NULL || (fc->fetch.changedsince != 0 &&
				  m->modseq <= fc->fetch.changedsince))
			continue;
		fc->seqs = xgrow(fc->seqs, &cap, fc->seq_count + 1,
				 sizeof(*fc->seqs));
		fc->seqs[fc->seq_count++] = seq;
	}
	imap_seqset_iter_release(&it);
	imap_seqset_release(&seqs);
	add_rfc822_items(fc);
	fc->file_items = (fc->fetch.items & FILE_ITEMS) || fc->body_count > 0;
	if (imap_fetch_sets_seen(&fc->fetch) && !s->view.readonly) {
		size_t i;
		bool any = false;

		for (i = 0; i < fc->body_count; i++)
			any |= !fc->bodies[i].peek;
		if (any)
			set_seen(fc);
	}
	s->cmd_ctx = fc;
	s->abort_cmd = fetch_abort;
	fetch_next(s->c, fc);
	return;
fail:
	imap_seqset_release(&seqs);
	fetch_free(fc);
}
