/* The host side of the board: what src/lib.rs declares, over the C library. */
#include <stddef.h>
#include <stdlib.h>

void *board_alloc(size_t size, size_t align) {
    void *ptr = NULL;
    if (align <= _Alignof(max_align_t))
        return malloc(size);
    return posix_memalign(&ptr, align, size) == 0 ? ptr : NULL;
}

void board_free(void *ptr) { free(ptr); }

_Noreturn void board_abort(void) { abort(); }
