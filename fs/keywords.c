/* dovecot-keywords; see keywords.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "keywords.h"
#include "util.h"

void keywords_init(struct keywords *kw, const char *folder_dir)
{
	struct buf path = BUF_INIT;

	memset(kw, 0, sizeof(*kw));
	buf_printf(&path, "%s/" KEYWORDS_NAME, folder_dir);
	kw->path = buf_detach(&path);
}

static void clear_names(struct keywords *kw)
{
	int i;

	for (i = 0; i < KEYWORDS_MAX; i++) {
		free(kw->names[i]);
		kw->names[i] = NULL;
	}
}

void keywords_release(struct keywords *kw)
{
	clear_names(kw);
	free(kw->path);
	memset(kw, 0, sizeof(*kw));
}

bool keyword_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0' || strlen(name) > KEYWORD_MAX_LEN)
		return false;
	for (; *p != '\0'; p++) {
		/* atom-specials of RFC 3501, plus '\' which marks system
		 * flags, and 8-bit bytes. */
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p))
			return false;
	}
	return true;
}

int keywords_parse(struct keywords *kw, const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	clear_names(kw);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		char line[KEYWORD_MAX_LEN + 16], *sp, *num_end;
		size_t n = (size_t)(line_end - p);
		long idx;

		if (n > 0 && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			sp = strchr(line, ' ');
			if (sp != NULL) {
				*sp = '\0';
				idx = strtol(line, &num_end, 10);
				if (*num_end == '\0' && line[0] != '\0' &&
				    idx >= 0 && idx < KEYWORDS_MAX &&
				    keyword_name_valid(sp + 1) &&
				    kw->names[idx] == NULL)
					kw->names[idx] = xstrdup(sp + 1);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int keywords_refresh(struct keywords *kw)
{
	struct buf data = BUF_INIT;
	struct stat st;
	int ret;

	if (stat(kw->path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		if (!kw->exists)
			return 0;
		clear_names(kw);
		kw->exists = false;
		return 1;
	}
	if (kw->exists && st.st_ino == kw->ino && st.st_size == kw->size &&
	    st.st_mtim.tv_sec == kw->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == kw->mtime.tv_nsec)
		return 0;
	ret = read_file_small(kw->path, 64 * 1024, &data);
	if (ret == 0)
		ret = keywords_parse(kw, data.data, data.len);
	buf_release(&data);
	if (ret < 0)
		return ret;
	kw->exists = true;
	kw->ino = st.st_ino;
	kw->size = st.st_size;
	kw->mtime = st.st_mtim;
	return 1;
}

int keywords_lookup(const struct keywords *kw, const char *name)
{
	int i;

	for (i = 0; i < KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL && strcasecmp(kw->names[i], name) == 0)
			return i;
	return -1;
}

int keywords_assign(struct keywords *kw, const char *name)
{
	struct buf data = BUF_INIT;
	struct stat st;
	int i, idx, ret;

	if (!keyword_name_valid(name))
		return -EINVAL;
	ret = keywords_refresh(kw);
	if (ret < 0)
		return ret;
	idx = keywords_lookup(kw, name);
	if (idx >= 0)
		return idx;
	for (idx = 0; idx < KEYWORDS_MAX && kw->names[idx] != NULL; idx++)
		;
	if (idx == KEYWORDS_MAX)
		return -ENOSPC;
	kw->names[idx] = xstrdup(name);
	for (i = 0; i < KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL)
			buf_printf(&data, "%d %s\n", i, kw->names[i]);
	ret = write_file_atomic(kw->path, data.data, data.len, 0600);
	buf_release(&data);
	if (ret < 0) {
		free(kw->names[idx]);
		kw->names[idx] = NULL;
		return ret;
	}
	if (stat(kw->path, &st) == 0) {
		kw->exists = true;
		kw->ino = st.st_ino;
		kw->size = st.st_size;
		kw->mtime = st.st_mtim;
	}
	return idx;
}
