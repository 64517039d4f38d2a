#ifndef MAILTREE_QUEUE_H
#define MAILTREE_QUEUE_H

/*
 * The outbound mail queue, under STORE/queue/.  An entry is two files
 * named by its id: ID.msg, the message as it will be sent (LF line
 * endings, not dot-stuffed), and ID.env, its envelope (sender, DSN
 * parameters, recipients with their state, the retry schedule) in the
 * text format queue_env_format() writes and mailtree-store(5) describes.
 *
 * A new entry is written into queue/tmp/, fsync()ed, and renamed into
 * queue/: the message first, the envelope last, then the directory is
 * fsync()ed.  An entry exists once its envelope does, so a crash at any
 * point leaves either a whole entry or nothing but a stray file that
 * queue_list() ignores.  Envelope updates replace the file atomically.
 *
 * Functions return 0 or a negative errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;

#define QUEUE_DIR		"queue"
#define QUEUE_ID_LEN		16	/* hex digits */
#define QUEUE_MAX_ENV		(4 << 20)	/* an envelope file */
#define QUEUE_MAX_RCPTS		10000
#define QUEUE_MAX_DIAG		512	/* a recipient's last error */

/* RFC 3461 NOTIFY; 0 means the default (FAILURE and DELAY). */
#define QUEUE_NOTIFY_NEVER	0x1
#define QUEUE_NOTIFY_SUCCESS	0x2
#define QUEUE_NOTIFY_FAILURE	0x4
#define QUEUE_NOTIFY_DELAY	0x8

enum queue_rcpt_status {
	QUEUE_PENDING,		/* not delivered yet; retried */
	QUEUE_SENT,		/* accepted by the next hop or stored */
	QUEUE_FAILED,		/* permanent failure or expired; bounced */
};

struct queue_rcpt {
	char *addr;
	char *orcpt;		/* RFC 3461 ORCPT "type;xtext", or NULL */
	unsigned int notify;	/* QUEUE_NOTIFY_* bits */
	enum queue_rcpt_status status;
	char *diag;		/* the last reply or error, or NULL */
};

struct queue_env {
	char id[QUEUE_ID_LEN + 1];
	char *sender;		/* "" is the null sender */
	char *user;		/* who submitted it, or NULL */
	char *envid;		/* RFC 3461 ENVID xtext, or NULL */
	bool ret_hdrs;		/* RET=HDRS: bounces carry only the header */
	time_t created, next_attempt;
	unsigned int attempts;
	bool delay_warned;	/* the sender was told it is delayed */
	struct queue_rcpt *rcpts;
	size_t rcpt_count, rcpt_cap;
};

struct queue_save;

void queue_env_init(struct queue_env *env);
void queue_env_release(struct queue_env *env);
/* Adds a pending recipient; orcpt may be NULL.  The strings are copied. */
void queue_env_add_rcpt(struct queue_env *env, const char *addr,
			const char *orcpt, unsigned int notify);
/* The envelope as text (the format of ID.env). */
void queue_env_format(const struct queue_env *env, struct buf *out);
/* Parses an envelope's text; -EINVAL for anything malformed.  env must be
 * initialised; its id is left alone. */
int queue_env_parse(const char *data, size_t len, struct queue_env *env);
/* Recipients still pending. */
size_t queue_env_pending(const struct queue_env *env);

/* STORE/queue, and the path of an entry's file ("msg" or "env"). */
void queue_dir(const char *store, struct buf *out);
void queue_path(const char *store, const char *id, const char *what,
		struct buf *out);
/* Is id the name of an entry (QUEUE_ID_LEN lower-case hex digits)? */
bool queue_id_valid(const char *id);

/* A new entry: the message is streamed in, then the envelope given to
 * queue_save_finish() is written and both become visible.  The id is
 * chosen at begin (queue_save_id()). */
int queue_save_begin(const char *store, struct queue_save **qs_r);
int queue_save_write(struct queue_save *qs, const void *data, size_t len);
const char *queue_save_id(const struct queue_save *qs);
/* Durable on return 0 (both files and the directory fsync()ed); env->id
 * and env->created are filled in.  Frees qs either way. */
int queue_save_finish(struct queue_save **qs, struct queue_env *env);
void queue_save_abort(struct queue_save **qs);

/* Reads an entry's envelope; -ENOENT when there is no such entry. */
int queue_read(const char *store, const char *id, struct queue_env *env);
/* Replaces an entry's envelope; -ENOENT when the entry was removed
 * meanwhile (mailtree queue delete), so it is not brought back. */
int queue_update(const char *store, const struct queue_env *env);
/* Removes an entry (envelope first, so it is gone at once). */
int queue_remove(const char *store, const char *id);
/* The ids of every entry, sorted (oldest first: ids start with the time).
 * *ids_r is an array of *count_r strings, each to free(), then free() it. */
int queue_list(const char *store, char ***ids_r, size_t *count_r);

#endif
