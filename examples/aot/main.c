/* Calls the matmul compiled ahead of time from matmul.mir (see docs/aot.md).
 *
 *   main [M K N [SEED]]   prints C = A @ B for random A (MxK) and B (KxN),
 *                         one row per line, then the largest difference
 *                         from a plain C loop.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "matmul.h"

static uint32_t state;

/* A uniform number in [-1, 1): the same generator as test/unit/test_aot.py's. */
static float next_random(void) {
  state = state * 1664525u + 1013904223u;
  return (float)(state >> 8) / 8388608.0f - 1.0f;
}

/* A rows x cols matrix in row-major order, as MLIR's descriptor of memref<?x?xf32>. */
static MemRef2D_f32 random_matrix(int64_t rows, int64_t cols) {
  float *data = malloc(sizeof(float) * (size_t)(rows * cols));
  for (int64_t i = 0; i < rows * cols; ++i)
    data[i] = next_random();
  MemRef2D_f32 m = {data, data, 0, {rows, cols}, {cols, 1}};
  return m;
}

static float at(const MemRef2D_f32 *m, int64_t i, int64_t j) {
  return m->aligned[m->offset + i * m->strides[0] + j * m->strides[1]];
}

int main(int argc, char **argv) {
  int64_t M = argc > 3 ? atoll(argv[1]) : 5, K = argc > 3 ? atoll(argv[2]) : 7, N = argc > 3 ? atoll(argv[3]) : 3;
  state = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 2026u;
  MemRef2D_f32 a = random_matrix(M, K);
  MemRef2D_f32 b = random_matrix(K, N);

  MemRef2D_f32 c; /* filled in by the compiled code, which allocates its buffer */
  _mlir_ciface_matmul(&c, &a, &b);

  double worst = 0.0;
  for (int64_t i = 0; i < c.sizes[0]; ++i) {
    for (int64_t j = 0; j < c.sizes[1]; ++j) {
      double ref = 0.0;
      for (int64_t l = 0; l < K; ++l)
        ref += (double)at(&a, i, l) * (double)at(&b, l, j);
      worst = fmax(worst, fabs(ref - (double)at(&c, i, j)));
      printf("%s%.9g", j ? " " : "", at(&c, i, j));
    }
    printf("\n");
  }
  printf("max abs difference from C: %g\n", worst);
  free(c.allocated); /* the result's buffer came from the compiled code's malloc */
  free(a.allocated);
  free(b.allocated);
  return worst < 1e-4 ? 0 : 1;
}
