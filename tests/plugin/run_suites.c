#include "run_suites.h"

#include <CUnit/Basic.h>
#include <stdio.h>

int run_suites(CU_SuiteInfo *suites)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        return 1;
    }
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 1;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    /* A suite whose init failed ran none of its tests: a failure too. */
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
                      CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}

int run_suite(const char *name, CU_InitializeFunc init, CU_TestInfo *tests)
{
    CU_SuiteInfo suites[] = {
        { .pName = name, .pInitFunc = init, .pTests = tests },
        CU_SUITE_INFO_NULL,
    };
    return run_suites(suites);
}
