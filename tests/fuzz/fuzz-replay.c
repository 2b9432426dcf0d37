/*
 * fuzz-replay: runs a libFuzzer target over files, without libFuzzer,
 * for 'make check' (fuzz.h).
 *
 *   fuzz-TARGET-replay FILE|DIR...
 *
 * Feeds each file (each file of each directory) to the target once, and
 * prints how many it ran.  A target that finds a bug aborts; then the
 * last "replaying" line on stderr names the input.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
replay_file(const char *path)
{
    static uint8_t data[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    n = fread(data, 1, sizeof data, f);
    fclose(f);
    fprintf(stderr, "replaying %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(data, n);
    return 0;
}

static int
replay(const char *path, size_t *n_run)
{
    struct stat st;
    struct dirent *de;
    DIR *dir;
    int error = 0;

    if (stat(path, &st)) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        error = replay_file(path);
        *n_run += !error;
        return error;
    }
    dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((de = readdir(dir))) {
        char sub[4096];

        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        error |= replay(sub, n_run);
    }
    closedir(dir);
    return error;
}

int
main(int argc, char *argv[])
{
    size_t n_run = 0;
    int error = 0;

    for (int i = 1; i < argc; i++) {
        error |= replay(argv[i], &n_run);
    }
    printf("%s: %zu inputs replayed, no crash\n", argv[0], n_run);
    return error ? 1 : 0;
}
