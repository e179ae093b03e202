/*
 * callbacks.c - test-library functions that call function pointers: JSCallbacks under test.
 *
 * Same-thread functions call their callback and hand back what it returned, widened, so a test
 * sees both directions of each conversion exactly as C saw them. Thread functions start their
 * threads and return at once, reporting completion through another callback: a C function that
 * waited for threads calling into JS would block the very thread that has to run them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int32_t (*cb_i32_fn)(int32_t);

EXPORT int32_t cb_call_i32(cb_i32_fn cb, int32_t x) {
  return cb(x);
}

/* The sum of cb(i) for i in [0, n). */
EXPORT int64_t cb_call_n(cb_i32_fn cb, int32_t n) {
  int64_t sum = 0;
  for (int32_t i = 0; i < n; i++)
    sum += cb(i);
  return sum;
}

/* Every scalar argument type; more arguments than registers, so some travel on the stack. */
typedef double (*cb_all_fn)(int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, int64_t,
                            uint64_t, float, double, bool, void *, const char *, const char *,
                            int64_t);
EXPORT double cb_all_args(cb_all_fn cb) {
  return cb(-8, 200, -1600, 60000, -2000000000, 4000000000u, -9007199254740991LL,
            -9007199254740993LL, UINT64_MAX, 1.5f, -2.25, true, (void *)(uintptr_t)0x1234,
            "h\xc3\xa9llo", NULL, INT64_MIN);
}

/* Ten doubles and ten integers: both register files overflow onto the stack. */
typedef double (*cb_many_fn)(double, double, double, double, double, double, double, double, double,
                             double, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                             int32_t, int32_t, int32_t);
EXPORT double cb_many(cb_many_fn cb) {
  return cb(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
}

/* Results of each type, as C received them (widened so that nothing is lost on the way back). */
EXPORT int64_t cb_ret_i8(int8_t (*cb)(void)) {
  return cb();
}
EXPORT int64_t cb_ret_u8(uint8_t (*cb)(void)) {
  return cb();
}
EXPORT int64_t cb_ret_i16(int16_t (*cb)(void)) {
  return cb();
}
EXPORT int64_t cb_ret_u16(uint16_t (*cb)(void)) {
  return cb();
}
EXPORT int64_t cb_ret_i32(int32_t (*cb)(void)) {
  return cb();
}
EXPORT int64_t cb_ret_u32(uint32_t (*cb)(void)) {
  return cb();
}
EXPORT int64_t cb_ret_i64(int64_t (*cb)(void)) {
  return cb();
}
EXPORT uint64_t cb_ret_u64(uint64_t (*cb)(void)) {
  return cb();
}
EXPORT double cb_ret_f32(float (*cb)(void)) {
  return cb();
}
EXPORT double cb_ret_f64(double (*cb)(void)) {
  return cb();
}
EXPORT int32_t cb_ret_bool(bool (*cb)(void)) {
  return cb() ? 1 : 0;
}
EXPORT uint64_t cb_ret_ptr(void *(*cb)(void)) {
  return (uint64_t)(uintptr_t)cb();
}
/* strlen of the returned string, or -1 for NULL. */
EXPORT int64_t cb_ret_cstring(const char *(*cb)(void)) {
  const char *s = cb();
  return s == NULL ? -1 : (int64_t)strlen(s);
}
EXPORT void cb_ret_void(void (*cb)(void)) {
  cb();
}

/* Structs by value: one that travels in registers, one too big for them. */
typedef struct {
  double x, y;
} cb_point;
typedef struct {
  int64_t a, b, c;
} cb_triple;

EXPORT double cb_struct_args(double (*cb)(cb_point, cb_triple), double x, double y) {
  cb_point p = {x, y};
  cb_triple t = {1, -2, 3};
  return cb(p, t);
}
EXPORT double cb_struct_ret(cb_point (*cb)(double), double k) {
  cb_point p = cb(k);
  return p.x * 1000 + p.y;
}
EXPORT int64_t cb_triple_ret(cb_triple (*cb)(void)) {
  cb_triple t = cb();
  return t.a * 100 + t.b * 10 + t.c;
}

/* A pointer kept by C, to be called long after it was handed over. */
static cb_i32_fn stored;

EXPORT void cb_store(cb_i32_fn cb) {
  stored = cb;
}
EXPORT int32_t cb_call_stored(int32_t x) {
  return stored(x);
}

typedef struct {
  cb_i32_fn cb;
  int32_t arg, result;
} cb_once;

static void *once_main(void *p) {
  cb_once *job = p;
  job->result = job->cb(job->arg);
  return NULL;
}

/* Calls the stored pointer on a new thread and waits for it: only for callbacks that need no JS
 * thread to answer (closed ones, or ones that are not threadsafe and answer 0). */
EXPORT int32_t cb_call_stored_on_thread(int32_t x) {
  cb_once job = {stored, x, -1};
  pthread_t t;
  if (pthread_create(&t, NULL, once_main, &job) != 0) return -2;
  pthread_join(t, NULL);
  return job.result;
}

static void sleep_ms(int32_t ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static bool start_detached(void *(*main)(void *), void *arg) {
  pthread_t t;
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  bool ok = pthread_create(&t, &attr, main, arg) == 0;
  pthread_attr_destroy(&attr);
  return ok;
}

/* Several threads each call `cb` `iterations` times, with the values [0, nthreads * iterations)
 * between them; when all are done, a coordinating thread reports the sum of the results through
 * `done`. Returns 0, or -1 if the threads could not start. */
#define CB_MAX_THREADS 64

typedef struct {
  cb_i32_fn cb;
  void (*void_cb)(int32_t);
  int32_t first, count;
  int64_t sum;
} cb_worker;

typedef struct {
  cb_worker workers[CB_MAX_THREADS];
  int32_t nthreads;
  void (*done)(int64_t);
} cb_job;

static void *worker_main(void *p) {
  cb_worker *w = p;
  for (int32_t i = 0; i < w->count; i++) {
    if (w->cb != NULL)
      w->sum += w->cb(w->first + i);
    else
      w->void_cb(w->first + i);
  }
  return NULL;
}

static void *job_main(void *p) {
  cb_job *job = p;
  pthread_t threads[CB_MAX_THREADS];
  int32_t started = 0;
  for (; started < job->nthreads; started++)
    if (pthread_create(&threads[started], NULL, worker_main, &job->workers[started]) != 0) break;
  int64_t total = started == job->nthreads ? 0 : -1;
  for (int32_t i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    if (total >= 0) total += job->workers[i].sum;
  }
  job->done(total);
  free(job);
  return NULL;
}

static int32_t start_job(cb_i32_fn cb, void (*void_cb)(int32_t), int32_t nthreads,
                         int32_t iterations, void (*done)(int64_t)) {
  if (nthreads < 1 || nthreads > CB_MAX_THREADS) return -1;
  cb_job *job = calloc(1, sizeof *job);
  if (job == NULL) return -1;
  job->nthreads = nthreads;
  job->done = done;
  for (int32_t i = 0; i < nthreads; i++)
    job->workers[i] = (cb_worker){cb, void_cb, i * iterations, iterations, 0};
  if (start_detached(job_main, job)) return 0;
  free(job);
  return -1;
}

EXPORT int32_t cb_threads_start(cb_i32_fn cb, int32_t nthreads, int32_t iterations,
                                void (*done)(int64_t)) {
  return start_job(cb, NULL, nthreads, iterations, done);
}

/* The same with a void callback; `done` gets 0 once every call was made. */
EXPORT int32_t cb_threads_void_start(void (*cb)(int32_t), int32_t nthreads, int32_t iterations,
                                     void (*done)(int64_t)) {
  return start_job(NULL, cb, nthreads, iterations, done);
}

/* Calls cb("item <i>", i) for i in [0, n) from a new thread, the text in a buffer on that
 * thread's stack that is scribbled over right after each call: a callback that did not wait must
 * have copied it. */
typedef struct {
  void (*cb)(const char *, int32_t);
  int32_t n;
} cb_strings_job;

static void *strings_main(void *p) {
  cb_strings_job *job = p;
  char text[32];
  for (int32_t i = 0; i < job->n; i++) {
    snprintf(text, sizeof text, "item %d", (int)i);
    job->cb(text, i);
    memset(text, 'x', sizeof text - 1);
  }
  free(job);
  return NULL;
}

EXPORT int32_t cb_strings_start(void (*cb)(const char *, int32_t), int32_t n) {
  cb_strings_job *job = malloc(sizeof *job);
  if (job == NULL) return -1;
  *job = (cb_strings_job){cb, n};
  if (start_detached(strings_main, job)) return 0;
  free(job);
  return -1;
}

/* One call from a new thread after `delay_ms`, once the starting call has long returned. The
 * result is kept for cb_later_result(); cb_later_state() is 1 while pending, 2 when done. */
static atomic_int later_state;
static atomic_int later_result;

typedef struct {
  cb_i32_fn cb;
  int32_t value, delay_ms;
} cb_later_job;

static void *later_main(void *p) {
  cb_later_job *job = p;
  sleep_ms(job->delay_ms);
  atomic_store(&later_result, job->cb(job->value));
  atomic_store(&later_state, 2);
  free(job);
  return NULL;
}

EXPORT int32_t cb_later(cb_i32_fn cb, int32_t value, int32_t delay_ms) {
  cb_later_job *job = malloc(sizeof *job);
  if (job == NULL) return -1;
  *job = (cb_later_job){cb, value, delay_ms};
  atomic_store(&later_state, 1);
  if (start_detached(later_main, job)) return 0;
  atomic_store(&later_state, 0);
  free(job);
  return -1;
}
EXPORT int32_t cb_later_state(void) {
  return atomic_load(&later_state);
}
EXPORT int32_t cb_later_result(void) {
  return atomic_load(&later_result);
}

/* Waits on a new thread for one byte on `go_fd`, then calls cb(value) and writes "late call
 * returned <result>" to `out_fd`. The process's parent picks the moment, whatever has happened to
 * the callback's JS side by then (closed, its worker gone, the addon unloaded by Node.js). */
typedef struct {
  cb_i32_fn cb;
  int32_t value, go_fd, out_fd;
} cb_signal_job;

static void *signal_main(void *p) {
  cb_signal_job *job = p;
  char go, line[64];
  int len = read(job->go_fd, &go, 1) == 1
                ? snprintf(line, sizeof line, "late call returned %d\n", (int)job->cb(job->value))
                : snprintf(line, sizeof line, "no go signal\n");
  if (write(job->out_fd, line, (size_t)len) != len) perror("cb_on_signal");
  free(job);
  return NULL;
}

EXPORT int32_t cb_on_signal(cb_i32_fn cb, int32_t value, int32_t go_fd, int32_t out_fd) {
  cb_signal_job *job = malloc(sizeof *job);
  if (job == NULL) return -1;
  *job = (cb_signal_job){cb, value, go_fd, out_fd};
  if (start_detached(signal_main, job)) return 0;
  free(job);
  return -1;
}

/* Threads that call `cb` (with 1) in a loop until cb_hammer_stop(), counting the calls and the
 * results that were not 0: calls racing whatever happens to the callback meanwhile. */
#define CB_HAMMERS 2
static pthread_t hammers[CB_HAMMERS];
static atomic_bool hammer_stop;
static atomic_long hammer_calls, hammer_nonzero;

static void *hammer_main(void *p) {
  cb_i32_fn cb = (cb_i32_fn)(uintptr_t)p;
  while (!atomic_load(&hammer_stop)) {
    if (cb(1) != 0) atomic_fetch_add(&hammer_nonzero, 1);
    atomic_fetch_add(&hammer_calls, 1);
  }
  return NULL;
}

/* Returns 0, or -1 if the threads could not start (none is left running then). */
EXPORT int32_t cb_hammer_start(cb_i32_fn cb) {
  atomic_store(&hammer_stop, false);
  atomic_store(&hammer_calls, 0);
  atomic_store(&hammer_nonzero, 0);
  for (int i = 0; i < CB_HAMMERS; i++) {
    if (pthread_create(&hammers[i], NULL, hammer_main, (void *)(uintptr_t)cb) != 0) {
      atomic_store(&hammer_stop, true);
      while (i-- > 0)
        pthread_join(hammers[i], NULL);
      return -1;
    }
  }
  return 0;
}
EXPORT int64_t cb_hammer_calls(void) {
  return atomic_load(&hammer_calls);
}
/* Stops and joins the threads; returns how many calls returned something other than 0. */
EXPORT int64_t cb_hammer_stop(void) {
  atomic_store(&hammer_stop, true);
  for (int i = 0; i < CB_HAMMERS; i++)
    pthread_join(hammers[i], NULL);
  return atomic_load(&hammer_nonzero);
}

/* Visitors: each calls cb with i for i in [0, n) and stores what C received in out[i] (when out
 * is not NULL), so a test sees what C got from a callback that threw; returns the calls made. */
EXPORT int32_t cb_visit(cb_i32_fn cb, int32_t n, int32_t *out) {
  int32_t i = 0;
  for (; i < n; i++) {
    int32_t r = cb(i);
    if (out != NULL) out[i] = r;
  }
  return i;
}

/* Eight integer arguments: more than the fast entries take in registers, so a libffi closure. */
typedef int32_t (*cb_wide_fn)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                              int32_t);
EXPORT int32_t cb_visit_wide(cb_wide_fn cb, int32_t n, int32_t *out) {
  int32_t i = 0;
  for (; i < n; i++) {
    int32_t r = cb(i, 1, 2, 3, 4, 5, 6, 7);
    if (out != NULL) out[i] = r;
  }
  return i;
}

EXPORT int32_t cb_visit_f64(double (*cb)(double), int32_t n, double *out) {
  int32_t i = 0;
  for (; i < n; i++) {
    double r = cb(i);
    if (out != NULL) out[i] = r;
  }
  return i;
}

/* What a struct-returning callback gave, summed, n times. */
EXPORT int64_t cb_visit_triple(cb_triple (*cb)(void), int32_t n, int64_t *out) {
  int32_t i = 0;
  for (; i < n; i++) {
    cb_triple t = cb();
    if (out != NULL) out[i] = t.a + t.b + t.c;
  }
  return i;
}

/* Starts nthreads threads that each call cb `iterations` times and waits for them: for .async
 * calls, whose pool thread may wait. Returns the sum of the results, or -1. */
EXPORT int64_t cb_threads_join(cb_i32_fn cb, int32_t nthreads, int32_t iterations) {
  if (nthreads < 1 || nthreads > CB_MAX_THREADS) return -1;
  cb_worker workers[CB_MAX_THREADS];
  pthread_t threads[CB_MAX_THREADS];
  int32_t started = 0;
  for (; started < nthreads; started++) {
    workers[started] = (cb_worker){cb, NULL, started * iterations, iterations, 0};
    if (pthread_create(&threads[started], NULL, worker_main, &workers[started]) != 0) break;
  }
  int64_t total = started == nthreads ? 0 : -1;
  for (int32_t i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    if (total >= 0) total += workers[i].sum;
  }
  return total;
}
