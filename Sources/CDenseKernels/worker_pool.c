// A small pool of worker threads for cutting one product over the cores (issue 18).
//
// libdispatch wakes its workers through the kernel on every concurrentPerform, which cost LeNet-300-100's
// training about a fifth of its speed (eight products a step, ~85 µs each); OpenBLAS's own workers are
// awake but spin in sched_yield for ~2^28 cycles after each call, taking a core from everything else.
// These workers spin for at most PRUNE_POOL_SPIN_NS after their last part, then sleep on a condition
// variable. A run is claimed with a try-lock: a run started while another is in progress (a product
// inside a parallel loop) runs its parts on the calling thread instead of waiting.
#include "prune_dense_kernels.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <time.h>

enum { PRUNE_POOL_MAX_WORKERS = 63 };
#define PRUNE_POOL_SPIN_NS 100000LL

// The spin in nanoseconds: PRUNE_POOL_SPIN_US (microseconds, 0 = sleep at once) when set, else the default.
static int64_t spin_ns(void) {
    static _Atomic int64_t cached = -1;
    int64_t v = atomic_load(&cached);
    if (v >= 0) return v;
    const char *text = getenv("PRUNE_POOL_SPIN_US");
    v = text && *text ? (int64_t)strtoll(text, NULL, 10) * 1000 : PRUNE_POOL_SPIN_NS;
    if (v < 0) v = 0;
    atomic_store(&cached, v);
    return v;
}

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    int workers;
    _Atomic int sleepers;
    _Atomic int busy;
    // High 32 bits: the run's generation; low 32 bits: the next part to claim.
    _Atomic uint64_t ticket;
    _Atomic int64_t done;
    prune_pool_task task;
    void *context;
    int64_t parts;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, 0 };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// One turn of a spin-wait: a hint to the core that this thread is waiting (x86-64's pause), else nothing.
static inline void spin_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

// The ticket's low half while a run is being set up: no part can be claimed.
#define PRUNE_POOL_CLOSED 0xffffffffu

// Claims and runs parts of generation `gen` until none is left. A claim is a compare-and-swap on the ticket
// the check read, so it succeeds only while that run is open: a worker that read an earlier run's ticket
// cannot claim a part of the next one (the next run first closes the ticket under a new generation, then
// sets its task and parts, then opens it).
static void run_parts(uint64_t gen) {
    for (;;) {
        uint64_t t = atomic_load(&pool.ticket);
        if ((t >> 32) != gen) return;
        const uint64_t part = t & 0xffffffffu;
        if (part == PRUNE_POOL_CLOSED) {
            spin_pause();
            continue;
        }
        if ((int64_t)part >= pool.parts) return;
        if (!atomic_compare_exchange_weak(&pool.ticket, &t, t + 1)) continue;
        pool.task(pool.context, (int64_t)part);
        atomic_fetch_add(&pool.done, 1);
    }
}

// Waits until the generation differs from `seen`: spins, then sleeps.
static uint64_t wait_for_run(uint64_t seen) {
    const int64_t start = now_ns(), limit = spin_ns();
    for (int i = 0;; i++) {
        const uint64_t gen = atomic_load(&pool.ticket) >> 32;
        if (gen != seen) return gen;
        if ((i & 255) == 255 && now_ns() - start > limit) break;
        spin_pause();
    }
    pthread_mutex_lock(&pool.mutex);
    atomic_fetch_add(&pool.sleepers, 1);
    uint64_t gen;
    while ((gen = atomic_load(&pool.ticket) >> 32) == seen) pthread_cond_wait(&pool.wake, &pool.mutex);
    atomic_fetch_sub(&pool.sleepers, 1);
    pthread_mutex_unlock(&pool.mutex);
    return gen;
}

static void *worker_main(void *unused) {
    (void)unused;
    uint64_t seen = atomic_load(&pool.ticket) >> 32;
    for (;;) {
        seen = wait_for_run(seen);
        run_parts(seen);
    }
    return NULL;
}

static void start_workers(int wanted) {
    pthread_mutex_lock(&pool.mutex);
    while (pool.workers < wanted && pool.workers < PRUNE_POOL_MAX_WORKERS) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, NULL) != 0) break;
        pthread_detach(thread);
        pool.workers++;
    }
    pthread_mutex_unlock(&pool.mutex);
}

void prune_pool_run(int64_t parts, int threads, prune_pool_task task, void *context) {
    if (parts <= 1 || threads <= 1 || parts >= PRUNE_POOL_CLOSED || atomic_exchange(&pool.busy, 1)) {
        for (int64_t p = 0; p < parts; p++) task(context, p);
        return;
    }
    if (pool.workers < threads - 1) start_workers(threads - 1);
    // Closed under the new generation before the task and parts change (see run_parts): a worker still
    // looking at the last run's ticket (its last part already claimed) could otherwise claim a part of this
    // one before it opens, which then ran twice and was counted twice, and this call returned while a part
    // was still running.
    const uint64_t gen = (atomic_load(&pool.ticket) >> 32) + 1;
    atomic_store(&pool.ticket, gen << 32 | PRUNE_POOL_CLOSED);
    pool.task = task;
    pool.context = context;
    pool.parts = parts;
    atomic_store(&pool.done, 0);
    atomic_store(&pool.ticket, gen << 32);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.mutex);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.mutex);
    }
    run_parts(gen);
    while (atomic_load(&pool.done) < parts) spin_pause();
    atomic_store(&pool.busy, 0);
}
