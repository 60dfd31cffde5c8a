/*
 * tests/ft_corpus.h - shared helpers of the corpus-driven decoder tests
 * (test_corpus.c, test_decode_guard.c): where the captures are, which files
 * there are (sorted, so runs are reproducible) and a frame iterator over them.
 *
 * Header-only, static inline, so that each tests/test_*.c stays one program.
 */
#ifndef FT_TESTS_CORPUS_H
#define FT_TESTS_CORPUS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define FT_CORPUS_PATH_MAX 4096

/* One capture file of the corpus. */
struct ft_corpus_file {
	char path[FT_CORPUS_PATH_MAX];
	const char *name; /* points into path */
};

struct ft_corpus {
	struct ft_corpus_file *files;
	size_t n;
};

/*
 * Directory of the test data: $FT_DATA_DIR (set by ctest), else tests/data
 * next to this header (CMake passes absolute source paths, so __FILE__ works
 * from any working directory).
 */
static inline void
ft_corpus_data_dir(char *buf, size_t cap)
{
	const char *env = getenv("FT_DATA_DIR");
	const char *slash;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, cap, "%s", env);
		return;
	}
	slash = strrchr(__FILE__, '/');
	if (slash == NULL)
		snprintf(buf, cap, "data");
	else
		snprintf(buf, cap, "%.*s/data", (int)(slash - __FILE__), __FILE__);
}

static inline int
ft_corpus_cmp(const void *a, const void *b)
{
	const struct ft_corpus_file *fa = a, *fb = b;

	/* same directory prefix: ordering by path is ordering by name */
	return strcmp(fa->path, fb->path);
}

static inline int
ft_corpus_is_capture(const char *name)
{
	size_t len = strlen(name);

	return (len > 5 && strcmp(name + len - 5, ".pcap") == 0) ||
	       (len > 7 && strcmp(name + len - 7, ".pcapng") == 0);
}

/* List the captures of <data dir>/<sub>, sorted by name. Returns 0 or -1. */
static inline int
ft_corpus_open(struct ft_corpus *c, const char *sub)
{
	char dir[3072];
	size_t cap = 0;
	DIR *d;
	struct dirent *de;
	char base[2048];

	memset(c, 0, sizeof(*c));
	ft_corpus_data_dir(base, sizeof(base));
	snprintf(dir, sizeof(dir), "%s/%s", base, sub);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "cannot open corpus directory %s\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct ft_corpus_file *f;

		if (!ft_corpus_is_capture(de->d_name))
			continue;
		if (c->n == cap) {
			struct ft_corpus_file *nf;

			cap = cap ? cap * 2 : 1024;
			nf = realloc(c->files, cap * sizeof(*nf));
			if (nf == NULL) {
				closedir(d);
				return -1;
			}
			c->files = nf;
		}
		f = &c->files[c->n++];
		snprintf(f->path, sizeof(f->path), "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(c->files, c->n, sizeof(*c->files), ft_corpus_cmp);
	/* set name last: realloc and qsort move the structs */
	for (size_t i = 0; i < c->n; i++)
		c->files[i].name = strrchr(c->files[i].path, '/') + 1;
	return 0;
}

static inline void
ft_corpus_close(struct ft_corpus *c)
{
	free(c->files);
	memset(c, 0, sizeof(*c));
}

#endif
