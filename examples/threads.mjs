// Callbacks from other threads. In a worker thread, C threads made with libc's pthread_create each
// run a JS function: a threadsafe JSCallback hands every call to the JS thread of its worker and
// blocks the C thread until the JS function has returned, then gives C its result.
//
//   node examples/threads.mjs
import assert from 'node:assert/strict';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { dlopen, JSCallback, read } from 'arkffi';

if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url));
  const report = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  console.log(`the worker's JS thread served ${report.calls} calls from ${report.threads} C threads`);
  console.log(`each C thread got back its argument squared: [${report.results.join(', ')}]`);
  assert.deepEqual(report.results, [1, 4, 9, 16]);
} else {
  const libc = dlopen(null, {
    // int pthread_create(pthread_t *, const pthread_attr_t *, void *(*start)(void *), void *arg)
    pthread_create: { args: ['ptr', 'ptr', 'callback', 'ptr'], returns: 'i32' },
    // int pthread_join(pthread_t, void **retval)
    pthread_join: { args: ['u64', 'ptr'], returns: 'i32' },
  });
  const { pthread_create, pthread_join } = libc.symbols;

  let calls = 0;
  // void *start(void *arg): runs on a C thread, so it must be threadsafe.
  const start = new JSCallback(
    (arg) => {
      calls++;
      return arg * arg; // handed back to the C thread as its void * result
    },
    { args: ['ptr'], returns: 'ptr', threadsafe: true },
  );

  const ids = new BigUint64Array(4);
  for (let i = 0; i < ids.length; i++) {
    assert.equal(pthread_create(ids.subarray(i, i + 1), null, start, i + 1), 0);
  }
  // pthread_join waits for a thread that is waiting for this JS thread, so it must not block it:
  // .async runs it on the thread pool while the JS thread serves the callbacks.
  const results = [];
  for (let i = 0; i < ids.length; i++) {
    const retval = new BigUint64Array(1);
    assert.equal(await pthread_join.async(ids[i], retval), 0);
    results.push(read.ptr(retval));
  }
  start.close();
  libc.close();
  parentPort.postMessage({ calls, threads: ids.length, results });
}
