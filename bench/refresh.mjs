// `npm run bench`: how the key resolver behaves under load, on loopback only.
// - N concurrent key requests on an expired OAuth token → how many refresh requests reach the
//   token endpoint (target: exactly 1), every caller gets the REFRESHED key, and how long until
//   every caller has it;
// - pi (its real AuthStorage, in its own process) and the extension refresh the same account at
//   once → refresh requests counted at the token endpoint (target: exactly 1);
// - key requests on a fresh token (the hot path: no I/O) per second.
// Figures are medians of several runs: these machines are shared and noisy.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { check, median } from './ratio.mjs';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
const out = join(root, 'out');
const { anthropicTokenServer } = require(join(out, 'test/unit/emulator.js'));
const { MemorySecretStore } = require(join(out, 'test/unit/helpers.js'));
const { openWindow } = require(join(out, 'test/unit/window.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1000);
const LATENCY_MS = 50;

/** One window with one expired Anthropic sign-in mirrored to auth.json, and its token server. */
async function withExpiredAccount(run) {
  const dir = mkdtempSync(join(tmpdir(), 'pi-accounts-bench-'));
  const server = await anthropicTokenServer({ latencyMs: LATENCY_MS });
  try {
    const { vault, mirror, resolver } = await openWindow(new MemorySecretStore(), dir, server.tokenUrl);
    await vault.add('anthropic', 'max', {
      type: 'oauth',
      refresh: 'rt-0',
      access: 'sk-ant-oat01-access-0',
      expires: Date.now() - 1000,
    });
    await mirror.sync();
    return await run({ dir, server, resolver });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const oneRun = () =>
  withExpiredAccount(async ({ server, resolver }) => {
    const t0 = performance.now();
    const keys = await Promise.all(Array.from({ length: CONCURRENCY }, () => resolver.key('anthropic')));
    const coldMs = performance.now() - t0;
    const refreshed = `sk-ant-oat01-access-${server.stats.refreshes}`; // the emulator's latest issue
    const gotRefreshed = keys.filter((k) => k === refreshed && k !== 'sk-ant-oat01-access-0').length;

    const hot = 100_000;
    const t1 = performance.now();
    for (let i = 0; i < hot; i++) await resolver.key('anthropic');
    const hotPerSec = hot / ((performance.now() - t1) / 1000);
    return { refreshes: server.seen.length, gotRefreshed, coldMs, hotPerSec };
  });

/** pi's AuthStorage.getApiKey in its own process and the extension's resolver, on one expired account. */
const piAndUs = () =>
  withExpiredAccount(async ({ dir, server, resolver }) => {
    const child = spawn(
      process.execPath,
      [join(root, 'test/unit/fixtures/pi-refresh.mjs'), join(dir, 'auth.json'), server.base],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    const ready = new Promise((r) => child.stdout.on('data', (d) => ((out += d), out.startsWith('ready\n') && r())));
    const piResult = new Promise((r) => child.on('exit', () => r(JSON.parse(out.split('\n')[1]))));
    await ready;
    child.stdin.write('go\n');
    const [ours, theirs] = await Promise.all([resolver.key('anthropic'), piResult]);
    return {
      refreshes: server.stats.refreshes,
      reused: server.stats.reused,
      same: ours === theirs.key && ours !== 'sk-ant-oat01-access-0',
    };
  });

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneRun());
const refreshes = runs.map((r) => r.refreshes);
console.log(`key resolver, ${RUNS} runs, token endpoint latency ${LATENCY_MS} ms (loopback emulator)`);
console.log(
  `  ${CONCURRENCY} concurrent key requests on an expired token → refresh requests per run: ${refreshes.join(', ')}; callers with the refreshed key: ${runs.map((r) => r.gotRefreshed).join(', ')}`,
);
check('refresh requests per run (worst)', Math.max(...refreshes), '≤', 1);
check('refresh requests per run (fewest)', Math.min(...refreshes), '≥', 1);
check(
  `callers with the refreshed key (fewest of ${RUNS} runs)`,
  Math.min(...runs.map((r) => r.gotRefreshed)),
  '≥',
  CONCURRENCY,
);
console.log(
  `  time until all ${CONCURRENCY} callers had the key: median ${median(runs.map((r) => r.coldMs)).toFixed(1)} ms (${(median(runs.map((r) => r.coldMs)) / LATENCY_MS).toFixed(2)}x one token round trip)`,
);
console.log(
  `  fresh-token key requests: median ${Math.round(median(runs.map((r) => r.hotPerSec))).toLocaleString('en-US')} per second`,
);

const races = [];
for (let i = 0; i < 3; i++) races.push(await piAndUs());
console.log(
  `pi (AuthStorage.getApiKey, own process) and the extension refresh the same expired account at once, ${races.length} runs:`,
);
console.log(
  `  refresh requests at the token endpoint per run: ${races.map((r) => r.refreshes).join(', ')}; refresh tokens spent twice: ${races.map((r) => r.reused).join(', ')}; both got the new key: ${races.map((r) => (r.same ? 'yes' : 'NO')).join(', ')}`,
);
check('refresh requests per run (worst)', Math.max(...races.map((r) => r.refreshes)), '≤', 1);
check('refresh requests per run (fewest)', Math.min(...races.map((r) => r.refreshes)), '≥', 1);
check('runs where pi and the extension got the same new key', races.filter((r) => r.same).length, '≥', races.length);
