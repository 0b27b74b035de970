/*
 * F(n) and decimal conversion on GMP, for the engine's native path (server/src/fib/native.ts).
 * Values cross the boundary as big-endian magnitude bytes, the same form the BigInt path stores.
 * Both functions are synchronous: they are only ever called on the pool's worker threads.
 */
#include <gmp.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), NULL, "fibgmp: N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

/* A Uint8Array over a new ArrayBuffer of `size` bytes; `*data` receives its memory. */
static napi_value new_bytes(napi_env env, size_t size, size_t length, void **data) {
  napi_value buffer, array;
  CHECK(env, napi_create_arraybuffer(env, size, data, &buffer));
  CHECK(env, napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &array));
  return array;
}

/* fibonacci(n: number): Uint8Array — F(n) as big-endian bytes; F(0) is one zero byte. */
static napi_value fibonacci(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t n;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int64(env, argv[0], &n) != napi_ok || n < 0) {
    napi_throw_range_error(env, NULL, "index must be a non-negative integer");
    return NULL;
  }
  mpz_t f;
  mpz_init(f);
  mpz_fib_ui(f, (unsigned long)n);
  size_t size = mpz_sgn(f) == 0 ? 1 : (mpz_sizeinbase(f, 2) + 7) / 8;
  void *data;
  napi_value result = new_bytes(env, size, size, &data);
  if (result != NULL) {
    memset(data, 0, size);
    mpz_export(data, NULL, 1, 1, 1, 0, f);
  }
  mpz_clear(f);
  return result;
}

/* decimal(bytes: Uint8Array): Uint8Array — the ASCII decimal digits of a big-endian magnitude. */
static napi_value decimal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_typedarray_type type;
  size_t length;
  void *input;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &input, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return NULL;
  }
  mpz_t value;
  mpz_init(value);
  mpz_import(value, length, 1, 1, 1, 0, input);
  /* mpz_sizeinbase may overstate by one; one more byte for the terminating NUL. */
  size_t room = mpz_sizeinbase(value, 10) + 1;
  char *digits;
  napi_value buffer, result = NULL;
  if (napi_create_arraybuffer(env, room, (void **)&digits, &buffer) != napi_ok) {
    napi_throw_error(env, NULL, "fibgmp: cannot allocate the digits");
  } else {
    mpz_get_str(digits, 10, value);
    if (napi_create_typedarray(env, napi_uint8_array, strlen(digits), buffer, 0, &result) != napi_ok) {
      napi_throw_error(env, NULL, "fibgmp: cannot create the result");
    }
  }
  mpz_clear(value);
  return result;
}

/* Context-aware, so that every worker thread can load it. */
NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "fibonacci", NAPI_AUTO_LENGTH, fibonacci, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "fibonacci", fn) != napi_ok ||
      napi_create_function(env, "decimal", NAPI_AUTO_LENGTH, decimal, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "decimal", fn) != napi_ok) {
    return NULL;
  }
  return exports;
}
