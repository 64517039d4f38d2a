/* Tests for the SASL mechanisms and the password check (frontends/sasl.c). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "passwd.h"
#include "sasl.h"
#include "store.h"
#include "util.h"
#include "../tap.h"

static void b64(const char *data, size_t len, struct buf *out)
{
	buf_reset(out);
	sasl_base64_encode(data, len, out);
}

int main(void)
{
	struct buf ch = BUF_INIT, in = BUF_INIT, dec = BUF_INIT;
	struct sasl sasl;
	enum sasl_mech mech;
	char dir[] = "/tmp/test-sasl.XXXXXX";
	struct passwd_entry e = { 0 };
	struct buf pw = BUF_INIT, path = BUF_INIT;

	is_int(sasl_mech_lookup("plain", &mech), 0, "PLAIN is known");
	is_int(mech, SASL_PLAIN, "as PLAIN");
	is_int(sasl_mech_lookup("CRAM-MD5", &mech), -ENOENT,
	       "CRAM-MD5 is not");

	is_int(sasl_base64_decode("YWxpY2U=", &dec), 0, "base64 decodes");
	is_str(dec.data, "alice", "to the bytes");
	is_int(sasl_base64_decode("YWxpY2U", &dec), -EINVAL,
	       "unpadded base64 is refused");
	is_int(sasl_base64_decode("YW=pY2U=", &dec), -EINVAL,
	       "padding in the middle is refused");
	is_int(sasl_base64_decode("YWx*Y2U=", &dec), -EINVAL,
	       "a bad character is refused");

	/* PLAIN with an initial response, authzid empty. */
	sasl_init(&sasl, SASL_PLAIN);
	b64("\0alice\0s3cret", 13, &in);
	is_int(sasl_step(&sasl, in.data, &ch), 1, "PLAIN completes at once");
	is_str(sasl.user.data, "alice", "PLAIN user");
	is_str(sasl.password.data, "s3cret", "PLAIN password");
	sasl_release(&sasl);

	/* PLAIN without one: an empty challenge first. */
	sasl_init(&sasl, SASL_PLAIN);
	is_int(sasl_step(&sasl, NULL, &ch), 0, "PLAIN asks for the response");
	is_str(ch.data, "", "with an empty challenge");
	b64("alice\0alice\0pw", 14, &in);
	is_int(sasl_step(&sasl, in.data, &ch), 1, "authzid = user is fine");
	sasl_release(&sasl);

	sasl_init(&sasl, SASL_PLAIN);
	b64("bob\0alice\0pw", 12, &in);
	is_int(sasl_step(&sasl, in.data, &ch), -EINVAL,
	       "another authzid is refused");
	sasl_release(&sasl);
	sasl_init(&sasl, SASL_PLAIN);
	b64("alice\0pw", 8, &in);
	is_int(sasl_step(&sasl, in.data, &ch), -EINVAL,
	       "a PLAIN message with one NUL is malformed");
	sasl_release(&sasl);
	sasl_init(&sasl, SASL_PLAIN);
	is_int(sasl_step(&sasl, "*", &ch), -ECANCELED, "* cancels");
	sasl_release(&sasl);

	/* LOGIN. */
	sasl_init(&sasl, SASL_LOGIN);
	is_int(sasl_step(&sasl, NULL, &ch), 0, "LOGIN asks");
	is_str(ch.data, "VXNlcm5hbWU6", "for Username:");
	b64("alice", 5, &in);
	is_int(sasl_step(&sasl, in.data, &ch), 0, "then");
	is_str(ch.data, "UGFzc3dvcmQ6", "for Password:");
	b64("s3cret", 6, &in);
	is_int(sasl_step(&sasl, in.data, &ch), 1, "LOGIN completes");
	is_str(sasl.user.data, "alice", "LOGIN user");
	is_str(sasl.password.data, "s3cret", "LOGIN password");
	sasl_release(&sasl);

	/* The password check against a store. */
	if (mkdtemp(dir) == NULL) {
		skip("no temporary directory");
		return done_testing();
	}
	store_init(dir);
	passwd_hash(NULL, "s3cret", &pw);
	e.name = "alice";
	e.password = pw.data;
	store_passwd_path(dir, &path);
	is_int(passwd_add(path.data, &e), 0, "a user with a hashed password");
	is_int(sasl_verify(dir, "alice", "s3cret"), 1, "the right password");
	is_int(sasl_verify(dir, "alice", "wrong"), 0, "a wrong password");
	is_int(sasl_verify(dir, "nobody", "s3cret"), 0, "an unknown user");
	is_int(sasl_verify(dir, "../alice", "s3cret"), 0, "a bad name");
	remove_tree(dir);
	buf_release(&pw);
	buf_release(&path);
	buf_release(&ch);
	buf_release(&in);
	buf_release(&dec);
	return done_testing();
}
