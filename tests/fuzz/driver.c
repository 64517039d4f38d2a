/*
 * A replay driver for the fuzz targets, used when they are built without
 * libFuzzer: every argument is a file (or a directory of files) fed to
 * LLVMFuzzerTestOneInput() once.  With -r N it also feeds N pseudo-random
 * mutations of each input, so the test suite exercises the targets on
 * inputs nobody wrote by hand.  Exit status 0 means no crash.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long rounds;
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate_and_run(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	unsigned long r;

	copy = malloc(size + 64);
	if (copy == NULL)
		return;
	for (r = 0; r < rounds; r++) {
		size_t n = size, i, edits = 1 + next_rand() % 8;

		memcpy(copy, data, size);
		for (i = 0; i < edits; i++) {
			size_t at = n ? next_rand() % n : 0;

			switch (next_rand() % 4) {
			case 0: /* flip a byte */
				if (n)
					copy[at] = (uint8_t)next_rand();
				break;
			case 1: /* truncate */
				n = at;
				break;
			case 2: /* insert a byte that parsers care about */
				if (n < size + 64) {
					static const char special[] =
						"\r\n:;=\"\\()<>-?%\0 \t";
					memmove(copy + at + 1, copy + at, n - at);
					copy[at] = (uint8_t)special[next_rand() %
						(sizeof(special) - 1)];
					n++;
				}
				break;
			default: /* delete a byte */
				if (n) {
					memmove(copy + at, copy + at + 1, n - at - 1);
					n--;
				}
			}
		}
		LLVMFuzzerTestOneInput(copy, n);
	}
	free(copy);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (data == NULL) {
				fclose(f);
				return 1;
			}
		}
		n = fread(data + size, 1, cap - size, f);
		if (n == 0)
			break;
		size += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, size);
	if (rounds)
		mutate_and_run(data, size);
	free(data);
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", path,
			     de->d_name) >= (int)sizeof(child))
			continue;
		ret |= run_path(child);
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	int i = 1, ret = 0;

	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		rounds = strtoul(argv[2], NULL, 10);
		i = 3;
	}
	if (i == argc) {
		fprintf(stderr, "usage: %s [-r ROUNDS] FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++)
		ret |= run_path(argv[i]);
	return ret;
}
