#ifndef MAILTREE_TEST_FILES_H
#define MAILTREE_TEST_FILES_H

/* What the store tests share about real directories. */

#include <dirent.h>
#include <stddef.h>

/* How many entries `dir` has, not counting dot files (0 when it cannot be
 * read). */
static inline size_t count_files(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

#endif
