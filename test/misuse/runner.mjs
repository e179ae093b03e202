// Runs misuse cases in child processes (child.mjs), so that a crash or a hang is an outcome and
// not the end of the run: batches of cases per child, two children at a time, a timeout per
// child. When a child dies or hangs, every case of its batch runs again alone, one per process,
// which names the case at fault whatever state the others left.
//
// `node test/misuse/runner.mjs --all [text]` runs every case (or those whose name contains text),
// pending ones included, and prints each failure and the names that fail: the list
// test/misuse/pending.mjs should hold.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./child.mjs', import.meta.url));
const sanitized = process.env.LD_PRELOAD?.includes('asan') === true;
/** Per child: generous, since only a hang should reach it, and sanitized code runs slower. */
const defaultTimeoutMs = sanitized ? 60_000 : 20_000;
const batchSize = 40;

/**
 * Runs the cases named in `names`; resolves to a Map from each name to
 * { ok, problem, isolated } (isolated: it ran alone after its batch's child crashed or hung).
 * Options: `casesModule`, the file the children take the cases from (default cases.mjs), and
 * `timeoutMs`, how long a child may run.
 */
export async function runCases(names, { casesModule, timeoutMs = defaultTimeoutMs } = {}) {
  const runChild = (batch) => runBatch(batch, casesModule, timeoutMs);
  const results = new Map();
  const batches = [];
  for (let i = 0; i < names.length; i += batchSize) batches.push(names.slice(i, i + batchSize));
  await pool(batches, async (batch) => {
    const run = await runChild(batch);
    if (run.clean) {
      for (const [name, r] of run.results) results.set(name, r);
      return;
    }
    await pool(batch.map((name) => [name]), async ([name]) => {
      const alone = await runChild([name]);
      const r = alone.results.get(name);
      if (alone.clean && r !== undefined) results.set(name, { ...r, isolated: true });
      else results.set(name, { ok: false, problem: alone.fault, isolated: true });
    });
  });
  return results;
}

/** Runs work(item) for every item, two at a time (the machines this runs on have 2 cores or more). */
async function pool(items, work) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(items.length, 2) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

/**
 * One child over `batch`: { clean, results, fault }. clean means it reported every case and
 * exited with status 0; fault says how it ended otherwise (signal, status, timeout, stderr).
 */
function runBatch(batch, casesModule, timeoutMs) {
  return new Promise((resolve) => {
    // The environment is inherited: ARKFFI_GENERAL_PATH, and the sanitizer's ARKFFI_ADDON and
    // LD_PRELOAD, select the path and the build that the parent runs on.
    const env = casesModule === undefined ? process.env : { ...process.env, ARKFFI_MISUSE_CASES: casesModule };
    const proc = spawn(process.execPath, ['--expose-gc', child, ...batch], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.on('close', (status, signal) => {
      clearTimeout(timer);
      const results = new Map();
      let done = false;
      for (const line of out.split('\n')) {
        if (!line.startsWith('MISUSE ')) continue;
        const r = JSON.parse(line.slice(7));
        if (r.done) done = true;
        else results.set(r.name, { ok: r.ok, problem: r.problem });
      }
      const clean = done && status === 0 && !timedOut && results.size === batch.length;
      const how = timedOut ? `hung (killed after ${timeoutMs} ms)` : signal ? `crashed (${signal})` : `exited with status ${status}`;
      // A sanitizer's report ends in its legend: its summary line says more than its tail.
      const lines = err.trim().split('\n');
      const summary = lines.filter((l) => /^SUMMARY: |runtime error: /.test(l));
      const tail = (summary.length > 0 ? summary : lines.slice(-12)).join('\n');
      resolve({ clean, results, fault: `the process ${how}${tail ? `; stderr:\n${tail}` : ''}` });
    });
  });
}

if (process.argv[2] === '--all') {
  const { cases } = await import('./cases.mjs');
  const { pending } = await import('./pending.mjs');
  const only = process.argv[3] ?? '';
  const chosen = cases.filter((c) => c.name.includes(only));
  const started = Date.now();
  const results = await runCases(chosen.map((c) => c.name));
  const failed = chosen.filter((c) => !results.get(c.name).ok);
  for (const c of failed) console.log(`FAIL ${c.name}${results.get(c.name).isolated ? ' [isolated]' : ''}: ${results.get(c.name).problem}\n`);
  const pendingSet = new Set(pending);
  const fixed = pending.filter((n) => results.get(n)?.ok);
  const unlisted = failed.filter((c) => !pendingSet.has(c.name)).map((c) => c.name);
  console.log(`${chosen.length} cases, ${failed.length} fail, ${pending.length} pending, in ${Date.now() - started} ms`);
  console.log(`failing but not pending: ${JSON.stringify(unlisted)}`);
  console.log(`pending but passing: ${JSON.stringify(fixed)}`);
}
