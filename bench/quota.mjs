// `npm run bench` (part 2): the quota scheduler against a loopback usage endpoint that takes
// 200 ms per answer: 50 accounts must never have more than 4 requests in flight, and the wall
// time should stay close to ceil(50/4) x 200 ms. Medians of several runs.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const out = resolve(import.meta.dirname, '../out');
const { QuotaScheduler } = require(join(out, 'src/core/quota/scheduler.js'));
const { anthropicUsage } = require(join(out, 'src/core/quota/anthropic-usage.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ACCOUNTS = 50;
const LATENCY = 200;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let inFlight = 0;
let maxSeen = 0;
const server = createServer((_req, res) => {
  inFlight++;
  maxSeen = Math.max(maxSeen, inFlight);
  setTimeout(() => {
    inFlight--;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ five_hour: { utilization: 10, resets_at: new Date().toISOString() }, seven_day: { utilization: 5, resets_at: new Date().toISOString() } }));
  }, LATENCY);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const client = anthropicUsage({ url: `http://127.0.0.1:${server.address().port}/api/oauth/usage` });
const credential = { type: 'oauth', refresh: 'r', access: 'a', expires: Date.now() + 3_600_000 };

const walls = [];
const maxes = [];
for (let i = 0; i < RUNS; i++) {
  maxSeen = 0;
  const s = new QuotaScheduler({ fetch: () => client.fetch(credential), concurrency: 4 });
  const t0 = performance.now();
  await s.refresh(Array.from({ length: ACCOUNTS }, (_, n) => ({ provider: 'anthropic', account: `a${n}` })));
  walls.push(performance.now() - t0);
  maxes.push(maxSeen);
}
server.close();
const ideal = Math.ceil(ACCOUNTS / 4) * LATENCY;
console.log(`quota scheduler, ${RUNS} runs: ${ACCOUNTS} accounts, ${LATENCY} ms per usage answer, concurrency 4`);
console.log(`  max in flight seen by the server per run: ${maxes.join(', ')} (limit 4)`);
console.log(`  wall time: median ${median(walls).toFixed(0)} ms vs ideal ${ideal} ms (${(median(walls) / ideal).toFixed(3)}x)`);
if (maxes.some((m) => m > 4)) {
  console.error('FAIL: more than 4 requests in flight');
  process.exit(1);
}
