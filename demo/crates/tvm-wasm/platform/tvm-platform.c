/*
 * The host side of tvm-wasm's custom platform (like Wasmtime's
 * examples/min-platform/embedding/wasmtime-platform.c): the functions that
 * src/platform.rs declares, over the C library. Build it as a shared library
 * and load it (RTLD_GLOBAL) before libtvm_wasm.so:
 *
 *     cc -shared -fPIC -O2 -o libtvm-platform.so tvm-platform.c
 */

#include <stddef.h>
#include <stdlib.h>

/* `size` (> 0) bytes aligned to `align` (a power of two), or NULL. */
void *tvm_platform_alloc(size_t size, size_t align) {
    void *ptr = NULL;
    if (align <= _Alignof(max_align_t))
        return malloc(size);
    /* posix_memalign wants a multiple of sizeof(void *): a larger power of two is one. */
    return posix_memalign(&ptr, align, size) == 0 ? ptr : NULL;
}

/* Free what tvm_platform_alloc(size, align) returned. */
void tvm_platform_free(void *ptr, size_t size, size_t align) {
    (void)size;
    (void)align;
    free(ptr);
}

/* A Rust panic on the platform ends here. */
_Noreturn void tvm_platform_abort(void) {
    abort();
}
