/*
 * Fuzz target for the POP3 command parser and the RETR/TOP encoder:
 * a parsed verb is 3 or 4 upper-case letters, numbers stay in range,
 * and the encoded body has CRLF line endings only, no line starting with
 * a lone '.', and as many octets (without stuffing) as the vsize.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pop3/pop3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_body(const struct buf *out, uint64_t *stuffed_r)
{
	size_t i;
	bool bol = true;

	*stuffed_r = 0;
	for (i = 0; i < out->len; i++) {
		if (out->data[i] == '\n' && (i == 0 || out->data[i - 1] != '\r'))
			abort();
		if (bol && out->data[i] == '.' && i + 3 < out->len) {
			if (out->data[i + 1] != '.')
				abort();
			(*stuffed_r)++;
			i++;
		}
		bol = out->data[i] == '\n';
	}
	if (out->len < 3 || memcmp(out->data + out->len - 3, ".\r\n", 3) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct pop3_command cmd;
	struct pop3_enc e;
	const char *rest;
	uint64_t vsize = size, stuffed;
	uint32_t n;
	size_t i;

	buf_append(&in, data, size);
	if (pop3_parse_command(in.data, &cmd) == 0) {
		if (strlen(cmd.verb) < 3 || strlen(cmd.verb) > 4 ||
		    strspn(cmd.verb, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
		    strlen(cmd.verb))
			abort();
		if (pop3_parse_number(cmd.args, false, &n, &rest) == 0 &&
		    (n == 0 || rest < cmd.args))
			abort();
	}
	for (i = 0; i < size; i++)
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			vsize++;
	pop3_enc_init(&e, false, 0);
	/* Uneven chunks, as reads of a file would give. */
	for (i = 0; i < size; i += 1 + i % 7)
		pop3_enc_feed(&e, in.data + i, size - i < 1 + i % 7 ?
			      size - i : 1 + i % 7, &out);
	pop3_enc_finish(&e, &out);
	if (e.sent != vsize)
		abort();
	check_body(&out, &stuffed);
	if (out.len - stuffed - 3 - (e.bol ? 0 : 2) != vsize)
		abort();
	buf_release(&in);
	buf_release(&out);
	return 0;
}
