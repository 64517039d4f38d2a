/* Accessors of parsed IMAP arguments; see imap-arg.h. */

#include <stdint.h>
#include <strings.h>

#include "imap-arg.h"

bool imap_arg_parse_number(const char *s, size_t len, uint64_t max,
		       uint64_t *num_r)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || n > (max - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*num_r = n;
	return true;
}

bool imap_arg_atom_equals(const struct imap_arg *arg, const char *s)
{
	return (arg->type == IMAP_ARG_ATOM || arg->type == IMAP_ARG_NIL) &&
		!(arg->flags & IMAP_ARG_SECTION) && strcasecmp(arg->str, s) == 0;
}

bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r)
{
	if ((arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL) ||
	    (arg->flags & IMAP_ARG_SECTION))
		return false;
	*str_r = arg->str;
	return true;
}

bool imap_arg_get_string(const struct imap_arg *arg, const char **str_r,
			 size_t *len_r)
{
	if (arg->type != IMAP_ARG_QUOTED && arg->type != IMAP_ARG_LITERAL)
		return false;
	*str_r = arg->str;
	*len_r = arg->len;
	return true;
}

bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r)
{
	if (imap_arg_get_string(arg, str_r, len_r))
		return true;
	if (!imap_arg_get_atom(arg, str_r))
		return false;
	*len_r = arg->len;
	return true;
}

bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r)
{
	if (arg->type == IMAP_ARG_NIL) {
		*str_r = NULL;
		*len_r = 0;
		return true;
	}
	return imap_arg_get_string(arg, str_r, len_r);
}

bool imap_arg_get_number(const struct imap_arg *arg, uint32_t *num_r)
{
	uint64_t n;

	if (arg->type != IMAP_ARG_ATOM || (arg->flags & IMAP_ARG_SECTION) ||
	    !imap_arg_parse_number(arg->str, arg->len, UINT32_MAX, &n))
		return false;
	*num_r = (uint32_t)n;
	return true;
}

bool imap_arg_get_number64(const struct imap_arg *arg, uint64_t *num_r)
{
	if (arg->type != IMAP_ARG_ATOM || (arg->flags & IMAP_ARG_SECTION))
		return false;
	return imap_arg_parse_number(arg->str, arg->len, INT64_MAX, num_r);
}

bool imap_arg_get_list(const struct imap_arg *arg,
		       const struct imap_list **list_r)
{
	if (arg->type != IMAP_ARG_LIST)
		return false;
	*list_r = &arg->list;
	return true;
}
