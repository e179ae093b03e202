/* transient.c - C functions that take callbacks, for the transient callbacks of lib/transient.ts
 * (test/transient.test.mjs): called during the call, nested, stored and called later, and
 * called from another thread. */
#include <pthread.h>
#include <stdint.h>

int tr_apply(int (*f)(int), int x) {
  return f(x);
}

/* Calls f on each element: a visitor with no result. */
void tr_for_each(const int *v, int n, void (*f)(int)) {
  for (int i = 0; i < n; i++)
    f(v[i]);
}

/* f(g(x)): two callback parameters of one call. */
int tr_compose(int (*f)(int), int (*g)(int), int x) {
  return f(g(x));
}

/* Calls f twice, so that a function that calls tr_apply_twice again nests one call in another. */
int tr_apply_twice(int (*f)(int), int x) {
  return f(f(x));
}

static int (*tr_kept)(int);

/* Keeps the pointer beyond the call, as a registration API does. */
void tr_keep(int (*f)(int)) {
  tr_kept = f;
}

/* Calls the kept pointer: a function that takes no pointer. */
int tr_call_kept(int x) {
  return tr_kept(x);
}

/* Calls the kept pointer during a call that takes a callback of its own (f is not called). */
int tr_call_kept_during(int (*f)(int), int x) {
  (void)f;
  return tr_kept(x);
}

struct tr_job {
  int (*f)(int);
  int x;
  int result;
};

static void *tr_job_run(void *arg) {
  struct tr_job *job = arg;
  job->result = job->f(job->x);
  return NULL;
}

/* Calls f(x) on a thread of its own and waits for it: -1 if the thread cannot start. */
int tr_apply_on_thread(int (*f)(int), int x) {
  struct tr_job job = {f, x, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, tr_job_run, &job) != 0) return -1;
  pthread_join(thread, NULL);
  return job.result;
}

/* A struct with a function-pointer member, called through the member. */
struct tr_ops {
  int (*op)(int);
  int x;
};

int tr_run_ops(const struct tr_ops *ops) {
  return ops->op(ops->x);
}
