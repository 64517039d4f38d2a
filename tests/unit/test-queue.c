/* The outbound queue on disk (fs/queue.c): the envelope format, and
 * entries saved, read, updated, listed and removed. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "queue.h"
#include "util.h"
#include "../tap.h"

static const char env_text[] =
	"mailtree-queue 1\n"
	"created 1700000000\n"
	"next 1700000300\n"
	"attempts 2\n"
	"sender <alice@a.example>\n"
	"user alice\n"
	"envid e+2B1\n"
	"ret hdrs\n"
	"warned delay\n"
	"rcpt pending 0 - <bob@b.example>\n"
	"diag 451 4.3.0 try later\n"
	"rcpt failed c rfc822;carol@c.example <carol@c.example>\n"
	"rcpt sent 2 - <dave@d.example>\n";

static int parse_str(const char *s, struct queue_env *env)
{
	return queue_env_parse(s, strlen(s), env);
}

int main(void)
{
	struct queue_env env, back;
	struct buf text = BUF_INIT, path = BUF_INIT;
	struct queue_save *qs;
	char *dir = tap_tmpdir("test-queue");
	char **ids;
	size_t n, i;
	int parsed = 0;

	queue_env_init(&env);
	is_int(queue_env_parse(env_text, strlen(env_text), &env), 0,
	       "an envelope parses");
	is_str(env.sender, "alice@a.example", "sender");
	is_str(env.user, "alice", "user");
	is_str(env.envid, "e+2B1", "envid");
	ok(env.ret_hdrs, "RET=HDRS");
	ok(env.delay_warned, "the sender was told of the delay");
	is_int(env.attempts, 2, "attempts");
	is_int((int)(env.next_attempt - env.created), 300, "next attempt");
	is_int(env.rcpt_count, 3, "three recipients");
	is_str(env.rcpts[0].diag, "451 4.3.0 try later", "diag of the first");
	is_int(env.rcpts[1].status, QUEUE_FAILED, "second failed");
	is_int(env.rcpts[1].notify, QUEUE_NOTIFY_FAILURE | QUEUE_NOTIFY_DELAY,
	       "NOTIFY bits");
	is_str(env.rcpts[1].orcpt, "rfc822;carol@c.example", "ORCPT");
	is_int(queue_env_pending(&env), 1, "one pending");
	queue_env_format(&env, &text);
	is_str(text.data, env_text, "formatting gives the same text back");
	queue_env_release(&env);

	/* Every truncation is refused or parses; nothing crashes. */
	for (i = 0; i < strlen(env_text); i++) {
		queue_env_init(&env);
		if (queue_env_parse(env_text, i, &env) == 0)
			parsed++;
		queue_env_release(&env);
	}
	ok(parsed > 0 && parsed < 6, "only truncations at a line end parse "
	   "(%d)", parsed);
	queue_env_init(&env);
	is_int(parse_str("mailtree-queue 1\nsender <a@b>\n", &env),
	       -EINVAL, "no recipient: refused");
	queue_env_release(&env);
	queue_env_init(&env);
	is_int(parse_str("mailtree-queue 1\nsender <a@b>\nrcpt pending 0 - "
			 "<x y>\n", &env), -EINVAL,
	       "a space in an address: refused");
	queue_env_release(&env);
	queue_env_init(&env);
	is_int(parse_str("mailtree-queue 1\nsender <a@b>\nbogus 1\n"
			 "rcpt pending 0 - <x@y>\n", &env), -EINVAL,
	       "an unknown key: refused");
	queue_env_release(&env);

	/* An entry on disk. */
	is_int(queue_save_begin(dir, &qs), 0, "save begins");
	ok(queue_id_valid(queue_save_id(qs)), "the id is valid");
	is_int(queue_save_write(qs, "Subject: q\n\nbody\n", 17), 0, "write");
	queue_env_init(&env);
	env.sender = xstrdup("alice@a.example");
	queue_env_add_rcpt(&env, "bob@b.example", NULL, 0);
	is_int(queue_save_finish(&qs, &env), 0, "save finishes");
	ok(qs == NULL, "the save is freed");
	ok(env.created > 0, "created is set");
	is_int(queue_list(dir, &ids, &n), 0, "list");
	is_int(n, 1, "one entry");
	is_str(n > 0 ? ids[0] : "", env.id, "with the id of the save");
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	queue_path(dir, env.id, "msg", &path);
	buf_reset(&text);
	is_int(read_file_small(path.data, 1000, &text), 0, "the message file");
	is_str(text.data, "Subject: q\n\nbody\n", "holds the bytes");
	queue_env_init(&back);
	is_int(queue_read(dir, env.id, &back), 0, "read back");
	is_str(back.rcpts[0].addr, "bob@b.example", "recipient");
	back.rcpts[0].status = QUEUE_SENT;
	back.rcpts[0].diag = xstrdup("250 ok\r\nsecond line");
	is_int(queue_update(dir, &back), 0, "update");
	queue_env_release(&back);
	queue_env_init(&back);
	is_int(queue_read(dir, env.id, &back), 0, "read again");
	is_int(back.rcpts[0].status, QUEUE_SENT, "the update is there");
	is_str(back.rcpts[0].diag, "250 ok  second line",
	       "a reply's line breaks become spaces");
	queue_env_release(&back);
	is_int(queue_remove(dir, env.id), 0, "remove");
	queue_env_init(&back);
	is_int(queue_read(dir, env.id, &back), -ENOENT, "gone");
	is_int(queue_update(dir, &env), -ENOENT,
	       "an update does not bring a removed entry back");
	queue_env_release(&back);
	is_int(queue_read(dir, "../../etc/passwd", &back), -ENOENT,
	       "ids are checked");
	is_int(queue_save_begin(dir, &qs), 0, "another save");
	queue_save_abort(&qs);
	is_int(queue_list(dir, &ids, &n), 0, "list");
	is_int(n, 0, "an aborted save leaves no entry");
	free(ids);
	queue_env_release(&env);
	buf_release(&text);
	buf_release(&path);
	remove_tree(dir);
	free(dir);
	return done_testing();
}
