/* The outbound queue on disk; see queue.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "queue.h"
#include "util.h"

#define QUEUE_MAGIC "mailtree-queue 1"

struct queue_save {
	char *store;
	char id[QUEUE_ID_LEN + 1];
	struct buf tmp_msg;	/* queue/tmp/ID.msg */
	int fd;
};

void queue_env_init(struct queue_env *env)
{
	memset(env, 0, sizeof(*env));
}

void queue_env_release(struct queue_env *env)
{
	size_t i;

	for (i = 0; i < env->rcpt_count; i++) {
		free(env->rcpts[i].addr);
		free(env->rcpts[i].orcpt);
		free(env->rcpts[i].diag);
	}
	free(env->rcpts);
	free(env->sender);
	free(env->user);
	free(env->envid);
	memset(env, 0, sizeof(*env));
}

void queue_env_add_rcpt(struct queue_env *env, const char *addr,
			const char *orcpt, unsigned int notify)
{
	struct queue_rcpt *r;

	env->rcpts = xgrow(env->rcpts, &env->rcpt_cap, env->rcpt_count + 1,
			   sizeof(*env->rcpts));
	r = &env->rcpts[env->rcpt_count++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->orcpt = orcpt != NULL ? xstrdup(orcpt) : NULL;
	r->notify = notify;
}

size_t queue_env_pending(const struct queue_env *env)
{
	size_t i, n = 0;

	for (i = 0; i < env->rcpt_count; i++)
		n += env->rcpts[i].status == QUEUE_PENDING;
	return n;
}

static const char *const status_names[] = {
	[QUEUE_PENDING] = "pending", [QUEUE_SENT] = "sent",
	[QUEUE_FAILED] = "failed",
};

/* A token of the envelope: no spaces or control bytes.  The parser
 * refuses what this would not write. */
static bool token_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

void queue_env_format(const struct queue_env *env, struct buf *out)
{
	size_t i;

	buf_printf(out, "%s\ncreated %lld\nnext %lld\nattempts %u\n",
		   QUEUE_MAGIC, (long long)env->created,
		   (long long)env->next_attempt, env->attempts);
	buf_printf(out, "sender <%s>\n", env->sender != NULL ?
		   env->sender : "");
	if (env->user != NULL && token_ok(env->user))
		buf_printf(out, "user %s\n", env->user);
	if (env->envid != NULL && token_ok(env->envid))
		buf_printf(out, "envid %s\n", env->envid);
	if (env->ret_hdrs)
		buf_puts(out, "ret hdrs\n");
	if (env->delay_warned)
		buf_puts(out, "warned delay\n");
	for (i = 0; i < env->rcpt_count; i++) {
		const struct queue_rcpt *r = &env->rcpts[i];

		buf_printf(out, "rcpt %s %x %s <%s>\n", status_names[r->status],
			   r->notify, r->orcpt != NULL && token_ok(r->orcpt) ?
			   r->orcpt : "-", r->addr);
		if (r->diag != NULL) {
			size_t start = out->len, j;

			buf_printf(out, "diag %.*s", QUEUE_MAX_DIAG, r->diag);
			/* A reply is one line in the file, whatever it held. */
			for (j = start; j < out->len; j++)
				if ((unsigned char)out->data[j] < 0x20)
					out->data[j] = ' ';
			buf_putc(out, '\n');
		}
	}
}

/* "<addr>" into a new string; NULL when malformed. */
static char *parse_angle(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || s[0] != '<' || s[n - 1] != '>' || n - 2 > 256)
		return NULL;
	for (size_t i = 1; i + 1 < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == '<' || s[i] == '>')
			return NULL;
	return xstrndup(s + 1, n - 2);
}

static int parse_time(const char *v, time_t *t_r)
{
	uint64_t n;

	if (parse_u64(v, &n) < 0 || n > INT64_MAX)
		return -EINVAL;
	*t_r = (time_t)n;
	return 0;
}

static int parse_rcpt(struct queue_env *env, char *v)
{
	char *status = v, *notify, *orcpt, *addr, *end;
	struct queue_rcpt *r;
	unsigned long bits;
	size_t i;

	if (env->rcpt_count == QUEUE_MAX_RCPTS)
		return -EINVAL;
	if ((notify = strchr(status, ' ')) == NULL)
		return -EINVAL;
	*notify++ = '\0';
	if ((orcpt = strchr(notify, ' ')) == NULL)
		return -EINVAL;
	*orcpt++ = '\0';
	if ((addr = strchr(orcpt, ' ')) == NULL)
		return -EINVAL;
	*addr++ = '\0';
	for (i = 0; i < ARRAY_SIZE(status_names); i++)
		if (strcmp(status, status_names[i]) == 0)
			break;
	if (i == ARRAY_SIZE(status_names) || *notify == '\0' ||
	    strspn(notify, "0123456789abcdef") != strlen(notify) ||
	    strlen(notify) > 2 || !token_ok(orcpt))
		return -EINVAL;
	bits = strtoul(notify, &end, 16);
	if ((addr = parse_angle(addr)) == NULL)
		return -EINVAL;
	if (*addr == '\0') {
		free(addr);
		return -EINVAL;
	}
	queue_env_add_rcpt(env, addr, strcmp(orcpt, "-") == 0 ? NULL : orcpt,
			   (unsigned int)bits & 0xf);
	free(addr);
	r = &env->rcpts[env->rcpt_count - 1];
	r->status = (enum queue_rcpt_status)i;
	return 0;
}

int queue_env_parse(const char *data, size_t len, struct queue_env *env)
{
	struct buf line = BUF_INIT;
	size_t pos = 0;
	unsigned int lineno = 0;
	bool sender_seen = false;
	int ret = 0;

	if (len > QUEUE_MAX_ENV || memchr(data, '\0', len) != NULL)
		return -EINVAL;
	while (pos < len && ret == 0) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - data - pos) : len - pos;
		char *key, *v;

		buf_reset(&line);
		buf_append(&line, data + pos, n);
		pos += n + 1;
		if (nl == NULL) {
			ret = -EINVAL;	/* every line ends in LF */
			break;
		}
		key = line.data;
		if (lineno++ == 0) {
			if (strcmp(key, QUEUE_MAGIC) != 0)
				ret = -EINVAL;
			continue;
		}
		v = strchr(key, ' ');
		if (v == NULL) {
			ret = -EINVAL;
			break;
		}
		*v++ = '\0';
		if (strcmp(key, "created") == 0) {
			ret = parse_time(v, &env->created);
		} else if (strcmp(key, "next") == 0) {
			ret = parse_time(v, &env->next_attempt);
		} else if (strcmp(key, "attempts") == 0) {
			ret = parse_u32(v, &env->attempts);
		} else if (strcmp(key, "sender") == 0 && !sender_seen) {
			sender_seen = true;
			env->sender = parse_angle(v);
			if (env->sender == NULL)
				ret = -EINVAL;
		} else if (strcmp(key, "user") == 0 && env->user == NULL &&
			   token_ok(v)) {
			env->user = xstrdup(v);
		} else if (strcmp(key, "envid") == 0 && env->envid == NULL &&
			   token_ok(v)) {
			env->envid = xstrdup(v);
		} else if (strcmp(key, "ret") == 0 && strcmp(v, "hdrs") == 0) {
			env->ret_hdrs = true;
		} else if (strcmp(key, "warned") == 0 &&
			   strcmp(v, "delay") == 0) {
			env->delay_warned = true;
		} else if (strcmp(key, "rcpt") == 0) {
			ret = parse_rcpt(env, v);
		} else if (strcmp(key, "diag") == 0 && env->rcpt_count > 0 &&
			   env->rcpts[env->rcpt_count - 1].diag == NULL) {
			env->rcpts[env->rcpt_count - 1].diag =
				xstrndup(v, strnlen(v, QUEUE_MAX_DIAG));
		} else {
			ret = -EINVAL;
		}
	}
	buf_release(&line);
	if (ret == 0 && (lineno == 0 || !sender_seen || env->rcpt_count == 0))
		ret = -EINVAL;
	return ret;
}

void queue_dir(const char *store, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s", store, QUEUE_DIR);
}

void queue_path(const char *store, const char *id, const char *what,
		struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s/%s.%s", store, QUEUE_DIR, id, what);
}

bool queue_id_valid(const char *id)
{
	return strlen(id) == QUEUE_ID_LEN &&
	       strspn(id, "0123456789abcdef") == QUEUE_ID_LEN;
}

int queue_save_begin(const char *store, struct queue_save **qs_r)
{
	struct queue_save *qs;
	struct buf dir = BUF_INIT;
	uint32_t rnd;
	int ret;

	*qs_r = NULL;
	queue_dir(store, &dir);
	buf_puts(&dir, "/tmp");
	ret = mkdir_p(dir.data, 0700);
	if (ret < 0) {
		buf_release(&dir);
		return ret;
	}
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		fatal("getrandom failed");
	qs = xcalloc(1, sizeof(*qs));
	qs->store = xstrdup(store);
	/* The time first, so that sorting ids sorts by age. */
	xsnprintf(qs->id, sizeof(qs->id), "%08llx%08x",
		  (unsigned long long)time(NULL) & 0xffffffffULL, rnd);
	buf_init(&qs->tmp_msg);
	buf_printf(&qs->tmp_msg, "%s/%s.msg", dir.data, qs->id);
	buf_release(&dir);
	qs->fd = open(qs->tmp_msg.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		      0600);
	if (qs->fd < 0) {
		ret = -errno;
		buf_release(&qs->tmp_msg);
		free(qs->store);
		free(qs);
		return ret;
	}
	*qs_r = qs;
	return 0;
}

int queue_save_write(struct queue_save *qs, const void *data, size_t len)
{
	return write_full(qs->fd, data, len);
}

const char *queue_save_id(const struct queue_save *qs)
{
	return qs->id;
}

static void queue_save_free(struct queue_save **qsp)
{
	struct queue_save *qs = *qsp;

	if (qs->fd >= 0)
		close(qs->fd);
	buf_release(&qs->tmp_msg);
	free(qs->store);
	free(qs);
	*qsp = NULL;
}

void queue_save_abort(struct queue_save **qsp)
{
	if (*qsp == NULL)
		return;
	unlink((*qsp)->tmp_msg.data);
	queue_save_free(qsp);
}

int queue_save_finish(struct queue_save **qsp, struct queue_env *env)
{
	struct queue_save *qs = *qsp;
	struct buf path = BUF_INIT, text = BUF_INIT, dir = BUF_INIT;
	int ret = 0;

	memcpy(env->id, qs->id, sizeof(env->id));
	if (env->created == 0)
		env->created = time(NULL);
	if (fsync(qs->fd) < 0)
		ret = -errno;
	if (close(qs->fd) < 0 && ret == 0)
		ret = -errno;
	qs->fd = -1;
	queue_path(qs->store, qs->id, "msg", &path);
	if (ret == 0 && rename(qs->tmp_msg.data, path.data) < 0)
		ret = -errno;
	if (ret == 0) {
		/* The envelope makes the entry: written last. */
		queue_env_format(env, &text);
		queue_path(qs->store, qs->id, "env", &path);
		ret = write_file_atomic(path.data, text.data, text.len, 0600);
		if (ret < 0) {
			queue_path(qs->store, qs->id, "msg", &path);
			unlink(path.data);
		}
	} else {
		unlink(qs->tmp_msg.data);
	}
	buf_release(&path);
	buf_release(&text);
	buf_release(&dir);
	queue_save_free(qsp);
	return ret;
}

int queue_read(const char *store, const char *id, struct queue_env *env)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret;

	if (!queue_id_valid(id))
		return -ENOENT;
	queue_path(store, id, "env", &path);
	ret = read_file_small(path.data, QUEUE_MAX_ENV, &text);
	if (ret == 0) {
		ret = queue_env_parse(text.data, text.len, env);
		memcpy(env->id, id, QUEUE_ID_LEN + 1);
	}
	buf_release(&path);
	buf_release(&text);
	return ret;
}

int queue_update(const char *store, const struct queue_env *env)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret;

	queue_path(store, env->id, "env", &path);
	if (access(path.data, F_OK) < 0) {
		ret = -errno;
	} else {
		queue_env_format(env, &text);
		ret = write_file_atomic(path.data, text.data, text.len, 0600);
	}
	buf_release(&path);
	buf_release(&text);
	return ret;
}

int queue_remove(const char *store, const char *id)
{
	struct buf path = BUF_INIT;
	int ret = 0;

	if (!queue_id_valid(id))
		return -ENOENT;
	queue_path(store, id, "env", &path);
	if (unlink(path.data) < 0)
		ret = -errno;
	queue_path(store, id, "msg", &path);
	if (unlink(path.data) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0) {
		queue_dir(store, &path);
		ret = fsync_dir(path.data);
	}
	buf_release(&path);
	return ret;
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int queue_list(const char *store, char ***ids_r, size_t *count_r)
{
	struct buf dir = BUF_INIT;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*ids_r = NULL;
	*count_r = 0;
	queue_dir(store, &dir);
	d = opendir(dir.data);
	buf_release(&dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strchr(de->d_name, '.');

		if (dot == NULL || strcmp(dot, ".env") != 0 ||
		    dot - de->d_name != QUEUE_ID_LEN)
			continue;
		ids = xgrow(ids, &cap, n + 1, sizeof(*ids));
		ids[n] = xstrndup(de->d_name, QUEUE_ID_LEN);
		if (!queue_id_valid(ids[n])) {
			free(ids[n]);
			continue;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(ids, n, sizeof(*ids), cmp_ids);
	*ids_r = ids;
	*count_r = n;
	return 0;
}
