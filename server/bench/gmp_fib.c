/*
 * The reference the engine is measured against: GMP's own mpz_fib_ui and mpz_get_str, with no Node in
 * between. Built on the spot by fib.bench.ts when libgmp is installed.
 * Usage: gmp_fib N REPS — prints one JSON line: the best times in ms of REPS runs after an untimed one
 * (and the decimal time of that untimed one),
 * the digit count, and the peak of memory held through GMP's allocator in KiB. (The RSS high-water mark
 * misses memory that glibc hands back between runs, so the harness counts its allocations itself.)
 */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static size_t live, peak;

static void *counted_alloc(size_t size) {
  live += size;
  if (live > peak) peak = live;
  return malloc(size);
}

static void *counted_realloc(void *block, size_t old_size, size_t new_size) {
  live += new_size - old_size;
  if (live > peak) peak = live;
  return realloc(block, new_size);
}

static void counted_free(void *block, size_t size) {
  live -= size;
  free(block);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s N REPS\n", argv[0]);
    return 2;
  }
  unsigned long n = strtoul(argv[1], NULL, 10);
  int reps = atoi(argv[2]);
  mp_set_memory_functions(counted_alloc, counted_realloc, counted_free);
  double compute = 1e300, convert = 1e300, first_convert = 0;
  size_t digits = 0;
  /* Run 0 is untimed: it warms the allocator and caches, as the Node side warms its JIT. */
  for (int i = 0; i <= reps; i++) {
    mpz_t f;
    mpz_init(f);
    double t0 = now_ms();
    mpz_fib_ui(f, n);
    double t1 = now_ms();
    size_t room = mpz_sizeinbase(f, 10) + 2;
    char *text = counted_alloc(room);
    mpz_get_str(text, 10, f);
    double t2 = now_ms();
    digits = strlen(text);
    if (i > 0 && t1 - t0 < compute) compute = t1 - t0;
    if (i > 0 && t2 - t1 < convert) convert = t2 - t1;
    if (i == 0) first_convert = t2 - t1;
    counted_free(text, room);
    mpz_clear(f);
  }
  printf("{\"computeMs\":%.6f,\"decimalMs\":%.6f,\"firstDecimalMs\":%.6f,\"digits\":%zu,\"peakKb\":%.1f}\n", compute, convert,
         first_convert, digits, peak / 1024.0);
  return 0;
}
