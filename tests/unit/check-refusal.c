/* check-refusal: the list of flows in software and the reason counts. */
#include <config.h>
#include "mf-unit.h"

#include <string.h>

#include "mf-tcb.h"
#include "mf-refusal.h"
#include "openvswitch/dynamic-string.h"

static struct mf_ufid
ufid(uint32_t n)
{
    struct mf_ufid u = { { n, 0, 0, 0 } };

    return u;
}

static size_t
count_lines(const char *s, const char *needle)
{
    size_t n = 0;

    for (const char *p = s; (p = strstr(p, needle)); p++) {
        n++;
    }
    return n;
}

START_TEST(test_record_forget_and_count)
{
    struct mf_ufid a = ufid(1), b = ufid(2);
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t base = mf_refusal_n_flows();

    mf_refusal_record(&a, "p0", "check: reason A", false);
    mf_refusal_record(&b, "p1", "check: reason B", true);
    mf_refusal_record(&a, "p0", "check: reason A", false);   /* Again. */
    ck_assert_uint_eq(mf_refusal_n_flows(), base + 2);

    mf_refusal_format_flows(&s);
    ck_assert_uint_eq(count_lines(ds_cstr(&s), " p0 software: check: reason A"),
                      1);
    ck_assert_uint_eq(count_lines(ds_cstr(&s),
                                  " p1 software: kernel: check: reason B"), 1);
    ds_clear(&s);
    mf_refusal_format_reasons(&s);
    /* A was given twice, B once: A first. */
    ck_assert_ptr_nonnull(strstr(ds_cstr(&s), "       2  check: reason A\n"));
    ck_assert(strstr(ds_cstr(&s), "reason A") < strstr(ds_cstr(&s),
                                                        "reason B"));

    mf_refusal_forget(&a);
    mf_refusal_forget_port("p1");
    ck_assert_uint_eq(mf_refusal_n_flows(), base);
    ds_destroy(&s);
}
END_TEST

/* Only the latest MF_REFUSAL_MAX flows are kept; the oldest go first. */
START_TEST(test_bounded)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (uint32_t i = 0; i < MF_REFUSAL_MAX + 10; i++) {
        struct mf_ufid u = ufid(1000 + i);

        mf_refusal_record(&u, "p9", "check: many", false);
    }
    ck_assert_uint_eq(mf_refusal_n_flows(), MF_REFUSAL_MAX);
    mf_refusal_format_flows(&s);
    /* ufid 1000 (0x3e8) dropped out; the last one (1000 + MAX + 9) is in. */
    ck_assert_ptr_null(strstr(ds_cstr(&s), "ufid:000003e8-"));
    ck_assert_uint_eq(count_lines(ds_cstr(&s), "p9 software"), MF_REFUSAL_MAX);
    mf_refusal_forget_port("p9");
    ck_assert_uint_eq(mf_refusal_n_flows(), 0);
    ds_destroy(&s);
}
END_TEST

Suite *
mf_refusal_suite(void)
{
    Suite *s = suite_create("refusal");
    TCase *tc = tcase_create("refusal");

    tcase_add_test(tc, test_record_forget_and_count);
    tcase_add_test(tc, test_bounded);
    suite_add_tcase(s, tc);
    return s;
}
