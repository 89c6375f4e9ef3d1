/* A stand-in for libcuda.so.1 that the CUDA runtime's tests load through
 * MLIR_PY_LIBCUDA on machines without a GPU (test_cuda_runtime.py compiles it).
 *
 * "Device memory" is host memory, so copies and fills really move bytes;
 * launches run nothing but record what they were given (grid, block, the
 * bytes behind each kernel parameter), and every entry point's result can
 * be set to an error code, so the runtime's error translation is checked
 * against codes a real driver returns. Only what the tests need is here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef uint64_t CUdeviceptr;

/* -- knobs the tests set ---------------------------------------------------- */
static CUresult init_result = 0, alloc_result = 0, launch_result = 0, load_result = 218, sync_result = 0;
static CUresult managed_result = 0;
static int device_count = 1;

void fake_set(const char *what, int value) {
    if (!strcmp(what, "init")) init_result = value;
    else if (!strcmp(what, "devices")) device_count = value;
    else if (!strcmp(what, "alloc")) alloc_result = value;
    else if (!strcmp(what, "launch")) launch_result = value;
    else if (!strcmp(what, "load")) load_result = value;
    else if (!strcmp(what, "sync")) sync_result = value;
    else if (!strcmp(what, "managed")) managed_result = value;
}

/* -- what the tests read back ------------------------------------------------- */
#define MAX_PARAMS 64
int fake_launches = 0, fake_frees = 0, fake_allocs = 0, fake_syncs = 0, fake_host_frees = 0;
unsigned fake_grid[3], fake_block[3], fake_smem;
void *fake_stream;
int fake_param_count = 0;            /* set by the test: how many parameters to record */
int fake_param_sizes[MAX_PARAMS];    /* set by the test: the size of each */
unsigned char fake_params[MAX_PARAMS][16];
char fake_last_function[64];

/* -- errors ------------------------------------------------------------------ */
CUresult cuGetErrorName(CUresult code, const char **out) {
    switch (code) {
    case 0: *out = "CUDA_SUCCESS"; return 0;
    case 2: *out = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
    case 3: *out = "CUDA_ERROR_NOT_INITIALIZED"; return 0;
    case 100: *out = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 218: *out = "CUDA_ERROR_INVALID_PTX"; return 0;
    case 500: *out = "CUDA_ERROR_NOT_FOUND"; return 0;
    case 701: *out = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; return 0;
    default: *out = 0; return 1; /* unknown to the fake: the runtime falls back to its table */
    }
}
CUresult cuGetErrorString(CUresult code, const char **out) {
    switch (code) {
    case 2: *out = "out of memory"; return 0;
    case 100: *out = "no CUDA-capable device is detected"; return 0;
    case 218: *out = "a PTX JIT compilation failed"; return 0;
    case 500: *out = "named symbol not found"; return 0;
    case 701: *out = "too many resources requested for launch"; return 0;
    default: *out = 0; return 1;
    }
}

/* -- devices and contexts ------------------------------------------------------ */
CUresult cuInit(unsigned flags) { (void)flags; return init_result; }
CUresult cuDriverGetVersion(int *v) { *v = 12040; return 0; }
CUresult cuDeviceGetCount(int *n) { *n = device_count; return 0; }
CUresult cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal < device_count ? 0 : 101; }
CUresult cuDeviceGetName(char *name, int len, int dev) { (void)dev; strncpy(name, "Fake GPU", len); return 0; }
CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
    (void)dev;
    switch (attr) {
    case 1: *v = 1024; break;      /* max threads per block */
    case 8: *v = 49152; break;     /* shared memory per block */
    case 10: *v = 32; break;       /* warp size */
    case 16: *v = 132; break;      /* multiprocessors */
    case 75: *v = 9; break;        /* compute capability */
    case 76: *v = 0; break;
    case 83: *v = 1; break;        /* managed memory */
    case 97: *v = 232448; break;
    default: *v = 0;
    }
    return 0;
}
CUresult cuDeviceTotalMem_v2(size_t *bytes, int dev) { (void)dev; *bytes = (size_t)1 << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) { (void)dev; *ctx = (void *)0x1000; return 0; }
CUresult cuCtxSetCurrent(void *ctx) { return ctx == (void *)0x1000 ? 0 : 201; }
CUresult cuCtxSynchronize(void) { fake_syncs++; return sync_result; }
CUresult cuMemGetInfo_v2(size_t *free_, size_t *total) { *free_ = (size_t)1 << 29; *total = (size_t)1 << 30; return 0; }

/* -- memory -------------------------------------------------------------------- */
static CUresult alloc(CUdeviceptr *p, size_t n) {
    if (alloc_result) return alloc_result;
    void *m = malloc(n);
    if (!m) return 2;
    fake_allocs++;
    *p = (CUdeviceptr)(uintptr_t)m;
    return 0;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) { return alloc(p, n); }
CUresult cuMemAllocManaged(CUdeviceptr *p, size_t n, unsigned flags) {
    (void)flags;
    return managed_result ? managed_result : alloc(p, n);
}
CUresult cuMemHostAlloc(void **p, size_t n, unsigned flags) {
    (void)flags;
    *p = malloc(n);
    return *p ? 0 : 2;
}
CUresult cuMemFreeHost(void *p) { free(p); fake_host_frees++; return 0; }
CUresult cuMemFree_v2(CUdeviceptr p) { free((void *)(uintptr_t)p); fake_frees++; return 0; }
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) { memcpy((void *)(uintptr_t)d, s, n); return 0; }
CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) { memcpy(d, (void *)(uintptr_t)s, n); return 0; }
CUresult cuMemcpyDtoD_v2(CUdeviceptr d, CUdeviceptr s, size_t n) {
    memcpy((void *)(uintptr_t)d, (void *)(uintptr_t)s, n);
    return 0;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *st) { (void)st; return cuMemcpyHtoD_v2(d, s, n); }
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) { (void)st; return cuMemcpyDtoH_v2(d, s, n); }
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) { (void)st; return cuMemcpyDtoD_v2(d, s, n); }
CUresult cuMemcpyAsync(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) { (void)st; return cuMemcpyDtoD_v2(d, s, n); }
CUresult cuMemsetD8_v2(CUdeviceptr d, unsigned char v, size_t n) { memset((void *)(uintptr_t)d, v, n); return 0; }
CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, void *st) { (void)st; return cuMemsetD8_v2(d, v, n); }
CUresult cuMemsetD32_v2(CUdeviceptr d, unsigned v, size_t n) {
    unsigned *p = (unsigned *)(uintptr_t)d;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return 0;
}
CUresult cuMemsetD32Async(CUdeviceptr d, unsigned v, size_t n, void *st) { (void)st; return cuMemsetD32_v2(d, v, n); }
CUresult cuMemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, void *st) {
    (void)st;
    unsigned short *p = (unsigned short *)(uintptr_t)d;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return 0;
}

/* -- modules and launches -------------------------------------------------------- */
char *fake_last_image = 0;  /* the last PTX loaded, for the tests to assemble with ptxas */
CUresult cuModuleLoadDataEx(void **mod, const void *image, unsigned n, int *options, void **values) {
    const char *text = image;
    free(fake_last_image);
    fake_last_image = strdup(text);
    int bad = strstr(text, "INVALID") != 0;
    for (unsigned i = 0; i < n; i++) {
        /* 3/4: info log buffer/size, 5/6: error log buffer/size */
        if (options[i] == 5 && bad) strcpy((char *)values[i], "ptxas application ptx input, line 3; error: fake error");
        if (options[i] == 3 && !bad) strcpy((char *)values[i], "fake JIT: ok");
    }
    if (bad) return load_result;
    *mod = (void *)0x2000;
    return 0;
}
CUresult cuModuleLoadData(void **mod, const void *image) { return cuModuleLoadDataEx(mod, image, 0, 0, 0); }
CUresult cuModuleUnload(void *mod) { return mod == (void *)0x2000 ? 0 : 400; }
static char function_names[16][64];
static int function_count = 0;
CUresult cuModuleGetFunction(void **f, void *mod, const char *name) {
    if (mod != (void *)0x2000) return 400;
    if (strstr(name, "missing")) return 500;
    for (int i = 0; i < function_count; i++)
        if (!strcmp(function_names[i], name)) { *f = function_names[i]; return 0; }
    if (function_count == 16) return 2;
    strncpy(function_names[function_count], name, 63);
    *f = function_names[function_count++];
    return 0;
}
CUresult cuFuncGetAttribute(int *v, int attr, void *f) { (void)f; *v = attr == 4 ? 32 : 1024; return 0; }
CUresult cuFuncSetAttribute(void *f, int attr, int v) { (void)f; (void)attr; return v > 232448 ? 1 : 0; }
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned smem, void *stream, void **params, void **extra) {
    (void)extra;
    if (launch_result) return launch_result;
    fake_launches++;
    strncpy(fake_last_function, (const char *)f, 63);
    fake_grid[0] = gx; fake_grid[1] = gy; fake_grid[2] = gz;
    fake_block[0] = bx; fake_block[1] = by; fake_block[2] = bz;
    fake_smem = smem;
    fake_stream = stream;
    for (int i = 0; i < fake_param_count && i < MAX_PARAMS; i++)
        memcpy(fake_params[i], params[i], fake_param_sizes[i] <= 16 ? fake_param_sizes[i] : 16);
    return 0;
}

/* -- streams and events ----------------------------------------------------------- */
static int next_handle = 0x3000;
CUresult cuStreamCreate(void **s, unsigned flags) { (void)flags; *s = (void *)(uintptr_t)(next_handle += 16); return 0; }
CUresult cuStreamSynchronize(void *s) { (void)s; fake_syncs++; return sync_result; }
CUresult cuStreamWaitEvent(void *s, void *e, unsigned flags) { (void)s; (void)e; (void)flags; return 0; }
CUresult cuStreamDestroy_v2(void *s) { (void)s; return 0; }
CUresult cuEventCreate(void **e, unsigned flags) { (void)flags; *e = (void *)(uintptr_t)(next_handle += 16); return 0; }
CUresult cuEventRecord(void *e, void *s) { (void)e; (void)s; return 0; }
CUresult cuEventSynchronize(void *e) { (void)e; return sync_result; }
CUresult cuEventElapsedTime(float *ms, void *a, void *b) { (void)a; (void)b; *ms = 1.5f; return 0; }
CUresult cuEventDestroy_v2(void *e) { (void)e; return 0; }
