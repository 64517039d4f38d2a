#ifndef MAILTREE_BUF_H
#define MAILTREE_BUF_H

/*
 * The one growable byte buffer of mailtree.
 *
 * A struct buf is never NULL-data: after buf_init() (or BUF_INIT) `data`
 * points at a NUL-terminated string, possibly a shared empty one, so it can
 * always be printed.  The buffer is binary-safe: `len` is authoritative and
 * the content may contain NULs.  A pointer into `data` stays valid until the
 * next call that grows or releases the buffer.
 *
 * Allocation failure is fatal (the process logs and exits), as in git's
 * strbuf: every caller would otherwise have to handle it identically.
 */

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;	/* 0 while data points at the shared empty string */
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
/* Frees the contents; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Makes room for `extra` more bytes plus the terminating NUL. */
void buf_grow(struct buf *b, size_t extra);
void buf_truncate(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b) { buf_truncate(b, 0); }

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_set(struct buf *b, const char *s);

/* Exchanges the contents of a and b (no copy). */
void buf_swap(struct buf *a, struct buf *b);
/* Hands the heap string to the caller (free() it); the buffer is reset. */
char *buf_detach(struct buf *b);

#endif
