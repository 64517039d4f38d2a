/*
 * The shared passwd database: one parse while the file is unchanged, a
 * new parse when it is replaced or rewritten, and a database handed out
 * earlier stays valid until released.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "passwd-cache.h"
#include "passwd.h"
#include "util.h"
#include "../tap.h"

/* Replaced by rename (a new inode), as passwd_add() does. */
static int put(const char *path, const char *text)
{
	return write_file_atomic(path, text, strlen(text), 0600);
}

int main(void)
{
	char *dir = tap_tmpdir("test-passwd-cache");
	struct passwd_db *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/passwd", dir);
	is_int(passwd_cache_open(path.data, &a), -ENOENT,
	       "no file: ENOENT, as passwd_open()");
	ok(put(path.data, "alice:{PLAIN}x::::::\n") == 0, "write a passwd file");
	is_int(passwd_cache_open(path.data, &a), 0, "open it");
	ok(a != NULL && passwd_lookup(a, "alice") != NULL, "alice is there");
	is_int(passwd_cache_open(path.data, &b), 0, "open it again");
	ok(a == b, "unchanged: the same parse is shared");
	passwd_cache_release(&b);
	ok(b == NULL, "release sets the pointer NULL");

	ok(put(path.data, "alice:{PLAIN}x::::::\nbob:{PLAIN}y::::::\n") == 0,
	   "replace the file by rename");
	is_int(passwd_cache_open(path.data, &c), 0, "open after the change");
	ok(c != a && c != NULL && passwd_lookup(c, "bob") != NULL,
	   "a new parse that knows bob");
	ok(passwd_lookup(a, "bob") == NULL && passwd_lookup(a, "alice") != NULL,
	   "the old database is still valid and unchanged");
	passwd_cache_release(&a);

	/* Rewritten in place (same inode), as an editor might: the size
	 * differs, so it is read again. */
	f = fopen(path.data, "w");
	ok(f != NULL, "rewrite the file in place");
	if (f != NULL) {
		fputs("carol:{PLAIN}z::::::\n", f);
		fclose(f);
	}
	is_int(passwd_cache_open(path.data, &d), 0, "open after the rewrite");
	ok(d != NULL && passwd_lookup(d, "carol") != NULL &&
	   passwd_lookup(d, "alice") == NULL, "carol, and alice is gone");
	passwd_cache_release(&c);
	passwd_cache_release(&d);
	passwd_cache_cleanup();
	unlink(path.data);
	rmdir(dir);
	buf_release(&path);
	free(dir);
	return done_testing();
}
