/* Tests for the Dovecot-format passwd file (fs/passwd*.c). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "buf.h"
#include "passwd.h"
#include "util.h"
#include "../tap.h"

static char tmpdir[4096];

static const char sample[] =
	"# Dovecot passwd-file\n"
	"\n"
	"alice:{PLAIN}secret:1000:1000::/home/alice::"
		"userdb_mail=maildir:~/Maildir quota_rule=*:storage=1G\n"
	"bob:{SHA512-CRYPT}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQ"
		"DfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0"
		":1001:1002:Bob B:/home/bob:/bin/false\n"
	"carol:$1$md5salt$uD9FtsynJUVFmcr65qpr71\n"
	"dave\n"
	"   \n"
	"erin:{PLAIN}e::::::\r\n"
	"old:{PLAIN}o:1003:1003::/home/old:::/var/mail/old:x\n"
	"user@example.com:{PLAIN}v:::::\n"
	"# the end\n";

static void check_sample(const struct passwd_db *db, const char *how)
{
	const struct passwd_entry *e;

	is_int(passwd_count(db), 7, "%s: 7 users", how);
	is_int(passwd_error_count(db), 0, "%s: no bad lines", how);
	e = passwd_lookup(db, "alice");
	ok(e != NULL, "%s: alice found", how);
	if (e == NULL)
		return;
	is_str(e->password, "{PLAIN}secret", "%s: alice password", how);
	is_int(e->uid, 1000, "%s: alice uid", how);
	is_int(e->gid, 1000, "%s: alice gid", how);
	is_str(e->home, "/home/alice", "%s: alice home", how);
	is_str(e->extra, "userdb_mail=maildir:~/Maildir "
	       "quota_rule=*:storage=1G", "%s: alice extra fields", how);
	is_int(e->line, 3, "%s: alice line number", how);

	e = passwd_lookup(db, "bob");
	ok(e != NULL && strcmp(e->gecos, "Bob B") == 0 &&
	   strcmp(e->shell, "/bin/false") == 0 && e->uid == 1001 &&
	   e->gid == 1002 && e->extra[0] == '\0', "%s: bob's fields", how);
	e = passwd_lookup(db, "carol");
	ok(e != NULL && strcmp(e->password,
			       "$1$md5salt$uD9FtsynJUVFmcr65qpr71") == 0 &&
	   e->uid == 0 && e->home[0] == '\0', "%s: carol has two fields", how);
	e = passwd_lookup(db, "dave");
	ok(e != NULL && e->password[0] == '\0', "%s: dave has a name only",
	   how);
	e = passwd_lookup(db, "erin");
	is_str(e ? e->password : NULL, "{PLAIN}e", "%s: CRLF stripped", how);
	e = passwd_lookup(db, "old");
	is_str(e ? e->extra : NULL, "userdb_mail=/var/mail/old:x",
	       "%s: old style mail field", how);
	ok(passwd_lookup(db, "user@example.com") != NULL,
	   "%s: user with domain", how);
	ok(passwd_lookup(db, "Alice") == NULL, "%s: lookup is case-sensitive",
	   how);
	ok(passwd_lookup(db, "alic") == NULL, "%s: no prefix match", how);
	is_str(passwd_entry_at(db, 0)->name, "alice", "%s: file order 0", how);
	is_str(passwd_entry_at(db, 6)->name, "user@example.com",
	       "%s: file order 6", how);
	ok(passwd_entry_at(db, 7) == NULL, "%s: past the end", how);
}

static void test_parse(void)
{
	struct passwd_db *db;
	FILE *f;
	size_t i;

	is_int(passwd_parse(sample, strlen(sample), &db), 0, "parse buffer");
	check_sample(db, "buffer");
	passwd_free(&db);
	ok(db == NULL, "passwd_free sets NULL");

	db = passwd_new();
	for (i = 0; i < strlen(sample); i++)
		passwd_feed(db, sample + i, 1);
	is_int(passwd_finish(db), 0, "parse one byte at a time");
	check_sample(db, "bytewise");
	passwd_free(&db);

	f = fmemopen((void *)sample, strlen(sample), "r");
	is_int(passwd_parse_stream(f, &db), 0, "parse stream");
	fclose(f);
	check_sample(db, "stream");
	passwd_free(&db);

	is_int(passwd_parse("", 0, &db), 0, "empty file");
	is_int(passwd_count(db), 0, "no users in an empty file");
	ok(passwd_lookup(db, "alice") == NULL, "lookup in an empty db");
	passwd_free(&db);
}

static void test_bad_lines(void)
{
	struct buf in = BUF_INIT;
	struct passwd_db *db;
	static const struct {
		unsigned int line;
		const char *what;
	} want[] = {
		{ 2, "empty user name" },
		{ 3, "uid is not a number" },
		{ 4, "uid 0" },
		{ 5, "duplicate" },
		{ 6, "whitespace" },
		{ 7, "leading dot" },
		{ 8, "NUL byte" },
		{ 9, "over-long line" },
		{ 10, "gid too big" },
	};
	size_t i;

	buf_puts(&in, "good:{PLAIN}a\n");
	buf_puts(&in, ":{PLAIN}nobody\n");
	buf_puts(&in, "bad:{PLAIN}b:abc\n");
	buf_puts(&in, "zero:{PLAIN}b:0:0\n");
	buf_puts(&in, "good:{PLAIN}dup\n");
	buf_puts(&in, "a b:{PLAIN}c\n");
	buf_puts(&in, ".hidden:{PLAIN}d\n");
	buf_append(&in, "nul\0:x\n", 7);
	buf_puts(&in, "long:{PLAIN}");
	for (i = 0; i < 9000; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\n");
	buf_puts(&in, "big:{PLAIN}e:1:4294967296\n");
	buf_puts(&in, "last:{PLAIN}z");		/* no final newline */

	is_int(passwd_parse(in.data, in.len, &db), 0, "bad lines not fatal");
	is_int(passwd_count(db), 2, "two good users");
	is_str(passwd_lookup(db, "good")->password, "{PLAIN}a",
	       "the first of two lines counts");
	ok(passwd_lookup(db, "last") != NULL, "last line without newline");
	is_int(passwd_error_count(db), ARRAY_SIZE(want), "bad lines counted");
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		char prefix[32];
		const char *msg = passwd_error_at(db, i);

		snprintf(prefix, sizeof(prefix), "line %u: ", want[i].line);
		ok(msg != NULL && strncmp(msg, prefix, strlen(prefix)) == 0,
		   "%s reported as %s", want[i].what, msg ? msg : "nothing");
	}
	ok(passwd_error_at(db, ARRAY_SIZE(want)) == NULL, "no more errors");
	passwd_free(&db);

	/* The bound: PASSWD_MAX_LINE bytes pass, one more does not. */
	buf_reset(&in);
	buf_puts(&in, "edge:{PLAIN}");
	while (in.len < PASSWD_MAX_LINE)
		buf_putc(&in, 'y');
	buf_puts(&in, "\nover:{PLAIN}");
	while (in.len < 2 * PASSWD_MAX_LINE + 2)
		buf_putc(&in, 'y');
	buf_puts(&in, "\nafter:{PLAIN}q\n");
	db = passwd_new();
	for (i = 0; i < in.len; i += 1000)
		passwd_feed(db, in.data + i, in.len - i < 1000 ? in.len - i
							       : 1000);
	is_int(passwd_finish(db), 0, "long lines fed in chunks");
	ok(passwd_lookup(db, "edge") != NULL, "line of exactly 8192 bytes");
	ok(passwd_lookup(db, "over") == NULL, "line of 8193 bytes refused");
	ok(passwd_lookup(db, "after") != NULL, "parsing goes on after it");
	is_str(passwd_error_at(db, 0), "line 2: line is longer than 8192 bytes",
	       "over-long line reported with its number");
	passwd_free(&db);
	buf_release(&in);
}

static void test_names(void)
{
	static const char *const good[] = {
		"alice", "user@example.com", "a.b", "\xc3\xbc", "a-b", "x_1",
	};
	static const char *const bad[] = {
		"", "a:b", "a/b", "a\tb", "a b", "a..b", "..", ".a", "-a",
		"#a", "a\x7f", "a\nb",
	};
	char name[300];
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		ok(passwd_user_name_valid(good[i], &why), "valid: %s", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		ok(!passwd_user_name_valid(bad[i], &why) && why != NULL,
		   "invalid: \"%s\" (%s)", bad[i], why ? why : "");
	}
	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	ok(passwd_user_name_valid(name, NULL), "255 bytes is valid");
	name[255] = 'n';
	name[256] = '\0';
	ok(!passwd_user_name_valid(name, &why), "256 bytes is not");
}

static const struct {
	const char *stored;
} vectors[] = {
	/* openssl passwd -6 / -5 / -1, written when the test was. */
	{ "{SHA512-CRYPT}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDf"
	  "Mib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0" },
	{ "{sha512-crypt}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDf"
	  "Mib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0" },
	{ "$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDf"
	  "Mib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0" },
	{ "{SHA256-CRYPT}$5$pepper12$5KicQ/t4NizK2SNzaI9U/YzkbEVydkQGOIozUw/"
	  "4H01" },
	{ "{MD5-CRYPT}$1$md5salt$uD9FtsynJUVFmcr65qpr71" },
	{ "$1$md5salt$uD9FtsynJUVFmcr65qpr71" },
	/* Python's crypt (libxcrypt). */
	{ "{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs."
	  "NLUTJO3lOy2" },
	{ "{CRYPT}abhfCpXqd4GrI" },
	{ "abhfCpXqd4GrI" },
	/* Python's hashlib and base64, salt 01..08 or "xy". */
	{ "{SSHA}NSZEu/ZzEMKdBO5ESNEYml3qKRYBAgMEBQYHCA==" },
	{ "{SSHA256}CFsq5JPfiBQ0W3uR5Dnao+9mknEq9a739V+FPkJ6yjABAgMEBQYHCA==" },
	{ "{SSHA512}ggObOJHDWCqgI5uFv/j9yDNYMvdTgt+Toj8d6cGrSG/e+E9GbH4DkQ8y5j"
	  "Y3NblhoGens+zNVX1mZaFy0qwRwwECAwQFBgcI" },
	{ "{SMD5}vPjZQdkpEUFwnJ1WNg63FAECAwQFBgcI" },
	{ "{SSHA256.HEX}cc26d5e0a94d4c79d3d3bcaeb30439651e9fd3b1f34079eafcb0"
	  "01d51408b4407879" },
	{ "{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=" },
	{ "{SHA1}L55TUjtiq8FBorTWAZ0jy6g129A" },	/* padding left out */
	{ "{SHA256}4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e920318"
	  "7b5631" },					/* hex, guessed */
	{ "{SHA512}VraY3v7bWkNbY0r+MyC7rz/c2SC2xQOkRvx7endrKY1HnRumqLYXgI6wv1"
	  "ec6aldZoNHvKtxSQhayTyyeZUZew==" },
	{ "{PLAIN-MD5}3cb4e732631f47e6eb961f34554b7cde" },
	{ "{LDAP-MD5}PLTnMmMfR+brlh80VUt83g==" },
	{ "{PLAIN}correct horse" },
	{ "{plain}correct horse" },
	{ "{CLEARTEXT}correct horse" },
	{ "{PLAIN.b64}Y29ycmVjdCBob3JzZQ==" },
};

static void test_vectors(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		is_int(passwd_verify_hash(vectors[i].stored, "correct horse"),
		       1, "right password: %.40s", vectors[i].stored);
		/* DES crypt reads only 8 characters: change the first. */
		is_int(passwd_verify_hash(vectors[i].stored, "Correct horse"),
		       0, "wrong password: %.40s", vectors[i].stored);
		if (strstr(vectors[i].stored, "abhfCpXqd4GrI") == NULL)
			is_int(passwd_verify_hash(vectors[i].stored,
						  "correct horsE"), 0,
			       "last character wrong: %.40s",
			       vectors[i].stored);
	}
	is_int(passwd_verify_hash("{PLAIN}correct horse", "correct horse "), 0,
	       "PLAIN: longer password fails");
	is_int(passwd_verify_hash("{PLAIN}correct horse", ""), 0,
	       "PLAIN: empty password fails");
	is_int(passwd_verify_hash("{PLAIN.B64}cGFzczp3b3Jk", "pass:word"), 1,
	       "PLAIN.B64 holds a ':'");

	is_int(passwd_verify_hash("{FOO}bar", "bar"), -ENOTSUP,
	       "unknown scheme refused");
	is_int(passwd_verify_hash("{PLAIN.ROT13}bar", "bar"), -ENOTSUP,
	       "unknown encoding suffix refused");
	is_int(passwd_verify_hash("{SSHA}!!!!", "x"), -EINVAL,
	       "bad base64 refused");
	is_int(passwd_verify_hash("{SSHA}AAAA", "x"), -EINVAL,
	       "SSHA shorter than its digest refused");
	is_int(passwd_verify_hash("{SHA}AAAA", "x"), -EINVAL,
	       "SHA of the wrong size refused");
	is_int(passwd_verify_hash("{SSHA256.HEX}abc", "x"), -EINVAL,
	       "odd hex refused");
	is_int(passwd_verify_hash("{CRYPT}$9$nonsense", "x"), -EINVAL,
	       "crypt setting libcrypt refuses");
	is_int(passwd_verify_hash("", ""), 0, "empty stored password never "
	       "matches");
	is_int(passwd_verify_hash("{PLAIN}", "x"), 0, "empty PLAIN, wrong");
}

static void test_hash(void)
{
	static const struct {
		const char *scheme, *prefix;
	} schemes[] = {
		{ NULL, "{SHA512-CRYPT}$6$" },
		{ "SHA512-CRYPT", "{SHA512-CRYPT}$6$" },
		{ "SHA256-CRYPT", "{SHA256-CRYPT}$5$" },
		{ "BLF-CRYPT", "{BLF-CRYPT}$2y$" },
		{ "blf-crypt", "{BLF-CRYPT}$2y$" },
		{ "SSHA", "{SSHA}" },
		{ "SSHA256", "{SSHA256}" },
		{ "SSHA512", "{SSHA512}" },
		{ "SSHA256.HEX", "{SSHA256.HEX}" },
		{ "PLAIN", "{PLAIN}pass word" },
		{ "CLEARTEXT", "{CLEARTEXT}pass word" },
		{ "PLAIN.B64", "{PLAIN.B64}cGFzcyB3b3Jk" },
	};
	static const char *const verify_only[] = {
		"CRYPT", "MD5-CRYPT", "SHA", "SHA256", "SHA512", "SMD5",
		"PLAIN-MD5", "LDAP-MD5", "NOPE", "SSHA.ROT13",
	};
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		const char *name = schemes[i].scheme ? schemes[i].scheme
						     : "(default)";

		buf_reset(&a);
		buf_reset(&b);
		is_int(passwd_hash(schemes[i].scheme, "pass word", &a), 0,
		       "hash with %s", name);
		ok(strncmp(a.data, schemes[i].prefix,
			   strlen(schemes[i].prefix)) == 0,
		   "%s hash starts with %s: %s", name, schemes[i].prefix,
		   a.data);
		is_int(passwd_verify_hash(a.data, "pass word"), 1,
		       "%s hash verifies", name);
		is_int(passwd_verify_hash(a.data, "pass wore"), 0,
		       "%s hash refuses a wrong password", name);
		ok(strpbrk(a.data, ":\n") == NULL, "%s hash fits a field",
		   name);
		passwd_hash(schemes[i].scheme, "pass word", &b);
		if (strncmp(name, "PLAIN", 5) != 0 &&
		    strcmp(name, "CLEARTEXT") != 0)
			ok(strcmp(a.data, b.data) != 0, "%s salts differ",
			   name);
	}
	for (i = 0; i < ARRAY_SIZE(verify_only); i++) {
		buf_set(&a, "keep");
		is_int(passwd_hash(verify_only[i], "x", &a), -ENOTSUP,
		       "%s is not written", verify_only[i]);
		is_str(a.data, "keep", "output untouched");
	}
	buf_reset(&a);
	is_int(passwd_hash("PLAIN", "a:b", &a), -EINVAL,
	       "PLAIN refuses a password with ':'");
	is_int(passwd_hash("PLAIN.B64", "a:b", &a), 0, "PLAIN.B64 takes it");
	is_int(passwd_verify_hash(a.data, "a:b"), 1, "and verifies it");
	buf_release(&a);
	buf_release(&b);
}

static void write_str(const char *path, const char *s)
{
	if (write_file_atomic(path, s, strlen(s), 0600) < 0)
		fatal("cannot write %s", path);
}

static void read_str(const char *path, struct buf *out)
{
	if (read_file_small(path, 1 << 20, out) < 0)
		buf_set(out, "(unreadable)");
}

static const char edit_orig[] =
	"# users of example.org\n"
	"\n"
	"alice:{PLAIN}a:1000:1000::/home/alice::userdb_quota_rule=*:bytes=1M\n"
	"#bob:{PLAIN}commented\n"
	"bob:{PLAIN}b:1001:1001:Bob:/home/bob:/bin/sh\r\n"
	"broken:{PLAIN}c:notanumber\n"
	"dave\n"
	"carol:{PLAIN}c";

static void test_edit(void)
{
	struct passwd_entry e;
	struct buf path = BUF_INIT, got = BUF_INIT, want = BUF_INIT;
	struct passwd_db *db;
	struct stat st;

	buf_printf(&path, "%s/passwd", tmpdir);
	write_str(path.data, edit_orig);
	chmod(path.data, 0640);

	memset(&e, 0, sizeof(e));
	e.name = "erin";
	e.password = "{PLAIN}e";
	e.uid = 1005;
	e.gid = 1006;
	e.home = "/home/erin";
	e.extra = "userdb_mail=maildir:~/Mail";
	is_int(passwd_add(path.data, &e), 0, "add erin");
	read_str(path.data, &got);
	buf_set(&want, edit_orig);
	buf_puts(&want, "\nerin:{PLAIN}e:1005:1006::/home/erin::"
		 "userdb_mail=maildir:~/Mail\n");
	is_str(got.data, want.data, "add appends one line, rest byte-exact");
	ok(stat(path.data, &st) == 0 && (st.st_mode & 07777) == 0640,
	   "file mode kept");
	buf_reset(&got);
	buf_printf(&got, "%s.lock", path.data);
	ok(stat(got.data, &st) < 0 && errno == ENOENT, "no lock left behind");

	e.password = "{PLAIN}other";
	is_int(passwd_add(path.data, &e), -EEXIST, "adding erin twice");
	e.name = "bob";
	is_int(passwd_add(path.data, &e), -EEXIST, "adding bob (CRLF line)");
	e.name = "a:b";
	is_int(passwd_add(path.data, &e), -EINVAL, "adding a bad name");
	e.name = "frank";
	e.password = "{PLAIN}x:y";
	is_int(passwd_add(path.data, &e), -EINVAL, "password with ':'");
	e.password = "{PLAIN}f";
	e.home = "/home/\nfrank";
	is_int(passwd_add(path.data, &e), -EINVAL, "home with a newline");
	read_str(path.data, &got);
	is_str(got.data, want.data, "failed adds change nothing");

	is_int(passwd_set_password(path.data, "bob", "{PLAIN}newbob"), 0,
	       "set bob's password");
	is_int(passwd_set_password(path.data, "dave", "{PLAIN}d"), 0,
	       "set the password of a name-only line");
	is_int(passwd_set_password(path.data, "carol", "{PLAIN}newcarol"), 0,
	       "set carol's password on the unterminated last line");
	is_int(passwd_set_password(path.data, "zed", "{PLAIN}z"), -ENOENT,
	       "unknown user");
	is_int(passwd_set_password(path.data, "bob", "a:b"), -EINVAL,
	       "password with ':' refused");
	read_str(path.data, &got);
	is_str(got.data,
	       "# users of example.org\n"
	       "\n"
	       "alice:{PLAIN}a:1000:1000::/home/alice::"
	       "userdb_quota_rule=*:bytes=1M\n"
	       "#bob:{PLAIN}commented\n"
	       "bob:{PLAIN}newbob:1001:1001:Bob:/home/bob:/bin/sh\r\n"
	       "broken:{PLAIN}c:notanumber\n"
	       "dave:{PLAIN}d\n"
	       "carol:{PLAIN}newcarol\n"
	       "erin:{PLAIN}e:1005:1006::/home/erin::"
	       "userdb_mail=maildir:~/Mail\n",
	       "only the password fields changed");

	is_int(passwd_delete(path.data, "alice"), 0, "delete alice");
	is_int(passwd_delete(path.data, "alice"), -ENOENT, "delete her again");
	is_int(passwd_delete(path.data, "broken"), 0,
	       "delete a line the parser refuses");
	read_str(path.data, &got);
	is_str(got.data,
	       "# users of example.org\n"
	       "\n"
	       "#bob:{PLAIN}commented\n"
	       "bob:{PLAIN}newbob:1001:1001:Bob:/home/bob:/bin/sh\r\n"
	       "dave:{PLAIN}d\n"
	       "carol:{PLAIN}newcarol\n"
	       "erin:{PLAIN}e:1005:1006::/home/erin::"
	       "userdb_mail=maildir:~/Mail\n",
	       "delete removes just those lines");

	is_int(passwd_open(path.data, &db), 0, "open the edited file");
	is_int(passwd_count(db), 4, "4 users in it");
	ok(passwd_verify(passwd_lookup(db, "bob"), "newbob") == 1,
	   "bob logs in with the new password");
	passwd_free(&db);

	/* A new file. */
	buf_reset(&path);
	buf_printf(&path, "%s/fresh", tmpdir);
	e.name = "first";
	e.password = "{PLAIN}1";
	e.uid = e.gid = 0;
	e.home = NULL;
	e.extra = NULL;
	is_int(passwd_add(path.data, &e), 0, "add creates the file");
	read_str(path.data, &got);
	is_str(got.data, "first:{PLAIN}1:::::\n", "seven fields, empty ones");
	ok(stat(path.data, &st) == 0 && (st.st_mode & 0077) == 0,
	   "new file is private");
	is_int(passwd_delete(path.data, "first"), 0, "delete the only user");
	read_str(path.data, &got);
	is_int(got.len, 0, "file is empty");
	buf_reset(&path);
	buf_printf(&path, "%s/missing", tmpdir);
	is_int(passwd_delete(path.data, "x"), -ENOENT, "delete in no file");
	is_int(passwd_open(path.data, &db), -ENOENT, "open no file");

	buf_release(&path);
	buf_release(&got);
	buf_release(&want);
}

static void make_lock(const char *lock_path, long pid, const char *host,
		      time_t age)
{
	struct buf s = BUF_INIT;
	struct utimbuf ut;

	buf_printf(&s, "%ld:%s\n", pid, host);
	write_str(lock_path, s.data);
	ut.actime = ut.modtime = time(NULL) - age;
	utime(lock_path, &ut);
	buf_release(&s);
}

static void test_lock(void)
{
	struct buf path = BUF_INIT, lock_path = BUF_INIT, got = BUF_INIT;
	struct buf want = BUF_INIT;
	struct passwd_lock *lock, *lock2;
	struct passwd_entry e;
	struct passwd_db *db;
	struct stat st;
	pid_t dead;
	int i, status, all;

	buf_printf(&path, "%s/locked", tmpdir);
	buf_printf(&lock_path, "%s/locked.lock", tmpdir);
	write_str(path.data, "# empty\n");
	memset(&e, 0, sizeof(e));
	e.password = "{PLAIN}x";

	/* A pid that surely does not exist: a child that has been reaped. */
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, &status, 0);
	make_lock(lock_path.data, (long)dead, maildir_hostname(), 0);
	e.name = "u1";
	is_int(passwd_add(path.data, &e), 0,
	       "lock of a dead process taken over");
	ok(stat(lock_path.data, &st) < 0, "lock removed afterwards");

	make_lock(lock_path.data, (long)getpid(), maildir_hostname(), 3600);
	is_int(passwd_lock(path.data, 200, &lock), -ETIMEDOUT,
	       "lock of a live process waited for, even when old");
	read_str(lock_path.data, &got);
	buf_reset(&want);
	buf_printf(&want, "%ld:%s\n", (long)getpid(), maildir_hostname());
	is_str(got.data, want.data, "and left in place");

	make_lock(lock_path.data, 1, "some-other-host", 0);
	is_int(passwd_lock(path.data, 200, &lock), -ETIMEDOUT,
	       "fresh lock of another host waited for");
	make_lock(lock_path.data, 1, "some-other-host",
		  PASSWD_LOCK_STALE_SECS + 10);
	is_int(passwd_lock(path.data, 200, &lock), 0,
	       "old lock of another host taken over");
	read_str(lock_path.data, &got);
	is_str(got.data, want.data, "lock holds pid:hostname");
	is_int(passwd_lock(path.data, 100, &lock2), -ETIMEDOUT,
	       "second lock waits and gives up");
	passwd_unlock(&lock);
	ok(lock == NULL, "unlock sets NULL");
	is_int(passwd_lock(path.data, 100, &lock2), 0, "free again");
	passwd_unlock(&lock2);

	/* Four writers at once lose none of each other's users. */
	for (i = 0; i < 4; i++) {
		if (fork() == 0) {
			char name[32];
			int j, bad = 0;

			for (j = 0; j < 25; j++) {
				snprintf(name, sizeof(name), "w%d-%d", i, j);
				e.name = name;
				bad |= passwd_add(path.data, &e) != 0;
			}
			_exit(bad);
		}
	}
	all = 1;
	for (i = 0; i < 4; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			all = 0;
	}
	ok(all, "four concurrent writers succeeded");
	is_int(passwd_open(path.data, &db), 0, "open after concurrent adds");
	is_int(passwd_count(db), 101, "all 100 users and u1 are there");
	passwd_free(&db);

	buf_release(&path);
	buf_release(&lock_path);
	buf_release(&got);
	buf_release(&want);
}

int main(void)
{
	const char *base = getenv("MAILTREE_TMP");

	if (xsnprintf(tmpdir, sizeof(tmpdir), "%s/passwd.XXXXXX",
		      base && base[0] ? base : "/tmp") < 0 ||
	    mkdtemp(tmpdir) == NULL)
		fatal("cannot make a temporary directory");
	log_set_quiet(1);

	test_parse();
	test_bad_lines();
	test_names();
	test_vectors();
	test_hash();
	test_edit();
	test_lock();

	remove_tree(tmpdir);
	return done_testing();
}
