#ifndef MAILTREE_CONFIG_H
#define MAILTREE_CONFIG_H

/*
 * mailtreed.conf: "key = value" lines, '#' comments, and [listener NAME]
 * sections.  mailtreed.conf(5) documents every key.  A file with any
 * error is refused whole, with "file:line: reason".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

#define CONFIG_MAX_FILE		(1024 * 1024)
#define CONFIG_MAX_LINE		4096
#define CONFIG_MAX_LISTENERS	64

enum config_proto { PROTO_LMTP, PROTO_POP3, PROTO_IMAP, PROTO_SMTP,
		    PROTO_SUBMISSION };
enum config_tls { TLS_NONE, TLS_STARTTLS, TLS_IMPLICIT };

/* The limits every protocol applies; one struct, copied into each
 * connection when it is accepted, so a reload affects new ones only. */
struct limits {
	size_t max_line;		/* command line, without CRLF */
	uint64_t max_message_size;	/* bytes; 0 = no limit */
	unsigned int max_conn_per_ip;	/* 0 = no limit */
	unsigned int idle_timeout;	/* seconds */
	unsigned int pop3_idle_timeout;	/* seconds, for POP3 sessions */
	unsigned int imap_idle_timeout;	/* seconds, for IMAP sessions */
	size_t imap_max_line;		/* IMAP command line, without CRLF */
	unsigned int max_bad_commands;	/* then disconnect; 0 = never */
	unsigned int max_recipients;	/* per SMTP/LMTP transaction */
	unsigned int auth_fail_delay_ms;
	/* MX, per client address and minute; 0 = no limit. */
	unsigned int smtp_conn_rate;	/* connections */
	unsigned int smtp_msg_rate;	/* MAIL commands */
};

struct listener_config {
	char *name;
	enum config_proto proto;
	char *address;		/* NULL: all addresses */
	uint16_t port;		/* 0 with socket_path set */
	char *socket_path;	/* a UNIX socket instead of TCP */
	mode_t socket_mode;
	char *socket_group;	/* NULL: the daemon's group */
	enum config_tls tls;
	unsigned int line;	/* where the section starts */
};

struct config {
	char *path;
	char *store;
	char *tls_cert, *tls_key;
	char *user;		/* run as this user after binding */
	char *pid_file;
	bool disable_plaintext_auth;
	bool trust_loopback;	/* 127.0.0.0/8 and ::1 count as local */
	unsigned int shutdown_timeout;	/* seconds for SIGTERM to finish */
	unsigned int workers;	/* event loop threads; 0: one per CPU */
	struct limits limits;
	/* SMTP (MX and submission) and the outbound queue. */
	char *hostname;		/* NULL: gethostname() */
	char *domains;		/* the store's mail domains, space-separated */
	bool submission_check_sender;
	unsigned int smtp_greet_pause_ms;	/* MX only; 0 = none */
	char *relayhost;	/* "host" or "host:port"; NULL: MX lookup */
	enum config_tls relay_tls;
	bool relay_tls_verify;	/* the relayhost's certificate must verify */
	char *relay_tls_ca;	/* CA file for that; NULL: the system's */
	char *relay_user, *relay_password;
	unsigned int queue_lifetime;	/* seconds */
	unsigned int queue_retry;	/* seconds before the first retry */
	unsigned int queue_delay_warning;	/* seconds; 0: no warning */
	char *dkim;		/* "domain selector keyfile" lines */
	struct listener_config *listeners;
	size_t listener_count;
};

/* Defaults, before any key is read. */
void config_init(struct config *cfg);
void config_release(struct config *cfg);
/*
 * Parses the text of a file named `path` (used in messages) into cfg,
 * which config_init() prepared.  Returns 0, or -EINVAL with
 * "path:line: reason" in err.
 */
int config_parse(struct config *cfg, const char *path, const char *text,
		 size_t len, struct buf *err);
/* Reads and parses a file; -errno with the reason in err. */
int config_load(struct config *cfg, const char *path, struct buf *err);

const char *config_proto_name(enum config_proto proto);

#endif
