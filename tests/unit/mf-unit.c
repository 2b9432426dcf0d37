/* mf-unit: runs every Check suite of megaflower. */
#include <config.h>
#include "mf-unit.h"

#include <stdlib.h>

int
main(void)
{
    SRunner *sr = srunner_create(mf_flower_suite());
    int n_failed;

    srunner_add_suite(sr, mf_act_suite());
    srunner_add_suite(sr, mf_filter_suite());
    srunner_add_suite(sr, mf_xlate_suite());
    srunner_add_suite(sr, mf_refusal_suite());
    srunner_add_suite(sr, mf_engine_suite());
    srunner_add_suite(sr, mf_rebalance_suite());
    srunner_add_suite(sr, mf_rtmon_suite());
    srunner_add_suite(sr, mf_shape_suite());
    srunner_add_suite(sr, mf_ptype_suite());
    srunner_add_suite(sr, mf_ports_suite());
    srunner_add_suite(sr, mf_rt_suite());
    srunner_add_suite(sr, mf_rxdf_suite());
    srunner_add_suite(sr, mf_worker_suite());
    srunner_add_suite(sr, mf_record_suite());
    srunner_run_all(sr, CK_NORMAL);
    n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
