#ifndef MAILTREE_UTF8_H
#define MAILTREE_UTF8_H

/* UTF-8 helpers shared by the decoders. */

#include <stdint.h>

struct buf;

/* Appends the UTF-8 encoding of a code point (up to U+10FFFF; the caller
 * decides what to do with surrogates and other code points it refuses). */
void utf8_put(struct buf *out, uint32_t cp);

#endif
