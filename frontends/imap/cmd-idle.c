/*
 * IDLE (RFC 2177).  While idling, the session is on its shared folder's
 * list of idlers (imap-folders.c); a change to the folder by anyone
 * reaches the client at once as EXISTS, EXPUNGE and FETCH FLAGS.  The
 * client ends IDLE with DONE; anything else is a BAD and ends it too.
 */

#include <strings.h>

#include "conn.h"
#include "imap-int.h"
#include "util.h"

/* Updates waiting for an idling client that does not read, before it is
 * disconnected: bounded memory whatever the folder does meanwhile. */
#define IDLE_MAX_BACKLOG (4 * 1024 * 1024)

static void send_updates(struct imap_session *s)
{
	struct buf out = BUF_INIT;

	if (s->state == IMAP_SELECTED)
		imap_view_updates(s, true, true, &out);
	if (out.len > 0 && s->c->write_queued > IDLE_MAX_BACKLOG) {
		conn_log_warn(s->c, "idling client does not read its updates, "
			      "disconnecting");
		buf_release(&out);
		conn_close(s->c);
		return;
	}
	if (out.len > 0) {
		conn_write(s->c, out.data, out.len);
		conn_flush(s->c);
	}
	buf_release(&out);
	if (s->view.gone)
		conn_close(s->c);
}

void imap_cmd_idle(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "IDLE takes no arguments");
		return;
	}
	conn_puts(s->c, "+ idling\r\n");
	s->idling = true;
	imap_folders_idle_start(s);
	send_updates(s);
}

void imap_idle_changed(struct imap_session *s)
{
	if (s->idling && !s->c->closing)
		send_updates(s);
}

void imap_idle_line(struct imap_session *s, const char *line)
{
	s->idling = false;
	imap_folders_idle_stop(s);
	if (strcasecmp(line, "DONE") == 0)
		imap_cmd_ok(&s->cmd, "Idle completed.");
	else
		imap_cmd_bad(&s->cmd, "Expected DONE.");
}
