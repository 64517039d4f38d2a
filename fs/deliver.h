#ifndef MAILTREE_DELIVER_H
#define MAILTREE_DELIVER_H

/*
 * What every local delivery path (mailtree deliver, the LMTP server) adds
 * in front of a message: the trace fields Return-Path and Delivered-To,
 * in the form Dovecot's LDA and LMTP write them.
 */

#include <stdbool.h>

struct buf;

/*
 * Appends "Return-Path: <sender>" (only when sender is not NULL; "" is
 * the null sender and gives "<>") and "Delivered-To: recipient" to out,
 * each ending in eol ("\n" or "\r\n", matching the message).
 */
void deliver_trace_headers(struct buf *out, const char *sender,
			   const char *recipient, const char *eol);

/* Is the address usable in a trace field: no control characters, spaces
 * or angle brackets? */
bool deliver_address_ok(const char *address);

#endif
