/* Parsing mailtreed.conf; see config.h and mailtreed.conf(5). */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "util.h"

enum value_type { V_STRING, V_BOOL, V_UINT, V_SIZE, V_MODE, V_PROTO, V_TLS,
		  V_PORT, V_LINES };

struct key {
	const char *name;
	enum value_type type;
	size_t offset;		/* in struct config or listener_config */
	uint64_t min, max;	/* for numbers */
};

#define G(f) offsetof(struct config, f)
#define L(f) offsetof(struct config, limits) + offsetof(struct limits, f)
#define S(f) offsetof(struct listener_config, f)

static const struct key global_keys[] = {
	{ "store", V_STRING, G(store), 0, 0 },
	{ "tls_cert", V_STRING, G(tls_cert), 0, 0 },
	{ "tls_key", V_STRING, G(tls_key), 0, 0 },
	{ "user", V_STRING, G(user), 0, 0 },
	{ "pid_file", V_STRING, G(pid_file), 0, 0 },
	{ "disable_plaintext_auth", V_BOOL, G(disable_plaintext_auth), 0, 0 },
	{ "trust_loopback", V_BOOL, G(trust_loopback), 0, 0 },
	{ "shutdown_timeout", V_UINT, G(shutdown_timeout), 1, 3600 },
	{ "workers", V_UINT, G(workers), 0, 256 },
	{ "max_line_length", V_SIZE, L(max_line), 512, 65536 },
	{ "max_message_size", V_SIZE, L(max_message_size), 0,
	  (uint64_t)1 << 40 },
	{ "max_connections_per_ip", V_UINT, L(max_conn_per_ip), 0, 100000 },
	{ "idle_timeout", V_UINT, L(idle_timeout), 1, 86400 },
	{ "pop3_idle_timeout", V_UINT, L(pop3_idle_timeout), 1, 86400 },
	{ "imap_idle_timeout", V_UINT, L(imap_idle_timeout), 1, 86400 },
	{ "imap_max_line_length", V_SIZE, L(imap_max_line), 1024,
	  1024 * 1024 },
	{ "max_bad_commands", V_UINT, L(max_bad_commands), 0, 1000 },
	{ "max_recipients", V_UINT, L(max_recipients), 1, 10000 },
	{ "auth_fail_delay", V_UINT, L(auth_fail_delay_ms), 0, 60000 },
	{ "hostname", V_STRING, G(hostname), 0, 0 },
	{ "domains", V_STRING, G(domains), 0, 0 },
	{ "submission_check_sender", V_BOOL, G(submission_check_sender),
	  0, 0 },
	{ "smtp_greet_pause", V_UINT, G(smtp_greet_pause_ms), 0, 30000 },
	{ "smtp_connection_rate_limit", V_UINT, L(smtp_conn_rate), 0, 1000000 },
	{ "smtp_message_rate_limit", V_UINT, L(smtp_msg_rate), 0, 1000000 },
	{ "relayhost", V_STRING, G(relayhost), 0, 0 },
	{ "relay_tls", V_TLS, G(relay_tls), 0, 0 },
	{ "relay_tls_verify", V_BOOL, G(relay_tls_verify), 0, 0 },
	{ "relay_tls_ca", V_STRING, G(relay_tls_ca), 0, 0 },
	{ "relay_user", V_STRING, G(relay_user), 0, 0 },
	{ "relay_password", V_STRING, G(relay_password), 0, 0 },
	{ "queue_lifetime", V_UINT, G(queue_lifetime), 1, 365 * 86400 },
	{ "queue_retry", V_UINT, G(queue_retry), 1, 86400 },
	{ "queue_delay_warning", V_UINT, G(queue_delay_warning), 0,
	  365 * 86400 },
	{ "dkim", V_LINES, G(dkim), 0, 0 },
};

static const struct key listener_keys[] = {
	{ "protocol", V_PROTO, S(proto), 0, 0 },
	{ "address", V_STRING, S(address), 0, 0 },
	{ "port", V_PORT, S(port), 1, 65535 },
	{ "socket", V_STRING, S(socket_path), 0, 0 },
	{ "socket_mode", V_MODE, S(socket_mode), 0, 07777 },
	{ "socket_group", V_STRING, S(socket_group), 0, 0 },
	{ "tls", V_TLS, S(tls), 0, 0 },
};

static const char *const proto_names[] = {
	[PROTO_LMTP] = "lmtp", [PROTO_POP3] = "pop3",
	[PROTO_IMAP] = "imap", [PROTO_SMTP] = "smtp",
	[PROTO_SUBMISSION] = "submission",
};
static const char *const tls_names[] = {
	[TLS_NONE] = "none", [TLS_STARTTLS] = "starttls",
	[TLS_IMPLICIT] = "implicit",
};

const char *config_proto_name(enum config_proto proto)
{
	return proto_names[proto];
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->disable_plaintext_auth = true;
	cfg->trust_loopback = true;
	cfg->shutdown_timeout = 30;
	cfg->limits.max_line = 2048;
	cfg->limits.max_message_size = 64u * 1024 * 1024;
	cfg->limits.max_conn_per_ip = 20;
	cfg->limits.idle_timeout = 300;
	/* RFC 1939 3: at least ten minutes. */
	cfg->limits.pop3_idle_timeout = 600;
	/* RFC 3501 5.4: at least 30 minutes.  IMAP lines carry long
	 * sequence sets and search programs: Dovecot allows 64 KB. */
	cfg->limits.imap_idle_timeout = 1800;
	cfg->limits.imap_max_line = 65536;
	cfg->limits.max_bad_commands = 10;
	cfg->limits.max_recipients = 100;
	cfg->limits.auth_fail_delay_ms = 2000;
	cfg->submission_check_sender = true;
	cfg->smtp_greet_pause_ms = 1000;
	cfg->relay_tls = TLS_STARTTLS;
	cfg->queue_lifetime = 5 * 86400;
	cfg->queue_retry = 300;
}

static void listener_release(struct listener_config *l)
{
	free(l->name);
	free(l->address);
	free(l->socket_path);
	free(l->socket_group);
}

void config_release(struct config *cfg)
{
	size_t i;

	free(cfg->path);
	free(cfg->store);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->user);
	free(cfg->pid_file);
	free(cfg->hostname);
	free(cfg->domains);
	free(cfg->relayhost);
	free(cfg->relay_tls_ca);
	free(cfg->relay_user);
	free(cfg->relay_password);
	free(cfg->dkim);
	for (i = 0; i < cfg->listener_count; i++)
		listener_release(&cfg->listeners[i]);
	free(cfg->listeners);
	memset(cfg, 0, sizeof(*cfg));
}

static int lookup_name(const char *const *names, size_t n, const char *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

/* A number with an optional K, M or G suffix (powers of 1024). */
static int parse_size(const char *v, uint64_t *val_r)
{
	char digits[32];
	size_t n = strlen(v);
	unsigned int shift = 0;
	uint64_t val;

	if (n > 0 && strchr("kKmMgG", v[n - 1]) != NULL) {
		shift = strchr("kK", v[n - 1]) ? 10 :
			strchr("mM", v[n - 1]) ? 20 : 30;
		n--;
	}
	if (n == 0 || n >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (parse_u64(digits, &val) < 0 || val > (UINT64_MAX >> shift))
		return -EINVAL;
	*val_r = val << shift;
	return 0;
}

/* Stores value v for key k into the struct at base; a reason on error. */
static const char *set_value(const struct key *k, void *base, const char *v)
{
	char *field = (char *)base + k->offset;
	uint64_t num;
	int idx;

	switch (k->type) {
	case V_STRING:
		if (*v == '\0')
			return "empty value";
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	case V_LINES:
		/* A key that may be given several times, one value each. */
		if (*v == '\0')
			return "empty value";
		if (*(char **)field == NULL) {
			*(char **)field = xstrdup(v);
		} else {
			struct buf all = BUF_INIT;

			buf_printf(&all, "%s\n%s", *(char **)field, v);
			free(*(char **)field);
			*(char **)field = buf_detach(&all);
		}
		return NULL;
	case V_BOOL:
		if (strcmp(v, "yes") == 0)
			*(bool *)field = true;
		else if (strcmp(v, "no") == 0)
			*(bool *)field = false;
		else
			return "expected yes or no";
		return NULL;
	case V_PROTO:
		idx = lookup_name(proto_names, ARRAY_SIZE(proto_names), v);
		if (idx < 0)
			return "expected lmtp, pop3, imap, smtp or "
			       "submission";
		*(enum config_proto *)field = (enum config_proto)idx;
		return NULL;
	case V_TLS:
		idx = lookup_name(tls_names, ARRAY_SIZE(tls_names), v);
		if (idx < 0)
			return "expected none, starttls or implicit";
		*(enum config_tls *)field = (enum config_tls)idx;
		return NULL;
	case V_MODE:
		if (*v == '\0' || strspn(v, "01234567") != strlen(v) ||
		    strlen(v) > 5)
			return "expected an octal mode such as 0660";
		num = strtoull(v, NULL, 8);
		if (num > k->max)
			return "mode out of range";
		*(mode_t *)field = (mode_t)num;
		return NULL;
	case V_UINT:
	case V_PORT:
		if (parse_u64(v, &num) < 0)
			return "expected a number";
		break;
	case V_SIZE:
		if (parse_size(v, &num) < 0)
			return "expected a size such as 10M";
		break;
	}
	if (num < k->min || num > k->max)
		return "value out of range";
	if (k->type == V_PORT)
		*(uint16_t *)field = (uint16_t)num;
	else if (k->type == V_UINT)
		*(unsigned int *)field = (unsigned int)num;
	else if (k->offset == L(max_line) || k->offset == L(imap_max_line))
		*(size_t *)field = (size_t)num;
	else
		*(uint64_t *)field = num;
	return NULL;
}

static const struct key *find_key(const struct key *keys, size_t n,
				  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

static int fail(struct buf *err, const char *path, unsigned int line,
		const char *reason, const char *detail)
{
	buf_reset(err);
	buf_printf(err, "%s:%u: %s", path, line, reason);
	if (detail != NULL)
		buf_printf(err, " \"%s\"", detail);
	return -EINVAL;
}

static bool name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' ||
		      (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* Checks what single lines cannot: required keys and combinations. */
static int check_whole(struct config *cfg, const char *path,
		       unsigned int last_line, struct buf *err)
{
	size_t i, j;

	if (cfg->store == NULL)
		return fail(err, path, last_line, "no store directory given "
			    "(store = DIR)", NULL);
	if (cfg->listener_count == 0)
		return fail(err, path, last_line, "no [listener NAME] section",
			    NULL);
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
		return fail(err, path, last_line, "tls_cert and tls_key go "
			    "together", NULL);
	if (cfg->relay_tls_verify && (cfg->relayhost == NULL ||
				      cfg->relay_tls == TLS_NONE))
		return fail(err, path, last_line, "relay_tls_verify needs a "
			    "relayhost and relay_tls = starttls or implicit",
			    NULL);
	for (i = 0; i < cfg->listener_count; i++) {
		struct listener_config *l = &cfg->listeners[i];

		if (l->proto == (enum config_proto)-1)
			return fail(err, path, l->line, "listener has no "
				    "protocol", l->name);
		if ((l->port != 0) == (l->socket_path != NULL))
			return fail(err, path, l->line, "listener needs either "
				    "port or socket", l->name);
		if (l->socket_path != NULL && l->address != NULL)
			return fail(err, path, l->line, "address does not go "
				    "with socket", l->name);
		if (l->socket_path != NULL && l->socket_path[0] != '/')
			return fail(err, path, l->line, "socket must be an "
				    "absolute path", l->name);
		if (l->tls != TLS_NONE && cfg->tls_cert == NULL)
			return fail(err, path, l->line, "tls needs tls_cert and "
				    "tls_key", l->name);
		if ((l->proto == PROTO_SMTP ||
		     l->proto == PROTO_SUBMISSION) && cfg->domains == NULL)
			return fail(err, path, l->line, "smtp and submission "
				    "need domains = DOMAIN...", l->name);
		for (j = 0; j < i; j++)
			if (strcmp(cfg->listeners[j].name, l->name) == 0)
				return fail(err, path, l->line, "duplicate "
					    "listener", l->name);
	}
	return 0;
}

int config_parse(struct config *cfg, const char *path, const char *text,
		 size_t len, struct buf *err)
{
	struct listener_config *cur = NULL;
	size_t cap = cfg->listener_count, pos = 0;
	struct buf line = BUF_INIT;
	unsigned int lineno = 0;
	int ret = 0;

	free(cfg->path);
	cfg->path = xstrdup(path);
	if (len > CONFIG_MAX_FILE)
		return fail(err, path, 0, "file too large", NULL);
	while (pos < len && ret == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *eq, *key, *val;

		lineno++;
		if (n > CONFIG_MAX_LINE) {
			ret = fail(err, path, lineno, "line too long", NULL);
			break;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			ret = fail(err, path, lineno, "NUL byte", NULL);
			break;
		}
		buf_reset(&line);
		buf_append(&line, text + pos, n);
		pos += n + (nl != NULL);
		s = trim(line.data);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (end == NULL || end[1] != '\0' ||
			    strncmp(s, "[listener", 9) != 0 ||
			    (s[9] != ' ' && s[9] != '\t')) {
				ret = fail(err, path, lineno, "expected "
					   "[listener NAME]", NULL);
				break;
			}
			*end = '\0';
			s = trim(s + 9);
			if (!name_ok(s)) {
				ret = fail(err, path, lineno, "bad listener "
					   "name", s);
				break;
			}
			if (cfg->listener_count == CONFIG_MAX_LISTENERS) {
				ret = fail(err, path, lineno, "too many "
					   "listeners", NULL);
				break;
			}
			cfg->listeners = xgrow(cfg->listeners, &cap,
					       cfg->listener_count + 1,
					       sizeof(*cfg->listeners));
			cur = &cfg->listeners[cfg->listener_count++];
			memset(cur, 0, sizeof(*cur));
			cur->name = xstrdup(s);
			cur->proto = (enum config_proto)-1;
			cur->socket_mode = 0660;
			cur->line = lineno;
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			ret = fail(err, path, lineno, "expected key = value",
				   NULL);
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		const struct key *k = NULL;
		void *base = cfg;
		const char *why;

		if (cur != NULL) {
			k = find_key(listener_keys, ARRAY_SIZE(listener_keys),
				     key);
			base = cur;
		}
		if (k == NULL) {
			k = find_key(global_keys, ARRAY_SIZE(global_keys), key);
			base = cfg;
			if (k != NULL && cur != NULL) {
				ret = fail(err, path, lineno, "global key inside "
					   "a listener section", key);
				break;
			}
		}
		if (k == NULL) {
			ret = fail(err, path, lineno, "unknown key", key);
			break;
		}
		why = set_value(k, base, val);
		if (why != NULL) {
			ret = fail(err, path, lineno, why, key);
			break;
		}
	}
	buf_release(&line);
	if (ret == 0)
		ret = check_whole(cfg, path, lineno, err);
	return ret;
}

int config_load(struct config *cfg, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	int ret;

	ret = read_file_small(path, CONFIG_MAX_FILE, &text);
	if (ret < 0) {
		buf_reset(err);
		buf_printf(err, "%s: %s", path, strerror(-ret));
	} else {
		ret = config_parse(cfg, path, text.data, text.len, err);
	}
	buf_release(&text);
	return ret;
}
