/* check-rt: which kernels the XDP flow cache is refused on because two
 * runs of its program could interleave on a CPU (mf-cache-rt.h), from
 * /sys/kernel/realtime and the kernel's configuration as files. */
#include <config.h>
#include "mf-unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mf-cache-rt.h"

static char dir[64];
static char rt_path[96], config_path[96];

static void
setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/check-rt.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(rt_path, sizeof rt_path, "%s/realtime", dir);
    snprintf(config_path, sizeof config_path, "%s/config", dir);
}

static void
teardown(void)
{
    unlink(rt_path);
    unlink(config_path);
    rmdir(dir);
}

static void
put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Whether mf_cache_rt_interleaves() refuses; its reason into 'why'. */
static bool
refused(char *why, size_t n)
{
    why[0] = '\0';
    return mf_cache_rt_interleaves(rt_path, config_path, why, n);
}

#define CONFIG_RT "CONFIG_PREEMPT=y\nCONFIG_PREEMPT_RT=y\n"

START_TEST(test_not_rt)
{
    char why[256];

    /* No /sys/kernel/realtime: not PREEMPT_RT, whatever the config. */
    put(config_path, CONFIG_RT "# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK is not set\n");
    ck_assert(!refused(why, sizeof why));
    put(rt_path, "0\n");
    ck_assert(!refused(why, sizeof why));
    ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_rt_bh_lock)
{
    char why[256];

    put(rt_path, "1\n");
    /* The option on, or a kernel from before it (the lock always). */
    put(config_path, CONFIG_RT "CONFIG_PREEMPT_RT_NEEDS_BH_LOCK=y\n");
    ck_assert(!refused(why, sizeof why));
    put(config_path, CONFIG_RT "CONFIG_PREEMPT_COUNT=y\n");
    ck_assert(!refused(why, sizeof why));
}
END_TEST

START_TEST(test_rt_no_bh_lock)
{
    char why[256];

    put(rt_path, "1\n");
    put(config_path, CONFIG_RT "# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK is not set\n"
        "CONFIG_PREEMPT_COUNT=y\n");
    ck_assert(refused(why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "a PREEMPT_RT kernel without "
                                 "CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: two runs"));
}
END_TEST

START_TEST(test_rt_unknown)
{
    char why[256];

    /* No configuration to read, or one that does not name PREEMPT_RT:
     * refused, naming the file. */
    put(rt_path, "1\n");
    ck_assert(refused(why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, config_path));
    put(config_path, "CONFIG_PREEMPT=y\n");
    ck_assert(refused(why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "no CONFIG_PREEMPT_RT in"));
    /* A reason cut to its buffer is still a string. */
    ck_assert(refused(why, 16));
    ck_assert_uint_eq(strlen(why), 15);
}
END_TEST

START_TEST(test_this_kernel)
{
    char why[256], config[128];
    struct utsname u;
    const char *r = mf_cache_rt_refusal();

    /* The running kernel's answer is the files' answer. */
    ck_assert_int_eq(uname(&u), 0);
    snprintf(config, sizeof config, "/boot/config-%s", u.release);
    ck_assert_int_eq(r != NULL,
                     mf_cache_rt_interleaves("/sys/kernel/realtime", config,
                                             why, sizeof why));
    ck_assert(!r || !strcmp(r, why));
    ck_assert_ptr_eq(mf_cache_rt_refusal(), r);
}
END_TEST

Suite *
mf_rt_suite(void)
{
    Suite *s = suite_create("cache-rt");
    TCase *tc = tcase_create("rt");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_not_rt);
    tcase_add_test(tc, test_rt_bh_lock);
    tcase_add_test(tc, test_rt_no_bh_lock);
    tcase_add_test(tc, test_rt_unknown);
    tcase_add_test(tc, test_this_kernel);
    suite_add_tcase(s, tc);
    return s;
}
