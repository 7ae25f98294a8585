// `npm run bench` (part 2): the quota scheduler against a loopback usage endpoint that takes
// 200 ms per answer: 50 accounts must never have more than 4 requests in flight, every account
// is asked (counted at the endpoint, by the token each account sends) and has its figures, and
// the wall time stays within 1.2x ceil(50/4) x 200 ms. Medians of several runs.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { check, median } from './ratio.mjs';

const require = createRequire(import.meta.url);
const out = resolve(import.meta.dirname, '../out');
const { UsageScheduler } = require(join(out, 'src/core/usage-service/scheduler.js'));
const { anthropicUsage } = require(join(out, 'src/core/providers/anthropic.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ACCOUNTS = 50;
const LATENCY = 200;

let inFlight = 0;
let maxSeen = 0;
let askedFor = new Set();
const server = createServer((req, res) => {
  askedFor.add(req.headers.authorization);
  inFlight++;
  maxSeen = Math.max(maxSeen, inFlight);
  setTimeout(() => {
    inFlight--;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        five_hour: { utilization: 10, resets_at: new Date().toISOString() },
        seven_day: { utilization: 5, resets_at: new Date().toISOString() },
      }),
    );
  }, LATENCY);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const client = anthropicUsage({ url: `http://127.0.0.1:${server.address().port}/api/oauth/usage` });
const credentialOf = (account) => ({
  type: 'oauth',
  refresh: 'r',
  access: `access-${account}`,
  expires: Date.now() + 3_600_000,
});

const walls = [];
const maxes = [];
const served = [];
for (let i = 0; i < RUNS; i++) {
  maxSeen = 0;
  askedFor = new Set();
  const s = new UsageScheduler({ fetch: (t) => client.fetch(credentialOf(t.account)), concurrency: 4 });
  const targets = Array.from({ length: ACCOUNTS }, (_, n) => ({ provider: 'anthropic', account: `a${n}` }));
  const t0 = performance.now();
  await s.refresh(targets);
  walls.push(performance.now() - t0);
  maxes.push(maxSeen);
  served.push(targets.filter((t) => askedFor.has(`Bearer access-${t.account}`) && s.entry(t)?.snapshot).length);
}
server.close();
const ideal = Math.ceil(ACCOUNTS / 4) * LATENCY;
console.log(`quota scheduler, ${RUNS} runs: ${ACCOUNTS} accounts, ${LATENCY} ms per usage answer, concurrency 4`);
console.log(`  max in flight seen by the server per run: ${maxes.join(', ')} (limit 4)`);
console.log(`  accounts asked at the endpoint and holding figures, per run: ${served.join(', ')} of ${ACCOUNTS}`);
console.log(`  wall time: median ${median(walls).toFixed(0)} ms vs ideal ${ideal} ms`);
check('most requests in flight (worst run)', Math.max(...maxes), '≤', 4);
check('accounts served (fewest in a run)', Math.min(...served), '≥', ACCOUNTS);
check('wall time ÷ ideal (median)', median(walls) / ideal, '≤', 1.2);
