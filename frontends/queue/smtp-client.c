/* The queue runner's SMTP client; see smtp-client.h. */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "queue/smtp-client.h"
#include "sasl.h"
#include "smtp/smtp.h"
#include "util.h"

/* RFC 5321 4.5.3.2 */
#define T_CONNECT	30
#define T_GREETING	300
#define T_COMMAND	300
#define T_DATA_INIT	120
#define T_DATA_BLOCK	180
#define T_DATA_END	600
#define MAX_REPLY	(64 * 1024)

void smtp_client_init(struct smtp_client *cl,
		      const struct smtp_client_opts *opts)
{
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->opts = opts;
	buf_init(&cl->in);
	buf_init(&cl->error);
}

static void disconnect(struct smtp_client *cl);
static int fail(struct smtp_client *cl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct smtp_client *cl, int err, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&cl->error);
	va_start(ap, fmt);
	buf_vprintf(&cl->error, fmt, ap);
	va_end(ap);
	return err;
}

static bool stopping(const struct smtp_client *cl)
{
	return cl->opts->stop != NULL && atomic_load(cl->opts->stop);
}

/* One second of waiting, counted against the current timeout. */
static int waited(struct smtp_client *cl, unsigned int *secs)
{
	if (stopping(cl))
		return fail(cl, -ECANCELED, "%s: stopping", cl->host);
	if (++*secs >= cl->timeout)
		return fail(cl, -ETIMEDOUT, "%s: timeout after %u s",
			    cl->host, cl->timeout);
	return 0;
}

static bool would_block(struct smtp_client *cl, int n)
{
	if (cl->ssl != NULL) {
		int e = SSL_get_error(cl->ssl, n);

		return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

static int cl_write(struct smtp_client *cl, const void *data, size_t len)
{
	const char *p = data;
	unsigned int secs = 0;
	int n, ret;

	while (len > 0) {
		size_t chunk = len > 65536 ? 65536 : len;

		if (cl->ssl != NULL)
			n = SSL_write(cl->ssl, p, (int)chunk);
		else
			n = (int)send(cl->fd, p, chunk, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			secs = 0;
			continue;
		}
		if (n < 0 && would_block(cl, n)) {
			if ((ret = waited(cl, &secs)) < 0)
				return ret;
			continue;
		}
		ERR_clear_error();
		return fail(cl, -EPIPE, "%s: write failed: %s", cl->host,
			    strerror(errno));
	}
	return 0;
}

static int cl_fill(struct smtp_client *cl)
{
	char tmp[4096];
	unsigned int secs = 0;
	int n, ret;

	for (;;) {
		if (cl->ssl != NULL)
			n = SSL_read(cl->ssl, tmp, sizeof(tmp));
		else
			n = (int)recv(cl->fd, tmp, sizeof(tmp), 0);
		if (n > 0) {
			buf_append(&cl->in, tmp, (size_t)n);
			return 0;
		}
		if (n < 0 && would_block(cl, n)) {
			if ((ret = waited(cl, &secs)) < 0)
				return ret;
			continue;
		}
		ERR_clear_error();
		return fail(cl, -ECONNRESET, "%s: connection closed",
			    cl->host);
	}
}

/* Reads one (possibly multi-line) reply; its last line's text, or all
 * lines joined by '\n' when all_r is given. */
static int cl_reply(struct smtp_client *cl, unsigned int timeout,
		    struct buf *text, struct buf *all)
{
	size_t total = 0;
	int ret, code = 0;

	cl->timeout = timeout;
	buf_reset(text);
	if (all != NULL)
		buf_reset(all);
	for (;;) {
		char *nl = memchr(cl->in.data, '\n', cl->in.len);
		size_t n;

		if (nl == NULL) {
			if (cl->in.len > MAX_REPLY)
				return fail(cl, -EPROTO, "%s: reply too long",
					    cl->host);
			if ((ret = cl_fill(cl)) < 0)
				return ret;
			continue;
		}
		n = (size_t)(nl - cl->in.data);
		total += n;
		if (n < 3 || total > MAX_REPLY ||
		    strspn(cl->in.data, "0123456789") < 3)
			return fail(cl, -EPROTO, "%s: bad reply", cl->host);
		code = (cl->in.data[0] - '0') * 100 +
		       (cl->in.data[1] - '0') * 10 + (cl->in.data[2] - '0');
		buf_reset(text);
		buf_append(text, cl->in.data, n > 0 &&
			   cl->in.data[n - 1] == '\r' ? n - 1 : n);
		if (all != NULL) {
			if (all->len > 0)
				buf_putc(all, '\n');
			buf_append(all, text->data, text->len);
		}
		memmove(cl->in.data, nl + 1, cl->in.len - n - 1);
		buf_truncate(&cl->in, cl->in.len - n - 1);
		if (text->len == 3 || text->data[3] != '-')
			return code;
	}
}

static int cl_command(struct smtp_client *cl, const char *line,
		      unsigned int timeout, struct buf *text)
{
	int ret = cl_write(cl, line, strlen(line));

	return ret < 0 ? ret : cl_reply(cl, timeout, text, NULL);
}

static int connect_one(struct smtp_client *cl, const struct addrinfo *ai)
{
	struct timeval tv = { 1, 0 };
	unsigned int secs = 0;
	socklen_t len = sizeof(int);
	int fd, err = 0, ret;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	cl->timeout = T_CONNECT;
	for (;;) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		int n = poll(&pfd, 1, 1000);

		if (n > 0)
			break;
		if (n < 0 && errno != EINTR) {
			err = -errno;
			close(fd);
			return err;
		}
		if ((ret = waited(cl, &secs)) < 0) {
			close(fd);
			return ret;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
		close(fd);
		return err != 0 ? -err : -EIO;
	}
	/* From here on blocking I/O, in one-second slices. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cl->fd = fd;
	return 0;
}

static int start_tls(struct smtp_client *cl, const char *name)
{
	unsigned int secs = 0;
	int n, ret;

	cl->ctx = SSL_CTX_new(TLS_client_method());
	if (cl->ctx == NULL)
		return fail(cl, -ENOMEM, "%s: no TLS context", cl->host);
	SSL_CTX_set_min_proto_version(cl->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(cl->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (cl->opts->verify) {
		/* A relayhost that gets the relay password: its certificate
		 * must chain to a trusted CA and name the host. */
		if ((cl->opts->ca_file != NULL ?
		     SSL_CTX_load_verify_locations(cl->ctx, cl->opts->ca_file,
						   NULL) :
		     SSL_CTX_set_default_verify_paths(cl->ctx)) != 1) {
			ERR_clear_error();
			return fail(cl, -EAGAIN, "cannot load the CA "
				    "certificates %s", cl->opts->ca_file != NULL ?
				    cl->opts->ca_file : "of the system");
		}
		SSL_CTX_set_verify(cl->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		/* Opportunistic, as between MTAs (RFC 7435): the
		 * certificate is not verified. */
		SSL_CTX_set_verify(cl->ctx, SSL_VERIFY_NONE, NULL);
	}
	cl->ssl = SSL_new(cl->ctx);
	if (cl->ssl == NULL)
		return fail(cl, -ENOMEM, "%s: no TLS session", cl->host);
	SSL_set_fd(cl->ssl, cl->fd);
	SSL_set_tlsext_host_name(cl->ssl, name);
	/* The name the relayhost was given by: an address or a host name. */
	if (cl->opts->verify &&
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(cl->ssl), name) != 1 &&
	    SSL_set1_host(cl->ssl, name) != 1) {
		ERR_clear_error();
		return fail(cl, -ENOMEM, "%s: cannot set the name to verify",
			    cl->host);
	}
	ERR_clear_error();
	cl->timeout = T_COMMAND;
	while ((n = SSL_connect(cl->ssl)) != 1) {
		long v;

		if (n < 0 && would_block(cl, n)) {
			if ((ret = waited(cl, &secs)) < 0)
				return ret;
			continue;
		}
		ERR_clear_error();
		v = SSL_get_verify_result(cl->ssl);
		if (cl->opts->verify && v != X509_V_OK)
			return fail(cl, -EAGAIN, "%s: certificate not "
				    "trusted: %s", cl->host,
				    X509_verify_cert_error_string(v));
		return fail(cl, -EPROTO, "%s: TLS handshake failed", cl->host);
	}
	return 0;
}

static int ehlo(struct smtp_client *cl, struct buf *text)
{
	struct buf all = BUF_INIT, line = BUF_INIT;
	const char *p;
	int code;

	buf_printf(&line, "EHLO %s\r\n", cl->opts->helo);
	code = cl_write(cl, line.data, line.len);
	if (code == 0)
		code = cl_reply(cl, T_COMMAND, text, &all);
	cl->pipelining = cl->starttls = cl->auth = cl->eightbit = false;
	cl->dsn = cl->smtputf8 = false;
	cl->size_limit = 0;
	for (p = all.data; code == 250 && *p != '\0';) {
		size_t n = strcspn(p, "\n");
		const char *k = p + 4;

		if (n > 4) {
			if (strncasecmp(k, "PIPELINING", 10) == 0)
				cl->pipelining = true;
			else if (strncasecmp(k, "STARTTLS", 8) == 0)
				cl->starttls = true;
			else if (strncasecmp(k, "8BITMIME", 8) == 0)
				cl->eightbit = true;
			else if (strncasecmp(k, "DSN", 3) == 0 && n == 7)
				cl->dsn = true;
			else if (strncasecmp(k, "SMTPUTF8", 8) == 0)
				cl->smtputf8 = true;
			else if (strncasecmp(k, "SIZE ", 5) == 0)
				cl->size_limit = strtoull(k + 5, NULL, 10);
			else if (strncasecmp(k, "AUTH", 4) == 0 &&
				 (k[4] == ' ' || k[4] == '=')) {
				struct buf mechs = BUF_INIT;

				buf_append(&mechs, k, n - 4);
				cl->auth = strcasestr(mechs.data, " PLAIN") !=
					   NULL;
				buf_release(&mechs);
			}
		}
		p += n + (p[n] == '\n');
	}
	buf_release(&all);
	buf_release(&line);
	return code;
}

static int auth_plain(struct smtp_client *cl, struct buf *text)
{
	struct buf raw = BUF_INIT, line = BUF_INIT;
	int code;

	buf_putc(&raw, '\0');
	buf_puts(&raw, cl->opts->user);
	buf_putc(&raw, '\0');
	buf_puts(&raw, cl->opts->password);
	buf_puts(&line, "AUTH PLAIN ");
	sasl_base64_encode(raw.data, raw.len, &line);
	buf_puts(&line, "\r\n");
	code = cl_command(cl, line.data, T_COMMAND, text);
	buf_release(&raw);
	explicit_bzero(line.data, line.len);
	buf_release(&line);
	return code;
}

static int session_start(struct smtp_client *cl, const char *name)
{
	const struct smtp_client_opts *o = cl->opts;
	struct buf text = BUF_INIT;
	int code, ret = 0;

	if (o->tls == TLS_IMPLICIT && (ret = start_tls(cl, name)) < 0)
		goto out;
	code = cl_reply(cl, T_GREETING, &text, NULL);
	if (code != 220) {
		ret = code < 0 ? code : fail(cl, code >= 500 ? -EPERM : -EAGAIN,
					     "%s said: %s", cl->host,
					     text.data);
		goto out;
	}
	code = ehlo(cl, &text);
	if (code != 250) {
		/* HELO for servers without ESMTP. */
		struct buf line = BUF_INIT;

		buf_printf(&line, "HELO %s\r\n", o->helo);
		code = code < 0 ? code : cl_command(cl, line.data, T_COMMAND,
						    &text);
		buf_release(&line);
	}
	if (code == 250 && o->tls == TLS_STARTTLS && cl->ssl == NULL &&
	    cl->starttls) {
		code = cl_command(cl, "STARTTLS\r\n", T_COMMAND, &text);
		if (code == 220) {
			if ((ret = start_tls(cl, name)) < 0)
				goto out;
			code = ehlo(cl, &text);
		}
	}
	if (code == 250 && cl->ssl == NULL &&
	    (o->tls_required || o->user != NULL)) {
		/* Passwords only over TLS. */
		ret = fail(cl, -EAGAIN, "%s: no TLS, required", cl->host);
		goto out;
	}
	if (code == 250 && o->user != NULL) {
		if (!cl->auth) {
			ret = fail(cl, -EAGAIN, "%s: AUTH PLAIN not offered",
				   cl->host);
			goto out;
		}
		code = auth_plain(cl, &text);
		if (code == 235)
			code = 250;
	}
	if (code != 250)
		ret = code < 0 ? code : fail(cl, code >= 500 ? -EPERM : -EAGAIN,
					     "%s said: %s", cl->host,
					     text.data);
out:
	buf_release(&text);
	return ret;
}

int smtp_client_open(struct smtp_client *cl, const char *host, uint16_t port)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8], addr[NI_MAXHOST];
	int ret;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	xsnprintf(service, sizeof(service), "%u", port);
	ret = getaddrinfo(host, service, &hints, &res);
	if (ret != 0)
		return fail(cl, ret == EAI_NONAME ? -ENOENT : -EAGAIN,
			    "%s: %s", host, gai_strerror(ret));
	ret = -EHOSTUNREACH;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr,
				sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			xsnprintf(addr, sizeof(addr), "?");
		if (snprintf(cl->host, sizeof(cl->host), "%s[%s]", host,
			     addr) >= (int)sizeof(cl->host))
			xsnprintf(cl->host, sizeof(cl->host), "[%s]", addr);
		ret = connect_one(cl, ai);
		if (ret == -ECANCELED)
			break;
		if (ret < 0) {
			fail(cl, ret, "connect to %s: %s", cl->host,
			     strerror(-ret));
			continue;
		}
		ret = session_start(cl, host);
		if (ret == 0 || ret == -ECANCELED)
			break;
		disconnect(cl);
		/* Keep the reason of the last host tried. */
	}
	freeaddrinfo(res);
	return ret;
}

/* The message from fd as SMTP DATA: CRLF, dot-stuffed, ending ".". */
static int send_body(struct smtp_client *cl, const char *prefix, int fd)
{
	struct buf out = BUF_INIT;
	char in[16384];
	bool bol = true, cr = false;
	ssize_t n;
	int ret;

	cl->timeout = T_DATA_BLOCK;
	buf_puts(&out, prefix);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return fail(cl, -errno, "queue file: %s", strerror(errno));
	while ((n = read(fd, in, sizeof(in))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char ch = in[i];

			if (bol && ch == '.')
				buf_putc(&out, '.');
			if (ch == '\n' && !cr)
				buf_putc(&out, '\r');
			buf_putc(&out, ch);
			cr = ch == '\r';
			bol = ch == '\n';
		}
		if (out.len >= 65536) {
			if ((ret = cl_write(cl, out.data, out.len)) < 0)
				goto out;
			buf_reset(&out);
		}
	}
	if (n < 0) {
		ret = fail(cl, -errno, "queue file: %s", strerror(errno));
		goto out;
	}
	if (!bol)
		buf_puts(&out, "\r\n");
	buf_puts(&out, ".\r\n");
	ret = cl_write(cl, out.data, out.len);
out:
	buf_release(&out);
	return ret;
}

static void set_diag(struct smtp_client_rcpt *r, int code,
		     const struct buf *text)
{
	r->code = code;
	xsnprintf(r->diag, sizeof(r->diag), "%.*s", (int)sizeof(r->diag) - 1,
		  text->data);
}

/* "RCPT TO:<addr>" with its DSN parameters where the server has DSN. */
static void put_rcpt(const struct smtp_client *cl,
		     const struct smtp_client_rcpt *r, struct buf *out)
{
	buf_printf(out, "RCPT TO:<%s>", r->addr);
	if (cl->dsn && r->notify != NULL)
		buf_printf(out, " NOTIFY=%s", r->notify);
	if (cl->dsn && r->orcpt != NULL)
		buf_printf(out, " ORCPT=%s", r->orcpt);
	buf_puts(out, "\r\n");
}

int smtp_client_send(struct smtp_client *cl, const char *sender,
		     const char *envid, bool ret_hdrs,
		     struct smtp_client_rcpt *rcpts, size_t count,
		     const char *prefix, int fd)
{
	struct buf cmds = BUF_INIT, text = BUF_INIT;
	size_t i, accepted = 0;
	int code, ret = 0;

	/* A connection that carried a message before starts clean. */
	code = cl_command(cl, "RSET\r\n", T_COMMAND, &text);
	if (code < 0) {
		ret = code;
		goto out;
	}
	buf_printf(&cmds, "MAIL FROM:<%s>", sender);
	if (cl->eightbit)
		buf_puts(&cmds, " BODY=8BITMIME");
	if (cl->smtputf8 && smtp_addr_is_utf8(sender))
		buf_puts(&cmds, " SMTPUTF8");
	if (cl->dsn) {
		buf_printf(&cmds, " RET=%s", ret_hdrs ? "HDRS" : "FULL");
		if (envid != NULL)
			buf_printf(&cmds, " ENVID=%s", envid);
	}
	buf_puts(&cmds, "\r\n");
	for (i = 0; i < count; i++) {
		struct smtp_client_rcpt *r = &rcpts[i];

		if (!cl->pipelining) {
			/* Sent one at a time below. */
			break;
		}
		put_rcpt(cl, r, &cmds);
	}
	if (cl->pipelining)
		buf_puts(&cmds, "DATA\r\n");
	if ((ret = cl_write(cl, cmds.data, cmds.len)) < 0)
		goto out;
	code = cl_reply(cl, T_COMMAND, &text, NULL);
	if (code < 0) {
		ret = code;
		goto out;
	}
	if (code / 100 != 2) {
		/* MAIL refused: every recipient shares its fate. */
		for (i = 0; i < count; i++)
			set_diag(&rcpts[i], code, &text);
		if (cl->pipelining)
			for (i = 0; i <= count; i++)
				if ((ret = cl_reply(cl, T_COMMAND, &text,
						    NULL)) < 0)
					goto out;
		ret = 0;
		goto out;
	}
	for (i = 0; i < count; i++) {
		struct smtp_client_rcpt *r = &rcpts[i];

		if (!cl->pipelining) {
			buf_reset(&cmds);
			put_rcpt(cl, r, &cmds);
			if ((ret = cl_write(cl, cmds.data, cmds.len)) < 0)
				goto out;
		}
		code = cl_reply(cl, T_COMMAND, &text, NULL);
		if (code < 0) {
			ret = code;
			goto out;
		}
		set_diag(r, code, &text);
		accepted += code / 100 == 2;
	}
	if (!cl->pipelining) {
		if (accepted == 0) {
			ret = 0;
			goto out;
		}
		if ((ret = cl_write(cl, "DATA\r\n", 6)) < 0)
			goto out;
	}
	code = cl_reply(cl, T_DATA_INIT, &text, NULL);
	if (code < 0) {
		ret = code;
		goto out;
	}
	if (code != 354) {
		for (i = 0; i < count; i++)
			if (rcpts[i].code / 100 == 2)
				set_diag(&rcpts[i], code, &text);
		ret = 0;
		goto out;
	}
	if (accepted == 0) {
		/* 354 with no recipient: end it with an empty message. */
		ret = cl_write(cl, ".\r\n", 3);
		if (ret == 0)
			ret = cl_reply(cl, T_DATA_END, &text, NULL);
		ret = ret < 0 ? ret : 0;
		goto out;
	}
	if ((ret = send_body(cl, prefix, fd)) < 0)
		goto out;
	code = cl_reply(cl, T_DATA_END, &text, NULL);
	if (code < 0) {
		ret = code;
		goto out;
	}
	for (i = 0; i < count; i++)
		if (rcpts[i].code / 100 == 2)
			set_diag(&rcpts[i], code, &text);
	ret = 0;
out:
	buf_release(&cmds);
	buf_release(&text);
	return ret;
}

static void disconnect(struct smtp_client *cl)
{
	if (cl->fd >= 0 && !stopping(cl)) {
		struct buf text = BUF_INIT, why = BUF_INIT;

		/* A polite end; its outcome does not matter, and it must
		 * not replace the reason the session ended. */
		buf_append(&why, cl->error.data, cl->error.len);
		cl->timeout = 2;
		if (cl_write(cl, "QUIT\r\n", 6) == 0)
			(void)cl_reply(cl, 2, &text, NULL);
		buf_reset(&cl->error);
		buf_append(&cl->error, why.data, why.len);
		buf_release(&why);
		buf_release(&text);
	}
	if (cl->ssl != NULL)
		SSL_free(cl->ssl);
	if (cl->ctx != NULL)
		SSL_CTX_free(cl->ctx);
	if (cl->fd >= 0)
		close(cl->fd);
	cl->ssl = NULL;
	cl->ctx = NULL;
	cl->fd = -1;
	buf_reset(&cl->in);
}

void smtp_client_release(struct smtp_client *cl)
{
	disconnect(cl);
	buf_release(&cl->in);
	buf_release(&cl->error);
}
