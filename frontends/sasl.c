/* SASL PLAIN and LOGIN, and password checks off the loop; see sasl.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "conn.h"
#include "passwd-cache.h"
#include "passwd.h"
#include "sasl.h"
#include "store.h"
#include "util.h"

int sasl_mech_lookup(const char *name, enum sasl_mech *mech_r)
{
	if (strcasecmp(name, "PLAIN") == 0)
		*mech_r = SASL_PLAIN;
	else if (strcasecmp(name, "LOGIN") == 0)
		*mech_r = SASL_LOGIN;
	else
		return -ENOENT;
	return 0;
}

const char *sasl_mech_list(void)
{
	return "PLAIN LOGIN";
}

void sasl_init(struct sasl *sasl, enum sasl_mech mech)
{
	memset(sasl, 0, sizeof(*sasl));
	sasl->mech = mech;
	buf_init(&sasl->user);
	buf_init(&sasl->password);
}

void sasl_release(struct sasl *sasl)
{
	OPENSSL_cleanse(sasl->password.data, sasl->password.len);
	buf_release(&sasl->user);
	buf_release(&sasl->password);
}

int sasl_base64_decode(const char *in, struct buf *out)
{
	size_t len = strlen(in), pad = 0;
	int n;

	buf_reset(out);
	if (len % 4 != 0 || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
				   "klmnopqrstuvwxyz0123456789+/=") != len)
		return -EINVAL;
	if (len == 0)
		return 0;
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	if (memchr(in, '=', len - pad) != NULL)
		return -EINVAL;
	buf_grow(out, len / 4 * 3);
	n = EVP_DecodeBlock((unsigned char *)out->data,
			    (const unsigned char *)in, (int)len);
	if (n < 0)
		return -EINVAL;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	out->len = (size_t)n - pad;
	out->data[out->len] = '\0';
	return 0;
}

void sasl_base64_encode(const void *data, size_t len, struct buf *out)
{
	size_t start = out->len;

	buf_grow(out, (len + 2) / 3 * 4);
	EVP_EncodeBlock((unsigned char *)out->data + start, data, (int)len);
	out->len = start + (len + 2) / 3 * 4;
	out->data[out->len] = '\0';
}

/* authzid NUL authcid NUL password; an authzid other than the user is
 * refused (no proxy logins yet). */
static int plain_message(struct sasl *sasl, const struct buf *m)
{
	const char *authz = m->data, *authc, *pw;
	size_t zl, cl;

	authc = memchr(authz, '\0', m->len);
	if (authc == NULL)
		return -EINVAL;
	zl = (size_t)(authc - authz);
	authc++;
	pw = memchr(authc, '\0', m->len - zl - 1);
	if (pw == NULL)
		return -EINVAL;
	cl = (size_t)(pw - authc);
	pw++;
	if (cl == 0 || cl > SASL_MAX_FIELD ||
	    m->len - zl - cl - 2 > SASL_MAX_FIELD ||
	    memchr(pw, '\0', m->len - zl - cl - 2) != NULL)
		return -EINVAL;
	if (zl > 0 && (zl != cl || memcmp(authz, authc, cl) != 0))
		return -EINVAL;
	buf_set(&sasl->user, "");
	buf_append(&sasl->user, authc, cl);
	buf_set(&sasl->password, "");
	buf_append(&sasl->password, pw, m->len - zl - cl - 2);
	return 1;
}

int sasl_step(struct sasl *sasl, const char *response, struct buf *challenge_r)
{
	struct buf m = BUF_INIT;
	int ret;

	buf_reset(challenge_r);
	if (response != NULL && strcmp(response, "*") == 0)
		return -ECANCELED;
	if (response != NULL && strcmp(response, "=") != 0) {
		if (strlen(response) > 4 * (3 * SASL_MAX_FIELD + 2) / 3 + 4)
			return -EINVAL;
		ret = sasl_base64_decode(response, &m);
		if (ret < 0)
			goto out;
	}
	if (sasl->mech == SASL_PLAIN) {
		if (response == NULL && sasl->step == 0) {
			sasl->step = 1;
			ret = 0;	/* empty challenge */
		} else {
			ret = plain_message(sasl, &m);
		}
		goto out;
	}
	/* LOGIN: "Username:", "Password:"; an initial response is the
	 * user name. */
	ret = 0;
	if (sasl->step == 0 && response == NULL) {
		sasl->step = 1;
		sasl_base64_encode("Username:", 9, challenge_r);
		goto out;
	}
	if (m.len > SASL_MAX_FIELD || memchr(m.data, '\0', m.len) != NULL) {
		ret = -EINVAL;
		goto out;
	}
	if (sasl->step <= 1) {
		if (m.len == 0) {
			ret = -EINVAL;
			goto out;
		}
		buf_set(&sasl->user, m.data);
		sasl->step = 2;
		sasl_base64_encode("Password:", 9, challenge_r);
		goto out;
	}
	buf_set(&sasl->password, m.data);
	ret = 1;
out:
	OPENSSL_cleanse(m.data, m.len);
	buf_release(&m);
	return ret;
}

int sasl_verify(const char *store, const char *user, const char *password)
{
	const struct passwd_entry *e;
	struct passwd_db *db;
	struct buf path = BUF_INIT;
	int ret;

	if (!passwd_user_name_valid(user, NULL))
		return 0;
	store_passwd_path(store, &path);
	ret = passwd_cache_open(path.data, &db);
	buf_release(&path);
	if (ret < 0)
		return ret;
	e = passwd_lookup(db, user);
	ret = e != NULL && passwd_verify(e, password) == 1;
	passwd_cache_release(&db);
	return ret;
}

struct auth_req {
	char *store, *user, *password;
	int result;
	void (*done)(struct conn *c, int result, void *ctx);
	void *ctx;
};

static void auth_free(struct auth_req *a)
{
	OPENSSL_cleanse(a->password, strlen(a->password));
	free(a->store);
	free(a->user);
	free(a->password);
	free(a);
}

static void auth_work(void *arg)
{
	struct auth_req *a = arg;

	a->result = sasl_verify(a->store, a->user, a->password);
}

static void auth_delayed(struct conn *c, void *arg)
{
	struct auth_req *a = arg;

	a->done(c, a->result, a->ctx);
	auth_free(a);
}

static void auth_done(struct conn *c, void *arg)
{
	struct auth_req *a = arg;

	if (a->result == 1) {
		conn_set_user(c, a->user);
		conn_log_info(c, "login");
	} else {
		conn_log_info(c, "login failed user=%s%s", a->user,
			      a->result < 0 ? " (error)" : "");
	}
	if (a->result != 1 && !c->closing) {
		conn_delay(c, c->limits.auth_fail_delay_ms, auth_delayed, a);
		return;
	}
	a->done(c, a->result, a->ctx);
	auth_free(a);
}

int sasl_continue(struct conn *c, struct sasl *sasl, const char *response,
		  const char *prefix,
		  void (*done)(struct conn *c, int result, void *ctx),
		  void *ctx)
{
	struct buf challenge = BUF_INIT;
	int ret = sasl_step(sasl, response, &challenge);

	if (ret == 0)
		conn_printf(c, "%s%s\r\n", prefix, challenge.data);
	else if (ret == 1)
		sasl_auth(c, sasl->user.data, sasl->password.data, done, ctx);
	buf_release(&challenge);
	if (ret != 0)
		sasl_release(sasl);
	return ret == 0 ? 1 : ret == 1 ? 0 : ret;
}

void sasl_auth(struct conn *c, const char *user, const char *password,
	       void (*done)(struct conn *c, int result, void *ctx), void *ctx)
{
	struct auth_req *a = xcalloc(1, sizeof(*a));

	a->store = xstrdup(conn_store(c));
	a->user = xstrdup(user);
	a->password = xstrdup(password);
	a->done = done;
	a->ctx = ctx;
	conn_queue_work(c, auth_work, auth_done, a);
}
