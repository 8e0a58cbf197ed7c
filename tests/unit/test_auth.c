/* Unit tests of src/proto/auth.c: token build and open (OAEP and PKCS#1 v1.5),
 * Base64 and length checks, the users file and its hash, clock skew, key
 * loading, and the authtoken key's place in the parameter JSON. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "proto/auth.h"
#include "proto/params.h"

static EVP_PKEY *key;
static char dir[] = "/tmp/weir-auth-unit.XXXXXX";
static char users_path[512], priv_path[512], pub_path[512];

static int setup(void)
{
    key = EVP_RSA_gen(2048);
    if (!key || !mkdtemp(dir))
        return 1;
    snprintf(users_path, sizeof users_path, "%s/users.csv", dir);
    snprintf(priv_path, sizeof priv_path, "%s/priv.pem", dir);
    snprintf(pub_path, sizeof pub_path, "%s/pub.pem", dir);
    FILE *f = fopen(users_path, "w");
    if (!f)
        return 1;
    fputs("# comment line\n\nno comma here\n"
          "mario,bf7a49a846d44b454a5d11e7acfaf13d138bbe0b7483aa3e050879700572709b\n"
          "LUIGI,BF7A49A846D44B454A5D11E7ACFAF13D138BBE0B7483AA3E050879700572709B\r\n"
          "peach,bf7a49a8\n", f);
    fclose(f);
    f = fopen(priv_path, "w");
    if (!f || !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
        return 1;
    fclose(f);
    f = fopen(pub_path, "w");
    if (!f || !PEM_write_PUBKEY(f, key))
        return 1;
    fclose(f);
    return 0;
}

static int teardown(void)
{
    unlink(users_path);
    unlink(priv_path);
    unlink(pub_path);
    rmdir(dir);
    EVP_PKEY_free(key);
    return 0;
}

static void test_hash(void)
{
    char h[65];
    CU_ASSERT_EQUAL(auth_user_hash("mario", "rossi", h), 0);
    CU_ASSERT_STRING_EQUAL(h, "bf7a49a846d44b454a5d11e7acfaf13d138bbe0b7483aa3e050879700572709b");
    CU_ASSERT_EQUAL(auth_user_hash("mario", "rosso", h), 0);
    CU_ASSERT_STRING_NOT_EQUAL(h, "bf7a49a846d44b454a5d11e7acfaf13d138bbe0b7483aa3e050879700572709b");
}

static void test_users_file(void)
{
    char err[256];
    CU_ASSERT_EQUAL(auth_check_users_file(users_path, "mario", "rossi", err, sizeof err), 0);
    CU_ASSERT_EQUAL(auth_check_users_file(users_path, "mario", "rosso", err, sizeof err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "wrong password"));
    CU_ASSERT_EQUAL(auth_check_users_file(users_path, "wario", "rossi", err, sizeof err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown user"));
    /* Upper-case hex and CRLF are fine; the hash is of "{LUIGI}rossi" though. */
    CU_ASSERT_EQUAL(auth_check_users_file(users_path, "LUIGI", "rossi", err, sizeof err), 1);
    /* A truncated hash never matches. */
    CU_ASSERT_EQUAL(auth_check_users_file(users_path, "peach", "rossi", err, sizeof err), 1);
    CU_ASSERT_EQUAL(auth_check_users_file(users_path, "# comment line", "", err, sizeof err), 1);
    CU_ASSERT_EQUAL(auth_check_users_file("/nonexistent/users", "mario", "rossi", err, sizeof err), -1);
}

static void test_roundtrip(void)
{
    char err[256], user[AUTH_MAX_FIELD], pwd[AUTH_MAX_FIELD];
    int64_t ts = 0;
    for (int pkcs1 = 0; pkcs1 < 2; pkcs1++) {
        char *tok = auth_make_token(key, "mario", "rossi", 1795980672, pkcs1, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
        CU_ASSERT_EQUAL(strlen(tok), 344);
        CU_ASSERT_PTR_NULL(strchr(tok, '\n'));
        /* OAEP always opens; PKCS#1 v1.5 only when accepted. */
        int rc = auth_open_token(key, tok, 0, user, pwd, &ts, err, sizeof err);
        CU_ASSERT_EQUAL(rc, pkcs1 ? -1 : 0);
        rc = auth_open_token(key, tok, 1, user, pwd, &ts, err, sizeof err);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_STRING_EQUAL(user, "mario");
        CU_ASSERT_STRING_EQUAL(pwd, "rossi");
        CU_ASSERT_EQUAL(ts, 1795980672);
        free(tok);
    }
    /* Spaces in the password survive. */
    char *tok = auth_make_token(key, "mario", "a b c", 5, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    CU_ASSERT_EQUAL(auth_open_token(key, tok, 0, user, pwd, &ts, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(pwd, "a b c");
    free(tok);
}

static void test_malformed(void)
{
    char err[256], user[AUTH_MAX_FIELD], pwd[AUTH_MAX_FIELD];
    int64_t ts;
    CU_ASSERT_EQUAL(auth_open_token(key, "", 1, user, pwd, &ts, err, sizeof err), -1);
    CU_ASSERT_EQUAL(auth_open_token(key, "not base64!", 1, user, pwd, &ts, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Base64"));
    CU_ASSERT_EQUAL(auth_open_token(key, "abc", 1, user, pwd, &ts, err, sizeof err), -1);
    CU_ASSERT_EQUAL(auth_open_token(key, "a=bc", 1, user, pwd, &ts, err, sizeof err), -1);
    CU_ASSERT_EQUAL(auth_open_token(key, "AAAAAAAAAAAAAAAAAAAAAA==", 1, user, pwd, &ts, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "16 bytes"));
    /* 256 zero bytes: right length, does not decrypt. */
    char zeros[345];
    memset(zeros, 'A', 344);
    memcpy(zeros + 340, "AA==", 4);
    zeros[344] = '\0';
    CU_ASSERT_EQUAL(auth_open_token(key, zeros, 1, user, pwd, &ts, err, sizeof err), -1);
}

static void test_server_check(void)
{
    char err[256];
    char *tok = auth_make_token(key, "mario", "rossi", 1000, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    CU_ASSERT_EQUAL(auth_server_check(key, users_path, 0, 10, tok, 1010, err, sizeof err), 0);
    CU_ASSERT_EQUAL(auth_server_check(key, users_path, 0, 10, tok, 990, err, sizeof err), 0);
    CU_ASSERT_EQUAL(auth_server_check(key, users_path, 0, 10, tok, 1011, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "clocks differ by 11 s"));
    CU_ASSERT_EQUAL(auth_server_check(key, users_path, 0, 10, tok, 989, err, sizeof err), -1);
    CU_ASSERT_EQUAL(auth_server_check(key, users_path, 0, 10, NULL, 1000, err, sizeof err), -1);
    free(tok);
    tok = auth_make_token(key, "mario", "wrong", 1000, 0, err, sizeof err);
    CU_ASSERT_EQUAL(auth_server_check(key, users_path, 0, 10, tok, 1000, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "wrong password"));
    free(tok);
}

static void test_keys(void)
{
    char err[512];
    EVP_PKEY *k = auth_load_private_key(priv_path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(k);
    EVP_PKEY *p = auth_load_public_key(pub_path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(p);
    if (k && p) {
        char *tok = auth_make_token(p, "mario", "rossi", 7, 0, err, sizeof err);
        char user[AUTH_MAX_FIELD], pwd[AUTH_MAX_FIELD];
        int64_t ts;
        CU_ASSERT_EQUAL(auth_open_token(k, tok, 0, user, pwd, &ts, err, sizeof err), 0);
        free(tok);
    }
    EVP_PKEY_free(k);
    EVP_PKEY_free(p);
    CU_ASSERT_PTR_NULL(auth_load_private_key(pub_path, err, sizeof err));
    CU_ASSERT_PTR_NULL(auth_load_public_key(users_path, err, sizeof err));
    CU_ASSERT_PTR_NULL(auth_load_public_key("/nonexistent.pem", err, sizeof err));
}

static void test_param_key_order(void)
{
    struct test_params p;
    memset(&p, 0, sizeof p);
    snprintf(p.wire_key, sizeof p.wire_key, "tcp");
    p.parallel = 1;
    p.tos = -1;
    p.server_affinity = -1;
    p.len = 131072;
    p.pacing_timer = 1000;
    p.repeating_payload = 1;
    p.authtoken = strdup("QUJD");
    p.client_version = strdup("3.12");
    struct json_object *o = params_to_json(&p);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    const char *a = strstr(s, "\"authtoken\":\"QUJD\"");
    const char *r = strstr(s, "\"repeating_payload\"");
    const char *c = strstr(s, "\"client_version\"");
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT(r && a && c && r < a && a < c);
    struct test_params q;
    char detail[128];
    CU_ASSERT_EQUAL(params_from_json(o, &q, NULL, NULL, detail, sizeof detail), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q.authtoken);
    CU_ASSERT_STRING_EQUAL(q.authtoken, "QUJD");
    params_free(&q);
    json_object_put(o);
    params_free(&p);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("auth", setup, teardown);
    CU_add_test(s, "users-file hash", test_hash);
    CU_add_test(s, "users file", test_users_file);
    CU_add_test(s, "token round trip, both paddings", test_roundtrip);
    CU_add_test(s, "malformed tokens", test_malformed);
    CU_add_test(s, "server check and clock skew", test_server_check);
    CU_add_test(s, "PEM keys", test_keys);
    CU_add_test(s, "authtoken in the parameter JSON", test_param_key_order);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
