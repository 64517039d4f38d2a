/*
 * Fuzz target for the passwd-file parser: the input is parsed whole and
 * in pieces, which must agree, and every user found must be found again by
 * lookup and have a valid name.  Each stored password is also verified
 * against a fixed guess, so the scheme decoders see the fuzzer's values.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A password without {SCHEME}, or one whose scheme names CRYPT. */
static int is_crypt(const char *pw)
{
	const char *end = strchr(pw, '}');
	const char *p;

	if (pw[0] != '{' || end == NULL)
		return 1;
	for (p = pw + 1; p + 5 <= end; p++)
		if (strncasecmp(p, "CRYPT", 5) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passwd_db *whole, *pieces;
	size_t i, step = size % 7 + 1;
	int ret;

	ret = passwd_parse(data, size, &whole);
	pieces = passwd_new();
	for (i = 0; i < size; i += step)
		passwd_feed(pieces, data + i, size - i < step ? size - i
							      : step);
	if (passwd_finish(pieces) != ret)
		abort();
	if (ret < 0) {
		passwd_free(&pieces);
		return 0;
	}
	if (passwd_count(whole) != passwd_count(pieces) ||
	    passwd_error_count(whole) != passwd_error_count(pieces))
		abort();
	for (i = 0; i < passwd_count(whole); i++) {
		const struct passwd_entry *e = passwd_entry_at(whole, i);

		if (passwd_lookup(whole, e->name) != e ||
		    !passwd_user_name_valid(e->name, NULL) ||
		    strcmp(passwd_entry_at(pieces, i)->password,
			   e->password) != 0)
			abort();
		/* Skip crypt(3) strings: their cost is in the input, and
		 * libcrypt is not what is being fuzzed. */
		if (!is_crypt(e->password))
			passwd_verify(e, "password");
	}
	for (i = 0; i < passwd_error_count(whole); i++)
		if (passwd_error_at(whole, i) == NULL && i < PASSWD_MAX_ERRORS)
			abort();
	passwd_free(&whole);
	passwd_free(&pieces);
	return 0;
}
