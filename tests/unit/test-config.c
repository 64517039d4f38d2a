/* Tests for the mailtreed.conf parser (frontends/config.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "../tap.h"

static const char good[] =
	"# mailtreed\n"
	"store = /var/mail/store\n"
	"tls_cert = /etc/c.pem\n"
	"tls_key  =   /etc/k.pem  \n"
	"user = mailtree\n"
	"max_message_size = 10M\n"
	"max_line_length = 4096\n"
	"idle_timeout = 60\n"
	"workers = 3\n"
	"disable_plaintext_auth = no\n"
	"\n"
	"[listener lmtp]\n"
	"protocol = lmtp\n"
	"address = 127.0.0.1\n"
	"port = 24\n"
	"tls = starttls\n"
	"[listener local]\n"
	"protocol = lmtp\n"
	"socket = /run/mailtree/lmtp\n"
	"socket_mode = 0600\n";

static const char smtp_conf[] =
	"store = /s\n"
	"domains = a.example b.example\n"
	"dkim = a.example s1 /k1\n"
	"dkim = b.example s2 /k2\n"
	"queue_lifetime = 60\n"
	"[listener sub]\n"
	"protocol = submission\n"
	"port = 587\n";

/* Parses text; returns the error message ("" when it parsed). */
static int parse(const char *text, struct buf *err)
{
	struct config cfg;
	int ret;

	buf_reset(err);
	config_init(&cfg);
	ret = config_parse(&cfg, "t.conf", text, strlen(text), err);
	config_release(&cfg);
	return ret;
}

int main(void)
{
	struct config cfg;
	struct buf err = BUF_INIT;
	int ret;

	config_init(&cfg);
	ret = config_parse(&cfg, "t.conf", good, strlen(good), &err);
	is_int(ret, 0, "a good file parses");
	if (ret < 0)
		diag("%s", err.data);
	is_str(cfg.store, "/var/mail/store", "store");
	is_str(cfg.tls_key, "/etc/k.pem", "values are trimmed");
	is_int(cfg.limits.max_message_size, 10 * 1024 * 1024, "10M");
	is_int(cfg.limits.max_line, 4096, "max_line_length");
	is_int(cfg.limits.idle_timeout, 60, "idle_timeout");
	is_int(cfg.workers, 3, "workers");
	is_int(cfg.limits.max_recipients, 100, "defaults stay");
	ok(!cfg.disable_plaintext_auth, "disable_plaintext_auth = no");
	is_int(cfg.listener_count, 2, "two listeners");
	is_str(cfg.listeners[0].address, "127.0.0.1", "address");
	is_int(cfg.listeners[0].port, 24, "port");
	is_int(cfg.listeners[0].tls, TLS_STARTTLS, "tls = starttls");
	is_str(cfg.listeners[1].socket_path, "/run/mailtree/lmtp", "socket");
	is_int(cfg.listeners[1].socket_mode, 0600, "socket_mode");
	config_release(&cfg);

	parse("store = /s\n[listener a]\nprotocol = lmtp\nport = 99999\n", &err);
	is_str(err.data, "t.conf:4: value out of range \"port\"",
	       "a port out of range, with file:line");
	parse("store = /s\nworkers = 257\n", &err);
	is_str(err.data, "t.conf:2: value out of range \"workers\"",
	       "more than 256 workers");
	parse("store = /s\nbogus = 1\n", &err);
	is_str(err.data, "t.conf:2: unknown key \"bogus\"", "unknown key");
	parse("store = /s\n[listener a]\nprotocol = lmtp\nport = 1\n"
	      "store = /t\n", &err);
	is_str(err.data, "t.conf:5: global key inside a listener section "
	       "\"store\"", "global key in a section");
	parse("store = /s\n[listener a]\nprotocol = lmtp\n", &err);
	is_str(err.data, "t.conf:2: listener needs either port or socket "
	       "\"a\"", "listener without port or socket");
	parse("store = /s\n[listener a]\nprotocol = lmtp\nport = 1\n"
	      "tls = implicit\n", &err);
	is_str(err.data, "t.conf:2: tls needs tls_cert and tls_key \"a\"",
	       "tls without a certificate");
	parse("store = /s\n[listener a]\nprotocol = gopher\n", &err);
	is_str(err.data, "t.conf:3: expected lmtp, pop3, imap, smtp or "
	       "submission \"protocol\"", "unknown protocol");
	parse("store = /s\n[listener mx]\nprotocol = smtp\nport = 25\n", &err);
	is_str(err.data, "t.conf:2: smtp and submission need domains = "
	       "DOMAIN... \"mx\"", "smtp without domains");
	config_init(&cfg);
	ret = config_parse(&cfg, "t.conf", smtp_conf, strlen(smtp_conf), &err);
	is_int(ret, 0, "a submission listener with domains and dkim keys");
	is_str(cfg.dkim, "a.example s1 /k1\nb.example s2 /k2",
	       "dkim lines accumulate");
	is_str(cfg.domains, "a.example b.example", "domains");
	is_int(cfg.queue_lifetime, 60, "queue_lifetime");
	is_int(cfg.workers, 0, "workers: one per CPU unless set");
	is_int(cfg.listeners[0].proto, PROTO_SUBMISSION, "submission protocol");
	config_release(&cfg);
	parse("store = /s\n[listener a b]\n", &err);
	is_str(err.data, "t.conf:2: bad listener name \"a b\"", "bad name");
	parse("store = /s\n[listener a]\nprotocol = lmtp\nport = 1\n"
	      "[listener a]\nprotocol = lmtp\nport = 2\n", &err);
	is_str(err.data, "t.conf:5: duplicate listener \"a\"", "duplicate");
	parse("[listener a]\nprotocol = lmtp\nport = 1\n", &err);
	is_str(err.data, "t.conf:3: no store directory given (store = DIR)",
	       "no store");
	parse("store = /s\nmax_message_size = 12Q\n", &err);
	is_str(err.data, "t.conf:2: expected a size such as 10M "
	       "\"max_message_size\"", "bad size");
	parse("store = /s\nnovalue\n", &err);
	is_str(err.data, "t.conf:2: expected key = value", "no =");
	ret = parse("store = /s\n[listener a]\nprotocol = lmtp\n"
		    "socket = relative\n", &err);
	is_int(ret, -EINVAL, "a relative socket path is refused");
	buf_release(&err);
	return done_testing();
}
