/* The IMAP command argument parser; see imap-parser.h. */

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap-parser.h"
#include "linereader.h"
#include "util.h"

/*
 * Defaults.  RFC 7162 section 4 asks servers to take command lines of at
 * least 8192 octets; long UID sets are the usual reason for more, and
 * they come as one atom.  Literals kept in memory are passwords, search
 * strings and mailbox names: 64 KiB is far beyond any of them, and a
 * message body (APPEND) streams instead.  A whole command with its
 * literals stays under 256 KiB.  No command needs lists nested deeper than
 * a few levels (SEARCH groups, a FETCH section inside a list); 16 leaves
 * room and keeps the tree small.  4096 arguments are more than STORE
 * flags or SEARCH keys need and cap the tree at a few hundred KiB.
 */
void imap_parser_limits_default(struct imap_parser_limits *limits)
{
	limits->max_line = IMAP_PARSER_DEFAULT_MAX_LINE;
	limits->max_literal = IMAP_PARSER_DEFAULT_MAX_LITERAL;
	limits->max_command = IMAP_PARSER_DEFAULT_MAX_COMMAND;
	limits->max_depth = IMAP_PARSER_DEFAULT_MAX_DEPTH;
	limits->max_args = IMAP_PARSER_DEFAULT_MAX_ARGS;
}

enum parser_state {
	ST_START,		/* wants the first line of a command */
	ST_CONT,		/* wants the line after a literal */
	ST_DECIDE,		/* a literal was announced; caller decides */
	ST_LITERAL,		/* literal bytes wanted */
	ST_SKIP_LITERAL,	/* discarding a failed command's literal */
	ST_SKIP_LINE,		/* wants the line after that literal */
};

/* An open list or section: its arguments grow here until it closes and
 * they move into the command's memory. */
struct imap_parser_frame {
	struct imap_arg *args;
	size_t count, cap;
	bool section;
	const char *name;	/* section: the atom before '[' */
};

/* The command's memory: freed as a whole when the next one starts. */
struct imap_parser_chunk {
	struct imap_parser_chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define CHUNK_SIZE 4096

static void *arena_alloc(struct imap_parser *p, size_t size)
{
	struct imap_parser_chunk *c = p->chunks;
	size_t align = alignof(max_align_t);
	void *ret;

	size = (size + align - 1) / align * align;
	if (c == NULL || c->size - c->used < size) {
		size_t n = size > CHUNK_SIZE ? size : CHUNK_SIZE;

		c = xmalloc(sizeof(*c) + n);
		c->used = 0;
		c->size = n;
		/* A big block goes behind the current chunk, so the room
		 * left in that one is still used. */
		if (p->chunks != NULL && n > CHUNK_SIZE) {
			c->next = p->chunks->next;
			p->chunks->next = c;
		} else {
			c->next = p->chunks;
			p->chunks = c;
		}
	}
	ret = (char *)c->data + c->used;
	c->used += size;
	return ret;
}

static char *arena_strndup(struct imap_parser *p, const char *s, size_t len)
{
	char *d = arena_alloc(p, len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static int fail(struct imap_parser *p, int err, const char *text)
{
	if (p->error == 0) {
		p->error = err;
		p->error_text = text;
	}
	return p->error;
}

void imap_parser_init(struct imap_parser *p,
		      const struct imap_parser_limits *limits)
{
	struct imap_parser_limits def;

	imap_parser_limits_default(&def);
	memset(p, 0, sizeof(*p));
	p->limits = limits != NULL ? *limits : def;
	/* A zero field means the default. */
	if (p->limits.max_line == 0)
		p->limits.max_line = def.max_line;
	if (p->limits.max_literal == 0)
		p->limits.max_literal = def.max_literal;
	if (p->limits.max_command == 0)
		p->limits.max_command = def.max_command;
	if (p->limits.max_depth == 0)
		p->limits.max_depth = def.max_depth;
	if (p->limits.max_args == 0)
		p->limits.max_args = def.max_args;
	p->frames = xcalloc(p->limits.max_depth + 1, sizeof(*p->frames));
	p->state = ST_START;
}

/* Forgets the command; keeps the frames' arrays for the next one. */
static void command_clear(struct imap_parser *p)
{
	struct imap_parser_chunk *c, *next;
	unsigned int i;

	for (c = p->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	p->chunks = NULL;
	for (i = 0; i <= p->limits.max_depth; i++) {
		p->frames[i].count = 0;
		p->frames[i].section = false;
		p->frames[i].name = NULL;
	}
	p->depth = 0;
	p->error = 0;
	p->error_text = NULL;
	p->tag = p->name = NULL;
	p->arg_count = 0;
	p->command_size = 0;
	memset(&p->lit, 0, sizeof(p->lit));
	p->lit_left = 0;
	p->lit_data = NULL;
	p->lit_len = 0;
	p->sink = NULL;
	p->sink_ctx = NULL;
	p->lit_nul = false;
	p->after_value = false;
	p->result.args = NULL;
	p->result.count = 0;
}

void imap_parser_reset(struct imap_parser *p)
{
	command_clear(p);
	p->state = ST_START;
}

void imap_parser_release(struct imap_parser *p)
{
	unsigned int i;

	if (p->frames == NULL)
		return;
	command_clear(p);
	for (i = 0; i <= p->limits.max_depth; i++)
		free(p->frames[i].args);
	free(p->frames);
	p->frames = NULL;
}

/* The largest literal size taken: number64 of RFC 9051. */
#define LITERAL_MAX ((uint64_t)INT64_MAX)

/* Does the line end in "{N+}"?  Used to find the end of a command that
 * failed: its client sends the literal without waiting. */
static bool line_nonsync_literal(const char *line, size_t len,
				 uint64_t *size_r)
{
	size_t end, start;

	if (len < 4 || line[len - 1] != '}' || line[len - 2] != '+')
		return false;
	end = len - 2;
	start = end;
	while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9')
		start--;
	if (start == 0 || line[start - 1] != '{')
		return false;
	return imap_arg_parse_number(line + start, end - start, LITERAL_MAX,
				 size_r);
}

static struct imap_arg *frame_add(struct imap_parser *p)
{
	struct imap_parser_frame *f = &p->frames[p->depth];
	struct imap_arg *arg;

	if (p->arg_count >= p->limits.max_args) {
		fail(p, -E2BIG, "Too many arguments");
		return NULL;
	}
	p->arg_count++;
	f->args = xgrow(f->args, &f->cap, f->count + 1, sizeof(*f->args));
	arg = &f->args[f->count++];
	memset(arg, 0, sizeof(*arg));
	arg->str = "";
	return arg;
}

/* Moves the top frame's arguments into the command's memory. */
static struct imap_list frame_close(struct imap_parser *p)
{
	struct imap_parser_frame *f = &p->frames[p->depth];
	struct imap_list list;

	list.count = f->count;
	list.args = arena_alloc(p, (f->count ? f->count : 1) *
				sizeof(struct imap_arg));
	if (f->count > 0)
		memcpy(list.args, f->args, f->count * sizeof(struct imap_arg));
	f->count = 0;
	f->section = false;
	f->name = NULL;
	p->depth--;
	return list;
}

static bool push_frame(struct imap_parser *p, bool section, const char *name)
{
	if (p->depth >= p->limits.max_depth) {
		fail(p, -E2BIG, "Too deeply nested");
		return false;
	}
	p->depth++;
	p->frames[p->depth].count = 0;
	p->frames[p->depth].section = section;
	p->frames[p->depth].name = name;
	return true;
}

static bool is_atom_char(unsigned char c, bool in_section)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	switch (c) {
	case '(': case ')': case '{': case '"': case '\\':
		return false;
	case ']':
		return !in_section;
	default:
		return true;
	}
}

static bool section_name(const char *s, size_t len)
{
	static const char *const names[] = {
		"BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len &&
		    strncasecmp(s, names[i], len) == 0)
			return true;
	return false;
}

/* The length of the UTF-8 character at s (at most `left` bytes), or 0 if
 * it is not valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
static size_t utf8_char_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Parses a quoted string starting at line[*pos] == '"'. */
static int parse_quoted(struct imap_parser *p, const char *line, size_t len,
			size_t *pos)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = *pos + 1, start = i, n = 0, clen;
	unsigned int flags = 0;
	struct imap_arg *arg;
	char *out;

	/* First pass: find the end and the unescaped length. */
	while (i < len && s[i] != '"') {
		if (s[i] == '\\') {
			if (i + 1 >= len)
				break;
			if (s[i + 1] != '\\' && s[i + 1] != '"')
				return fail(p, -EINVAL,
					    "Bad escape in a quoted string");
			i += 2;
			n++;
			continue;
		}
		if (s[i] >= 0x80) {
			clen = utf8_char_len(s + i, len - i);
			if (clen == 0)
				return fail(p, -EINVAL, "Invalid UTF-8 in a "
					    "quoted string");
			flags |= IMAP_ARG_8BIT;
			i += clen;
			n += clen;
			continue;
		}
		i++;
		n++;
	}
	if (i >= len)
		return fail(p, -EINVAL, "Unterminated quoted string");
	arg = frame_add(p);
	if (arg == NULL)
		return p->error;
	out = arena_alloc(p, n + 1);
	arg->type = IMAP_ARG_QUOTED;
	arg->flags = flags;
	arg->str = out;
	arg->len = n;
	for (; start < i; start++) {
		if (s[start] == '\\')
			start++;
		*out++ = (char)s[start];
	}
	*out = '\0';
	*pos = i + 1;
	return 0;
}

/* Parses "{N}", "{N+}" or "~{N}" at line[*pos], which must end the line. */
static int parse_literal_spec(struct imap_parser *p, const char *line,
			      size_t len, size_t pos)
{
	struct imap_parser_frame *f = &p->frames[p->depth];
	bool binary = false, nonsync = false;
	size_t start, end;
	uint64_t size;

	if (line[pos] == '~') {
		binary = true;
		pos++;
	}
	start = ++pos;
	while (pos < len && line[pos] >= '0' && line[pos] <= '9')
		pos++;
	end = pos;
	if (pos < len && line[pos] == '+') {
		nonsync = true;
		pos++;
	}
	if (pos >= len || line[pos] != '}' || end == start)
		return fail(p, -EINVAL, "Bad literal syntax");
	if (pos + 1 != len)
		return fail(p, -EINVAL, "A literal must end the line");
	if (!imap_arg_parse_number(line + start, end - start, LITERAL_MAX, &size))
		return fail(p, -EINVAL, "Literal size too large");
	if (p->arg_count >= p->limits.max_args)
		return fail(p, -E2BIG, "Too many arguments");
	p->lit.size = size;
	p->lit.sync = !nonsync;
	p->lit.binary = binary;
	p->lit.depth = p->depth;
	p->lit.index = f->count;
	p->state = ST_DECIDE;
	return IMAP_PARSE_LITERAL;
}

/* After "NAME[...]": an optional "<digits.digits>". */
static int parse_partial(struct imap_parser *p, struct imap_arg *arg,
			 const char *line, size_t len, size_t *pos)
{
	size_t i = *pos + 1, start = i;

	while (i < len && i - start <= 32 &&
	       ((line[i] >= '0' && line[i] <= '9') || line[i] == '.'))
		i++;
	if (i >= len || line[i] != '>' || i == start)
		return fail(p, -EINVAL, "Bad partial range");
	arg->flags |= IMAP_ARG_PARTIAL;
	arg->partial = arena_strndup(p, line + start, i - start);
	*pos = i + 1;
	return 0;
}

/* Parses the arguments on a line from *pos to its end. */
static int parse_args(struct imap_parser *p, const char *line, size_t len,
		      size_t pos)
{
	struct imap_arg *arg;
	struct imap_list list;
	const char *name;
	size_t start;
	int r;

	while (pos < len) {
		unsigned char c = (unsigned char)line[pos];
		struct imap_parser_frame *f = &p->frames[p->depth];

		if (c == ' ') {
			p->after_value = false;
			pos++;
			continue;
		}
		if (c == ')' && !f->section) {
			if (p->depth == 0)
				return fail(p, -EINVAL,
					    "Unbalanced parentheses");
			list = frame_close(p);
			arg = &p->frames[p->depth].args[
				p->frames[p->depth].count - 1];
			arg->list = list;
			p->after_value = true;
			pos++;
			continue;
		}
		if (c == ']' && f->section) {
			name = f->name;
			list = frame_close(p);
			arg = &p->frames[p->depth].args[
				p->frames[p->depth].count - 1];
			arg->type = IMAP_ARG_ATOM;
			arg->flags |= IMAP_ARG_SECTION;
			arg->str = name;
			arg->len = strlen(name);
			arg->section = list;
			pos++;
			if (pos < len && line[pos] == '<' &&
			    (r = parse_partial(p, arg, line, len, &pos)) < 0)
				return r;
			p->after_value = true;
			continue;
		}
		if (p->after_value)
			return fail(p, -EINVAL,
				    c == ')' ? "Unbalanced parentheses" :
				    "Missing space between arguments");
		if (c == '(') {
			/* The list's argument is added now, so that it keeps
			 * its place; frame_close() fills it in. */
			arg = frame_add(p);
			if (arg == NULL)
				return p->error;
			arg->type = IMAP_ARG_LIST;
			if (!push_frame(p, false, NULL))
				return p->error;
			pos++;
			continue;
		}
		if (c == '"') {
			if ((r = parse_quoted(p, line, len, &pos)) < 0)
				return r;
			p->after_value = true;
			continue;
		}
		if (c == '{' || (c == '~' && pos + 1 < len &&
				 line[pos + 1] == '{'))
			return parse_literal_spec(p, line, len, pos);
		if (c == ')' || c == ']')
			return fail(p, -EINVAL, c == ')' ?
				    "Unbalanced parentheses" :
				    "Unbalanced brackets");

		/* An atom; "BODY[" and friends open a section. */
		start = pos;
		if (c == '\\')
			pos++;
		while (pos < len &&
		       is_atom_char((unsigned char)line[pos], f->section)) {
			if (line[pos] == '[' &&
			    section_name(line + start, pos - start))
				break;
			pos++;
		}
		if (pos < len && line[pos] == '[') {
			arg = frame_add(p);
			if (arg == NULL)
				return p->error;
			arg->type = IMAP_ARG_ATOM;
			name = arena_strndup(p, line + start, pos - start);
			if (!push_frame(p, true, name))
				return p->error;
			pos++;
			p->after_value = false;
			continue;
		}
		if (c == '\\' && pos == start + 1)
			return fail(p, -EINVAL, "Bad flag");
		if (pos == start)
			goto bad_char;
		if (pos < len && line[pos] != ' ' && line[pos] != ')' &&
		    !(line[pos] == ']' && f->section))
			goto bad_char;
		arg = frame_add(p);
		if (arg == NULL)
			return p->error;
		arg->type = IMAP_ARG_ATOM;
		arg->str = arena_strndup(p, line + start, pos - start);
		arg->len = pos - start;
		if (arg->len == 3 && strcasecmp(arg->str, "NIL") == 0)
			arg->type = IMAP_ARG_NIL;
		p->after_value = true;
		continue;
bad_char:
		c = (unsigned char)line[pos];
		if (c >= 0x80)
			return fail(p, -EINVAL, "8-bit byte in an atom");
		if (c < 0x20 || c == 0x7f)
			return fail(p, -EINVAL, "Control character in an atom");
		if (c == '\\')
			return fail(p, -EINVAL, "Backslash inside an atom");
		if (c == '"')
			return fail(p, -EINVAL, "Quote inside an atom");
		return fail(p, -EINVAL, "Missing space between arguments");
	}
	if (p->depth > 0)
		return fail(p, -EINVAL, p->frames[p->depth].section ?
			    "Unbalanced brackets" : "Unbalanced parentheses");
	/* Never a NULL array, even without arguments. */
	p->result.args = p->frames[0].args != NULL ? p->frames[0].args :
		arena_alloc(p, sizeof(struct imap_arg));
	p->result.count = p->frames[0].count;
	p->state = ST_START;
	return IMAP_PARSE_DONE;
}

/* tag = 1*<any ASTRING-CHAR except "+"> */
static bool is_tag_char(unsigned char c)
{
	return is_atom_char(c, false) && c != '+' && c != '%' && c != '*';
}

static int check_line(struct imap_parser *p, const char *line, size_t len,
		      unsigned int lr_flags)
{
	if (len > p->limits.max_line)
		return fail(p, -E2BIG, "Line too long");
	if ((lr_flags & LR_HAS_NUL) || memchr(line, '\0', len) != NULL)
		return fail(p, -EINVAL, "NUL byte in a command");
	p->command_size += len + 2;
	if (p->command_size > p->limits.max_command)
		return fail(p, -E2BIG, "Command too long");
	return 0;
}

static int parse_first(struct imap_parser *p, const char *line, size_t len,
		       unsigned int lr_flags)
{
	size_t pos = 0, start;
	int r;

	/* The tag first, so that even a line refused as a whole gets a
	 * tagged reply. */
	while (pos < len && is_tag_char((unsigned char)line[pos]))
		pos++;
	if (pos > 0 && (pos == len || line[pos] == ' '))
		p->tag = arena_strndup(p, line, pos);
	if ((r = check_line(p, line, len, lr_flags)) < 0)
		return r;
	if (p->tag == NULL)
		return fail(p, -EINVAL, len == 0 ? "Empty command" :
			    "Invalid tag");
	while (pos < len && line[pos] == ' ')
		pos++;
	start = pos;
	while (pos < len && is_atom_char((unsigned char)line[pos], false))
		pos++;
	if (pos == start || (pos < len && line[pos] != ' '))
		return fail(p, -EINVAL, pos == len ? "Missing command name" :
			    "Invalid command name");
	p->name = arena_strndup(p, line + start, pos - start);
	p->after_value = false;
	return parse_args(p, line, len, pos);
}

/* A line of a command that failed: it ends the command unless the client
 * announced another non-synchronizing literal. */
static void skip_line(struct imap_parser *p, const char *line, size_t len)
{
	uint64_t size;

	if (line_nonsync_literal(line, len, &size)) {
		p->lit_left = size;
		p->state = size > 0 ? ST_SKIP_LITERAL : ST_SKIP_LINE;
	} else {
		p->state = ST_START;
	}
}

int imap_parser_feed_line(struct imap_parser *p, const char *line,
			  size_t len, unsigned int lr_flags)
{
	uint64_t size;
	int r;

	switch (p->state) {
	case ST_START:
		command_clear(p);
		r = parse_first(p, line, len, lr_flags);
		break;
	case ST_CONT:
		if (p->error != 0) {
			/* A literal of this command failed. */
			skip_line(p, line, len);
			return p->error;
		}
		r = check_line(p, line, len, lr_flags);
		if (r == 0)
			r = parse_args(p, line, len, 0);
		break;
	case ST_SKIP_LINE:
		skip_line(p, line, len);
		return IMAP_PARSE_SKIPPED;
	default:
		fatal("imap_parser_feed_line: literal bytes or a decision "
		      "wanted (state %d)", p->state);
	}
	if (r < 0) {
		/* A line that ends in "+}" but not in a literal we can
		 * parse hides where the command ends: the caller should
		 * close the connection rather than read on. */
		if (len >= 2 && line[len - 1] == '}' && line[len - 2] == '+' &&
		    !line_nonsync_literal(line, len, &size)) {
			p->error = -EPROTO;
			p->state = ST_START;
			return -EPROTO;
		}
		skip_line(p, line, len);
	}
	return r;
}

enum imap_parser_want imap_parser_wants(const struct imap_parser *p)
{
	return p->state == ST_LITERAL || p->state == ST_SKIP_LITERAL ?
		IMAP_PARSER_WANT_LITERAL : IMAP_PARSER_WANT_LINE;
}

const struct imap_literal_info *imap_parser_literal(
	const struct imap_parser *p)
{
	return &p->lit;
}

/* The literal is complete: it becomes an argument. */
static void literal_done(struct imap_parser *p)
{
	struct imap_arg *arg;

	p->state = ST_CONT;
	p->after_value = true;
	if (p->error != 0)
		return;
	/* The count was checked when the literal was announced. */
	arg = frame_add(p);
	if (arg == NULL)
		return;
	arg->flags = (p->lit.binary ? IMAP_ARG_LITERAL8 : 0) |
		(p->lit.sync ? 0 : IMAP_ARG_NONSYNC) |
		(p->lit_nul ? IMAP_ARG_HAS_NUL : 0);
	if (p->sink != NULL) {
		arg->type = IMAP_ARG_STREAMED;
		arg->size = p->lit.size;
		return;
	}
	arg->type = IMAP_ARG_LITERAL;
	arg->str = p->lit_data;
	arg->len = p->lit_len;
	p->lit_data[p->lit_len] = '\0';
	if (p->lit_nul && !p->lit.binary)
		fail(p, -EINVAL, "NUL byte in a literal");
}

static void decide_check(const struct imap_parser *p, const char *what)
{
	if (p->state != ST_DECIDE)
		fatal("%s: no literal announced (state %d)", what, p->state);
}

int imap_parser_literal_accept(struct imap_parser *p)
{
	decide_check(p, "imap_parser_literal_accept");
	if (p->lit.size > p->limits.max_literal ||
	    p->lit.size > p->limits.max_command - p->command_size)
		return -E2BIG;
	p->command_size += (size_t)p->lit.size;
	p->lit_data = arena_alloc(p, (size_t)p->lit.size + 1);
	p->lit_len = 0;
	p->lit_left = p->lit.size;
	p->sink = NULL;
	p->lit_nul = false;
	p->state = ST_LITERAL;
	if (p->lit_left == 0)
		literal_done(p);
	return 0;
}

int imap_parser_literal_sink(struct imap_parser *p, imap_parser_sink *sink,
			     void *ctx)
{
	decide_check(p, "imap_parser_literal_sink");
	p->lit_data = NULL;
	p->lit_left = p->lit.size;
	p->sink = sink;
	p->sink_ctx = ctx;
	p->lit_nul = false;
	p->state = ST_LITERAL;
	if (p->lit_left == 0)
		literal_done(p);
	return 0;
}

void imap_parser_literal_refuse(struct imap_parser *p)
{
	decide_check(p, "imap_parser_literal_refuse");
	if (p->lit.sync) {
		p->state = ST_START;
		return;
	}
	p->lit_left = p->lit.size;
	p->state = p->lit_left > 0 ? ST_SKIP_LITERAL : ST_SKIP_LINE;
}

size_t imap_parser_feed_literal(struct imap_parser *p, const void *data,
				size_t len)
{
	size_t n;
	int r;

	if (p->state != ST_LITERAL && p->state != ST_SKIP_LITERAL)
		return 0;
	n = len < p->lit_left ? len : (size_t)p->lit_left;
	p->lit_left -= n;
	if (p->state == ST_SKIP_LITERAL) {
		if (p->lit_left == 0)
			p->state = ST_SKIP_LINE;
		return n;
	}
	if (!p->lit_nul && memchr(data, '\0', n) != NULL)
		p->lit_nul = true;
	if (p->lit_data != NULL) {
		memcpy(p->lit_data + p->lit_len, data, n);
		p->lit_len += n;
	} else if (p->sink != NULL && p->error == 0 && n > 0) {
		r = p->sink(p->sink_ctx, data, n);
		if (r < 0)
			fail(p, r, "Could not store the literal");
	}
	if (p->lit_left == 0)
		literal_done(p);
	return n;
}

const struct imap_list *imap_parser_args_so_far(const struct imap_parser *p)
{
	struct imap_parser *q = (struct imap_parser *)p;

	/* A copy, so the caller cannot change the frame. */
	q->so_far.args = p->frames[0].args;
	q->so_far.count = p->frames[0].count;
	return &q->so_far;
}

const char *imap_parser_tag(const struct imap_parser *p)
{
	return p->tag;
}

const char *imap_parser_name(const struct imap_parser *p)
{
	return p->name;
}

const struct imap_list *imap_parser_args(const struct imap_parser *p)
{
	return &p->result;
}

const char *imap_parser_error(const struct imap_parser *p)
{
	if (p->error == -EPROTO)
		return "Unparsable literal: closing the connection";
	return p->error_text != NULL ? p->error_text : "Bad command";
}
