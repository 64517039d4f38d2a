#ifndef MAILTREE_TAP_H
#define MAILTREE_TAP_H

/*
 * A minimal TAP producer for the unit tests.  Each check prints
 * "ok N - name" or "not ok N - name"; done_testing() prints the plan and
 * returns the exit status.  tests/run-tests counts the lines.
 *
 *   ok(cond, "name %d", x);
 *   is_int(got, want, "name");
 *   is_str(got, want, "name");
 *   skip("why");
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_okv(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline __attribute__((format(printf, 2, 3)))
int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_okv(cond, fmt, ap);
	va_end(ap);
	return r;
}

static inline __attribute__((format(printf, 3, 4)))
int is_int_(intmax_t got, intmax_t want, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_okv(got == want, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got %jd, want %jd\n", got, want);
	return r;
}
#define is_int(got, want, ...) is_int_((intmax_t)(got), (intmax_t)(want), __VA_ARGS__)

static inline __attribute__((format(printf, 3, 4)))
int is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_okv(got != NULL && want != NULL ? strcmp(got, want) == 0
					      : got == want, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got \"%s\"\n#  want \"%s\"\n",
		       got ? got : "(null)", want ? want : "(null)");
	return r;
}

static inline __attribute__((format(printf, 1, 2)))
void skip(const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("ok %d # SKIP ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* Where the shared test corpus lives (../shared/corpus relative to the
 * repository), or NULL when this checkout has none. */
static inline const char *tap_corpus_dir(void)
{
	const char *d = getenv("MAILTREE_CORPUS");

	return d != NULL && d[0] != '\0' ? d : NULL;
}

/* A new private directory for one test program under $MAILTREE_TMP (set by
 * tests/run-tests) or /tmp; the caller frees the path.  Exits the test on
 * failure: nothing can be tested without it. */
static inline char *tap_tmpdir(const char *name)
{
	const char *base = getenv("MAILTREE_TMP");
	char path[4096];
	char *dup;

	if (snprintf(path, sizeof(path), "%s/%s.XXXXXX",
		     base != NULL && base[0] != '\0' ? base : "/tmp", name) >=
		    (int)sizeof(path) || mkdtemp(path) == NULL ||
	    (dup = strdup(path)) == NULL) {
		printf("not ok 1 - cannot make a temporary directory\n1..1\n");
		exit(1);
	}
	return dup;
}

#endif
