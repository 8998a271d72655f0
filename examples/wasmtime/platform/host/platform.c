/* The host of the custom platform, over Linux: memory and abort for the library (src/lib.rs),
 * and the functions Wasmtime 48 asks of a custom platform, as its
 * src/runtime/vm/sys/custom/capi.rs documents them (virtual memory, TLS, trap signals).
 * minbuild builds it into the .so that its loader preloads before the stage's library. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* Wasmtime's protection bits (capi.rs), which need not be the system's. */
enum { WASMTIME_PROT_READ = 1, WASMTIME_PROT_WRITE = 2, WASMTIME_PROT_EXEC = 4 };

static int protection(uint32_t flags) {
    return ((flags & WASMTIME_PROT_READ) ? PROT_READ : 0) |
           ((flags & WASMTIME_PROT_WRITE) ? PROT_WRITE : 0) |
           ((flags & WASMTIME_PROT_EXEC) ? PROT_EXEC : 0);
}

/* Each returns 0 on success and an error code (errno) on failure. */
int wasmtime_mmap_new(size_t size, uint32_t flags, uint8_t **ret) {
    void *mapping = mmap(NULL, size, protection(flags), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED)
        return errno;
    *ret = mapping;
    return 0;
}

int wasmtime_mmap_remap(uint8_t *addr, size_t size, uint32_t flags) {
    void *mapping =
        mmap(addr, size, protection(flags), MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    return mapping == MAP_FAILED ? errno : 0;
}

int wasmtime_munmap(uint8_t *ptr, size_t size) { return munmap(ptr, size) ? errno : 0; }

int wasmtime_mprotect(uint8_t *ptr, size_t size, uint32_t flags) {
    return mprotect(ptr, size, protection(flags)) ? errno : 0;
}

size_t wasmtime_page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* No copy-on-write images of a module's data: a NULL image is no failure, Wasmtime then
 * copies the data into each new memory. */
struct wasmtime_memory_image;

int wasmtime_memory_image_new(const uint8_t *ptr, size_t len, struct wasmtime_memory_image **ret) {
    (void)ptr, (void)len;
    *ret = NULL;
    return 0;
}

int wasmtime_memory_image_map_at(struct wasmtime_memory_image *image, uint8_t *addr, size_t len) {
    (void)image, (void)addr, (void)len;
    abort(); /* never called: no image is ever made */
}

void wasmtime_memory_image_free(struct wasmtime_memory_image *image) { (void)image; }

/* Two pointers of thread-local state: slot 0 the runtime's, slot 1 async components'. */
static __thread uint8_t *tls_slots[2];

uint8_t *wasmtime_tls_get(size_t slot) { return slot < 2 ? tls_slots[slot] : NULL; }

void wasmtime_tls_set(size_t slot, uint8_t *ptr) {
    if (slot < 2)
        tls_slots[slot] = ptr;
}

/* Traps: native code divides by zero or reaches a guard page, and the signal goes to
 * Wasmtime's handler. That handler does not return when the trap is Wasmtime's (it resumes
 * the wasm call's caller); when it returns, the signal is someone else's, and its default
 * action ends the process when the instruction runs again. */
typedef void (*wasmtime_trap_handler_t)(uintptr_t ip, uintptr_t fp, bool has_faulting_addr,
                                        uintptr_t faulting_addr);

static wasmtime_trap_handler_t trap_handler;
static const int trap_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};

static void on_trap_signal(int signal_number, siginfo_t *info, void *context) {
    const ucontext_t *state = context;
    uintptr_t ip = (uintptr_t)state->uc_mcontext.gregs[REG_RIP];
    uintptr_t fp = (uintptr_t)state->uc_mcontext.gregs[REG_RBP];
    bool faulted = signal_number == SIGSEGV || signal_number == SIGBUS;
    trap_handler(ip, fp, faulted, faulted ? (uintptr_t)info->si_addr : 0);
    signal(signal_number, SIG_DFL);
}

int wasmtime_init_traps(wasmtime_trap_handler_t handler) {
    trap_handler = handler;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_trap_signal;
    /* NODEFER: the handler leaves by a jump, so the signal must not stay blocked. */
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof trap_signals / sizeof trap_signals[0]; i++)
        if (sigaction(trap_signals[i], &action, NULL))
            return errno;
    return 0;
}

/* What the library itself needs (src/lib.rs). */
void *platform_alloc(size_t size, size_t align) {
    void *ptr = NULL;
    if (align <= _Alignof(max_align_t))
        return malloc(size);
    return posix_memalign(&ptr, align, size) == 0 ? ptr : NULL;
}

void platform_free(void *ptr) { free(ptr); }

_Noreturn void platform_abort(void) { abort(); }
