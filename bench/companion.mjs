// `npm run bench` (part 4): what the pi companion adds to each pi request when no Pi Accounts
// listens (VS Code closed), against what pi itself spends on one request in the same run.
// - companion: the hooks pi calls per request (before_provider_headers, before_provider_request,
//   after_provider_response, message_end), as pi calls them, with pi's real credential lookup
//   (ModelRuntime.getAuth, @earendil-works/pi-coding-agent 1.6.0); median over many requests.
//   Goal: < 1 ms.
// - pi: one real request through pi's ModelRuntime.streamSimple (Anthropic Messages, pi-ai 1.6.1)
//   to a loopback emulator, median; the ratio says how much of a request the companion is.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, median } from './ratio.mjs';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'pi-bench-'));
process.env.PI_ACCOUNTS_CHANNEL_DIR = join(scratch, 'nobody-listens');
// As an .mjs copy: Node (unlike pi's loader) wants to be told the built .js is a module.
copyFileSync(join(root, 'dist/companion/pi-accounts-companion.js'), join(scratch, 'companion.mjs'));
const { ModelRuntime } = await import('@earendil-works/pi-coding-agent');
const { startLlmEmulator } = await import(pathToFileURL(join(root, 'test/host/llm-emulator.mjs')).href);
const companion = (await import(pathToFileURL(join(scratch, 'companion.mjs')).href)).default;

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const PI_REQUESTS = Number(process.env.BENCH_PI_REQUESTS ?? 50);

const em = await startLlmEmulator(() => ({
  text: 'ok',
  headers: { 'anthropic-ratelimit-unified-5h-utilization': '0.1' },
}));
const authPath = join(scratch, 'auth.json');
writeFileSync(authPath, JSON.stringify({ anthropic: { type: 'api_key', key: 'sk-ant-api03-bench' } }), {
  mode: 0o600,
});
process.env.PI_OFFLINE = '1';
const runtime = await ModelRuntime.create({ authPath, modelsPath: null, refreshOnCreate: false });
const model = { ...runtime.getModel('anthropic', 'claude-sonnet-4-5'), baseUrl: em.base };

// The companion's hooks, registered as pi registers them.
const handlers = new Map();
companion({ on: (event, fn) => handlers.set(event, fn) });
const ctx = { model, modelRegistry: { getProviderAuth: (id) => runtime.getAuth(id) } };
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
  await handlers.get('before_provider_headers')({ type: 'before_provider_headers', headers: {} }, ctx);
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
  const s = runtime.streamSimple(model, { messages: [{ role: 'user', content: 'hi', timestamp: Date.now() }] });
  for await (const _ of s);
  const answer = await s.result();
  if (answer.stopReason === 'error') throw new Error(`pi's request failed: ${answer.errorMessage}`);
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
