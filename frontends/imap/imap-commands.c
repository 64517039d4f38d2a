/*
 * The command table: every IMAP command, the states that allow it, and
 * whether it uses sequence numbers (so no EXPUNGE may be sent while it
 * replies, RFC 3501 7.4.1) or has a UID variant.
 */

#include <stddef.h>
#include <strings.h>

#include "imap-int.h"
#include "util.h"

#define ANY	IMAP_ANY_STATE
#define AUTHD	IMAP_LOGGED_IN
#define SEL	IMAP_SELECTED
#define SEQ	IMAP_CMD_SEQ
#define UID	IMAP_CMD_UID

static const struct imap_command imap_commands[] = {
	/* RFC 3501 6.1: any state. */
	{ "CAPABILITY", ANY, 0, imap_cmd_capability },
	{ "NOOP", ANY, IMAP_CMD_SYNC, imap_cmd_noop },
	{ "LOGOUT", ANY, 0, imap_cmd_logout },
	{ "ID", ANY, 0, imap_cmd_id },
	/* 6.2: not authenticated. */
	{ "STARTTLS", IMAP_NOT_AUTH, 0, imap_cmd_starttls },
	{ "AUTHENTICATE", IMAP_NOT_AUTH, 0, imap_cmd_authenticate },
	{ "LOGIN", IMAP_NOT_AUTH, 0, imap_cmd_login },
	/* 6.3: authenticated. */
	{ "ENABLE", AUTHD, 0, imap_cmd_enable },
	{ "SELECT", AUTHD, 0, imap_cmd_select },
	{ "EXAMINE", AUTHD, 0, imap_cmd_examine },
	{ "CREATE", AUTHD, 0, imap_cmd_create },
	{ "DELETE", AUTHD, 0, imap_cmd_delete },
	{ "RENAME", AUTHD, 0, imap_cmd_rename },
	{ "SUBSCRIBE", AUTHD, 0, imap_cmd_subscribe },
	{ "UNSUBSCRIBE", AUTHD, 0, imap_cmd_unsubscribe },
	{ "LIST", AUTHD, 0, imap_cmd_list },
	{ "LSUB", AUTHD, 0, imap_cmd_lsub },
	{ "NAMESPACE", AUTHD, 0, imap_cmd_namespace },
	{ "STATUS", AUTHD, 0, imap_cmd_status },
	{ "APPEND", AUTHD, 0, imap_cmd_append },
	{ "IDLE", AUTHD, IMAP_CMD_SYNC, imap_cmd_idle },
	/* 6.4: selected. */
	{ "CHECK", SEL, IMAP_CMD_SYNC, imap_cmd_check },
	{ "CLOSE", SEL, 0, imap_cmd_close },
	{ "UNSELECT", SEL, 0, imap_cmd_unselect },
	{ "EXPUNGE", SEL, UID, imap_cmd_expunge },
	{ "SEARCH", SEL, SEQ | UID, imap_cmd_search },
	{ "SORT", SEL, SEQ | UID, imap_cmd_sort },
	{ "THREAD", SEL, SEQ | UID, imap_cmd_thread },
	{ "FETCH", SEL, SEQ | UID, imap_cmd_fetch },
	{ "STORE", SEL, SEQ | UID, imap_cmd_store },
	{ "COPY", SEL, UID, imap_cmd_copy },
	{ "MOVE", SEL, UID, imap_cmd_move },
};

const struct imap_command *imap_command_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(imap_commands); i++)
		if (strcasecmp(imap_commands[i].name, name) == 0)
			return &imap_commands[i];
	return NULL;
}
