#ifndef MAILTREE_HTML_TEXT_H
#define MAILTREE_HTML_TEXT_H

/*
 * A small streaming HTML-to-text reducer for showing an HTML-only mail
 * as plain text.  It is not an HTML parser: tags are dropped (block tags
 * and <br> become line breaks), <script>, <style> and <head> content and
 * comments are dropped, entities are decoded, runs of whitespace become
 * one space.  State is a few bytes, so memory is bounded whatever the
 * input; input and output are UTF-8 (invalid input bytes are passed on
 * as they are, so sanitize the input first).
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define HTML_TAG_NAME_MAX 16
#define HTML_ENTITY_MAX 12

struct html_text {
	/* All private. */
	unsigned int state;
	char tag[HTML_TAG_NAME_MAX];
	size_t tag_len;
	bool tag_closing;
	char quote;
	unsigned int dashes;
	char ent[HTML_ENTITY_MAX];
	size_t ent_len;
	unsigned int skip;	/* which element's content is dropped */
	bool space_pending;
	unsigned int newlines;	/* line breaks at the end of the output */
	bool started;
};

void html_text_init(struct html_text *h);
/* Appends the text of `len` more bytes of HTML to `out`. */
void html_text_feed(struct html_text *h, const char *data, size_t len,
		    struct buf *out);
/* Ends the input (a dangling entity is written as it was). */
void html_text_finish(struct html_text *h, struct buf *out);

#endif
