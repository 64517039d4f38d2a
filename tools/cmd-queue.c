/* mailtree queue: the outbound queue of mailtreed (fs/queue.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "cmd.h"
#include "queue.h"
#include "util.h"

static void print_time(time_t t)
{
	char s[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL &&
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		fputs(s, stdout);
	else
		fputs("-", stdout);
}

/* One line an entry: id, size, arrival, attempts, next, sender, the
 * recipients still pending. */
static int queue_cmd_list(void)
{
	struct buf path = BUF_INIT;
	char **ids;
	size_t n, i, j;
	int ret;

	ret = queue_list(tool_store, &ids, &n);
	if (ret < 0)
		return tool_fail(ret, "cannot list the queue");
	for (i = 0; i < n; i++) {
		struct queue_env env;
		struct stat st;

		queue_env_init(&env);
		if (queue_read(tool_store, ids[i], &env) == 0) {
			queue_path(tool_store, ids[i], "msg", &path);
			printf("%s %lld ", ids[i], stat(path.data, &st) == 0 ?
			       (long long)st.st_size : -1LL);
			print_time(env.created);
			printf(" %u ", env.attempts);
			print_time(env.next_attempt);
			printf(" <%s>", env.sender);
			for (j = 0; j < env.rcpt_count; j++)
				if (env.rcpts[j].status == QUEUE_PENDING)
					printf(" %s", env.rcpts[j].addr);
			putchar('\n');
		}
		queue_env_release(&env);
		free(ids[i]);
	}
	free(ids);
	buf_release(&path);
	return EX_OK;
}

static int queue_cmd_show(const char *id, bool message)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret;

	if (!queue_id_valid(id))
		return tool_fail(-ENOENT, "%s: not a queue id", id);
	queue_path(tool_store, id, "env", &path);
	ret = read_file_small(path.data, QUEUE_MAX_ENV, &text);
	if (ret == 0) {
		fwrite(text.data, 1, text.len, stdout);
		if (message) {
			FILE *f;
			char b[16384];
			size_t got;

			queue_path(tool_store, id, "msg", &path);
			f = fopen(path.data, "re");
			if (f == NULL) {
				ret = -errno;
			} else {
				putchar('\n');
				while ((got = fread(b, 1, sizeof(b), f)) > 0)
					fwrite(b, 1, got, stdout);
				fclose(f);
			}
		}
	}
	buf_release(&path);
	buf_release(&text);
	return ret < 0 ? tool_fail(ret, "queue entry %s", id) : EX_OK;
}

/* Makes entries due now; the daemon's runner looks at the queue at
 * least once a minute (every queue_retry seconds, if shorter). */
static int queue_cmd_flush(int argc, char **argv)
{
	char **ids = NULL;
	size_t n, i;
	int ret, code = EX_OK;

	if (argc > 0) {
		ids = argv;
		n = (size_t)argc;
	} else if ((ret = queue_list(tool_store, &ids, &n)) < 0) {
		return tool_fail(ret, "cannot list the queue");
	}
	for (i = 0; i < n; i++) {
		struct queue_env env;

		queue_env_init(&env);
		ret = queue_read(tool_store, ids[i], &env);
		if (ret == 0) {
			env.next_attempt = 0;
			ret = queue_update(tool_store, &env);
		}
		if (ret < 0)
			code = tool_fail(ret, "queue entry %s", ids[i]);
		queue_env_release(&env);
		if (argc == 0)
			free(ids[i]);
	}
	if (argc == 0)
		free(ids);
	return code;
}

static int queue_cmd_delete(int argc, char **argv)
{
	int i, ret, code = EX_OK;

	for (i = 0; i < argc; i++) {
		ret = queue_remove(tool_store, argv[i]);
		if (ret < 0)
			code = tool_fail(ret, "queue entry %s", argv[i]);
	}
	return code;
}

static int run(int argc, char **argv)
{
	int code;

	if (tool_wants_help(&cmd_queue, argc, argv))
		return EX_OK;
	if (argc < 2)
		return tool_usage(&cmd_queue, true);
	if ((code = tool_need_store()) != EX_OK)
		return code;
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return queue_cmd_list();
	if (strcmp(argv[1], "show") == 0 && argc == 3)
		return queue_cmd_show(argv[2], false);
	if (strcmp(argv[1], "show") == 0 && argc == 4 &&
	    strcmp(argv[2], "-m") == 0)
		return queue_cmd_show(argv[3], true);
	if (strcmp(argv[1], "flush") == 0)
		return queue_cmd_flush(argc - 2, argv + 2);
	if (strcmp(argv[1], "delete") == 0 && argc > 2)
		return queue_cmd_delete(argc - 2, argv + 2);
	return tool_usage(&cmd_queue, true);
}

const struct cmd cmd_queue = {
	"queue", "list, show, flush or delete outbound queue entries",
	"usage: mailtree queue list\n"
	"       mailtree queue show [-m] ID\n"
	"       mailtree queue flush [ID...]\n"
	"       mailtree queue delete ID...\n"
	"list prints one line an entry: id, size, arrival time, attempts,\n"
	"next attempt, sender and the recipients still pending.  show prints\n"
	"an entry's envelope (-m: and its message).  flush makes entries due\n"
	"now; mailtreed tries them within a minute.  delete removes entries\n"
	"without a bounce.\n",
	run,
};
