// `npm run bench`: how the key resolver behaves under load, on loopback only.
// - N concurrent key requests on an expired OAuth token → how many refresh requests reach the
//   token endpoint (target: exactly 1), and how long until every caller has its key;
// - key requests on a fresh token (the hot path: no I/O) per second.
// Figures are medians of several runs: these machines are shared and noisy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = resolve(import.meta.dirname, '../out');
const { anthropicTokenServer } = require(join(out, 'test/unit/emulator.js'));
const { MemorySecretStore } = require(join(out, 'test/unit/helpers.js'));
const { openWindow } = require(join(out, 'test/unit/window.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1000);
const LATENCY_MS = 50;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function oneRun() {
  const dir = mkdtempSync(join(tmpdir(), 'pi-accounts-bench-'));
  const server = await anthropicTokenServer({ latencyMs: LATENCY_MS });
  try {
    const { vault, mirror, resolver } = await openWindow(new MemorySecretStore(), dir, server.tokenUrl);
    await vault.add('anthropic', 'max', { type: 'oauth', refresh: 'rt-0', access: 'sk-ant-oat01-access-0', expires: Date.now() - 1000 });
    await mirror.sync();

    const t0 = performance.now();
    const keys = await Promise.all(Array.from({ length: CONCURRENCY }, () => resolver.key('anthropic')));
    const coldMs = performance.now() - t0;
    if (new Set(keys).size !== 1) throw new Error('callers got different keys');

    const hot = 100_000;
    const t1 = performance.now();
    for (let i = 0; i < hot; i++) await resolver.key('anthropic');
    const hotPerSec = hot / ((performance.now() - t1) / 1000);
    return { refreshes: server.seen.length, coldMs, hotPerSec };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneRun());
const refreshes = runs.map((r) => r.refreshes);
console.log(`key resolver, ${RUNS} runs, token endpoint latency ${LATENCY_MS} ms (loopback emulator)`);
console.log(`  ${CONCURRENCY} concurrent key requests on an expired token → refresh requests per run: ${refreshes.join(', ')} (target 1)`);
console.log(`  time until all ${CONCURRENCY} callers had the key: median ${median(runs.map((r) => r.coldMs)).toFixed(1)} ms (${(median(runs.map((r) => r.coldMs)) / LATENCY_MS).toFixed(2)}x one token round trip)`);
console.log(`  fresh-token key requests: median ${Math.round(median(runs.map((r) => r.hotPerSec))).toLocaleString('en-US')} per second`);
if (refreshes.some((n) => n !== 1)) {
  console.error('FAIL: expected exactly one refresh request per run');
  process.exit(1);
}
