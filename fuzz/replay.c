/* SPDX-License-Identifier: ISC */
/* Feed files (or every file in directories) to a libFuzzer harness; gcc-built. */
#include <sys/stat.h>

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path)
{
	FILE *fp;
	uint8_t *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return -1;
	}
	/* An exact-size heap copy, so sanitizers catch over-reads. */
	if ((buf = malloc(n > 0 ? (size_t)n : 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char *argv[])
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int i, files = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if ((d = opendir(argv[i])) == NULL) {
				perror(argv[i]);
				return 1;
			}
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				if (snprintf(path, sizeof(path), "%s/%s",
				    argv[i], de->d_name) >= (int)sizeof(path))
					continue;
				bad |= replay_file(path) != 0;
				files++;
			}
			closedir(d);
		} else {
			bad |= replay_file(argv[i]) != 0;
			files++;
		}
	}
	printf("replayed %d inputs\n", files);
	return bad || files == 0;
}
