// `npm run bench` (part 4): what the pi companion adds to each pi request when no Pi Accounts
// listens (VS Code closed), against what pi itself spends on one request in the same run.
// - companion: the three hooks pi calls per request (before_provider_request,
//   after_provider_response, message_end), as pi calls them, with pi's real AuthStorage; median
//   over many requests. Goal: < 1 ms.
// - pi: one real request through pi-ai's streamSimple (Anthropic Messages) to a loopback
//   emulator, median; the ratio says how much of a request the companion is.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, median } from './ratio.mjs';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'pi-bench-'));
process.env.PI_ACCOUNTS_CHANNEL_DIR = join(scratch, 'nobody-listens');
// As an .mjs copy: Node (unlike pi's loader) wants to be told the built .js is a module.
copyFileSync(join(root, 'dist/companion/pi-accounts-companion.js'), join(scratch, 'companion.mjs'));
const { AuthStorage } = await import('@mariozechner/pi-coding-agent');
const { getModel, streamSimple } = await import('@mariozechner/pi-ai');
const { startLlmEmulator } = await import(pathToFileURL(join(root, 'test/host/llm-emulator.mjs')).href);
const companion = (await import(pathToFileURL(join(scratch, 'companion.mjs')).href)).default;

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const PI_REQUESTS = Number(process.env.BENCH_PI_REQUESTS ?? 50);

const em = await startLlmEmulator(() => ({
  text: 'ok',
  headers: { 'anthropic-ratelimit-unified-5h-utilization': '0.1' },
}));
const model = { ...getModel('anthropic', 'claude-sonnet-4-5'), baseUrl: em.base };
const auth = AuthStorage.inMemory({ anthropic: { type: 'api_key', key: 'sk-ant-api03-bench' } });

// The companion's hooks, registered as pi registers them.
const handlers = new Map();
companion({ on: (event, fn) => handlers.set(event, fn) });
const ctx = { model, modelRegistry: { authStorage: auth } };
await handlers.get('session_start')({ type: 'session_start' }, ctx);
const headers = {
  'content-type': 'text/event-stream',
  'anthropic-ratelimit-unified-5h-utilization': '0.1',
  'request-id': 'req_1',
};
const errorMessage = { role: 'assistant', stopReason: 'error', errorMessage: '429 {"type":"error"}' };
const companionMs = [];
for (let i = 0; i < REQUESTS; i++) {
  const t = performance.now();
  await handlers.get('before_provider_request')({ type: 'before_provider_request', payload: {} }, ctx);
  await handlers.get('after_provider_response')({ type: 'after_provider_response', status: 200, headers }, ctx);
  await handlers.get('message_end')(
    { type: 'message_end', message: i % 10 ? { role: 'assistant', stopReason: 'stop' } : errorMessage },
    ctx,
  );
  companionMs.push(performance.now() - t);
}

const piMs = [];
for (let i = 0; i < PI_REQUESTS; i++) {
  const t = performance.now();
  const s = streamSimple(
    model,
    { messages: [{ role: 'user', content: 'hi', timestamp: Date.now() }] },
    { apiKey: await auth.getApiKey('anthropic') },
  );
  for await (const _ of s);
  piMs.push(performance.now() - t);
}
await handlers.get('session_shutdown')?.({ type: 'session_shutdown' }, ctx);
await em.close();

const c = median(companionMs);
const p = median(piMs);
console.log(
  `companion, no Pi Accounts listening: median ${(c * 1000).toFixed(1)} µs per request (${REQUESTS} requests)`,
);
console.log(
  `pi, one loopback request: median ${p.toFixed(2)} ms (${PI_REQUESTS} requests); ratio companion / pi request: ${(c / p).toFixed(4)}`,
);
check('companion per pi request, median (ms)', c, '≤', 1);
