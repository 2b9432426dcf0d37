/*
 * mf-unit: megaflower's Check unit suites, collected by one runner.
 *
 * They need no root and no kernel: every test builds netlink messages in
 * memory and reads them back.
 */
#ifndef MF_UNIT_H
#define MF_UNIT_H 1

#include <check.h>

Suite *mf_flower_suite(void);
Suite *mf_act_suite(void);
Suite *mf_filter_suite(void);
Suite *mf_xlate_suite(void);
Suite *mf_refusal_suite(void);
Suite *mf_engine_suite(void);
Suite *mf_rebalance_suite(void);
Suite *mf_rtmon_suite(void);
Suite *mf_shape_suite(void);
Suite *mf_ptype_suite(void);
Suite *mf_ports_suite(void);
Suite *mf_rt_suite(void);
Suite *mf_rxdf_suite(void);
Suite *mf_worker_suite(void);
Suite *mf_record_suite(void);

#endif /* mf-unit.h */
