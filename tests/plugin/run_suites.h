/* The plugin tests' main(): their suites as CUnit tables, run verbosely. */
#ifndef WEIR_TEST_RUN_SUITES_H
#define WEIR_TEST_RUN_SUITES_H

#include <CUnit/CUnit.h>

/* Registers suites (ended by CU_SUITE_INFO_NULL), runs them all and frees
 * the registry. Returns the exit status: 0 only if every suite set up and
 * every assertion held. */
int run_suites(CU_SuiteInfo *suites);
/* The same for a program of one suite (init NULL for none). */
int run_suite(const char *name, CU_InitializeFunc init, CU_TestInfo *tests);

#endif
