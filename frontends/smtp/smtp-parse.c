/* Arguments of MAIL FROM and RCPT TO; see smtp.h. */

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "deliver.h"
#include "smtp.h"

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* Copies the address between < and >, dropping an RFC 5321 source route
 * ("@a,@b:user@host"); returns the end of the path or NULL. */
static const char *parse_addr(const char *s, char *out, size_t size, int *err)
{
	const char *start, *end;
	bool quoted = false;
	size_t n;

	if (*s != '<') {
		*err = -EINVAL;
		return NULL;
	}
	start = ++s;
	for (end = start; *end != '\0'; end++) {
		if (*end == '\\' && quoted && end[1] != '\0')
			end++;
		else if (*end == '"')
			quoted = !quoted;
		else if (*end == '>' && !quoted)
			break;
	}
	if (*end != '>') {
		*err = -EINVAL;
		return NULL;
	}
	if (*start == '@') {
		const char *colon = memchr(start, ':', (size_t)(end - start));

		if (colon == NULL) {
			*err = -EINVAL;
			return NULL;
		}
		start = colon + 1;
	}
	n = (size_t)(end - start);
	if (n >= size) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	memcpy(out, start, n);
	out[n] = '\0';
	/* Trace fields quote the address as it is: nothing that would
	 * break a header line or the angle brackets may be in it. */
	if (!deliver_address_ok(out)) {
		*err = -EINVAL;
		return NULL;
	}
	return end + 1;
}

int smtp_parse_path(const char *args, const char *keyword,
		    struct smtp_path *path)
{
	size_t klen = strlen(keyword);
	const char *s;
	int err = 0;

	memset(path, 0, sizeof(*path));
	if (strncasecmp(args, keyword, klen) != 0)
		return -EINVAL;
	s = skip_spaces(args + klen);
	s = parse_addr(s, path->addr, sizeof(path->addr), &err);
	if (s == NULL)
		return err;
	for (;;) {
		const char *tok, *eq;
		size_t klen2, vlen;

		if (*s != ' ' && *s != '\0')
			return -EINVAL;
		s = skip_spaces(s);
		if (*s == '\0')
			return 0;
		if (path->param_count == SMTP_MAX_PARAMS)
			return -ENAMETOOLONG;
		tok = s;
		s += strcspn(s, " ");
		eq = memchr(tok, '=', (size_t)(s - tok));
		klen2 = (size_t)((eq != NULL ? eq : s) - tok);
		vlen = eq != NULL ? (size_t)(s - eq - 1) : 0;
		if (klen2 == 0)
			return -EINVAL;
		if (klen2 >= sizeof(path->params[0].key) ||
		    vlen >= sizeof(path->params[0].value))
			return -ENAMETOOLONG;
		for (size_t i = 0; i < klen2; i++) {
			char ch = tok[i];

			if (!((ch >= 'A' && ch <= 'Z') ||
			      (ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '-'))
				return -EINVAL;
			path->params[path->param_count].key[i] =
				(ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
		}
		if (eq != NULL) {
			for (size_t i = 0; i < vlen; i++)
				if ((unsigned char)eq[1 + i] < 0x21 ||
				    (unsigned char)eq[1 + i] == 0x7f)
					return -EINVAL;
			memcpy(path->params[path->param_count].value, eq + 1,
			       vlen);
		}
		path->param_count++;
	}
}

const char *smtp_path_param(const struct smtp_path *path, const char *key)
{
	size_t i;

	for (i = 0; i < path->param_count; i++)
		if (strcmp(path->params[i].key, key) == 0)
			return path->params[i].value;
	return NULL;
}

void smtp_local_part(const char *addr, struct buf *out)
{
	const char *at = strrchr(addr, '@');

	buf_reset(out);
	buf_append(out, addr, at != NULL ? (size_t)(at - addr) : strlen(addr));
}

bool smtp_addr_is_utf8(const char *addr)
{
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr > 0x7f)
			return true;
	return false;
}

bool smtp_xtext_valid(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			if (s[1] == '\0' || s[2] == '\0' ||
			    strchr(hex, s[1]) == NULL ||
			    strchr(hex, s[2]) == NULL)
				return false;
			s += 2;
		} else if (*s < '!' || *s > '~' || *s == '=') {
			return false;
		}
	}
	return true;
}
