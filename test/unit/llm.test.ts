import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { isFault } from '../../src/core/faults';
import { streamAnthropic } from '../../src/core/llm/anthropic-messages';
import { ModelBridge } from '../../src/core/llm/bridge';
import type { ChatRequest, StreamEvent } from '../../src/core/llm/chat';
import { ModelError } from '../../src/core/llm/errors';
import { ModelList } from '../../src/core/llm/model-list';
import { streamOpenAI } from '../../src/core/llm/openai-chat';
import { readSse } from '../../src/core/llm/sse';
import { Rotation } from '../../src/core/rotation/rotation';
import { KeyResolver, lockedRun } from '../../src/core/resolver';
import { Vault } from '../../src/core/vault';
import { MemorySecretStore, tempDir } from './helpers';
import { quiet } from './window';

type Answer = { status?: number; headers?: Record<string, string>; sse?: string; body?: string; hangAfter?: boolean };

/** A streaming emulator: answers with SSE text written in random small chunks (split anywhere). */
async function sseServer(route: (req: IncomingMessage, body: string) => Answer) {
  const seen: { headers: IncomingMessage['headers']; body: string; closedEarly: boolean }[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const rec = { headers: req.headers, body, closedEarly: false };
    seen.push(rec);
    res.on('close', () => (rec.closedEarly = !res.writableFinished));
    const a = route(req, body);
    res.writeHead(a.status ?? 200, { 'content-type': a.sse !== undefined ? 'text/event-stream' : 'application/json', ...a.headers });
    if (a.sse === undefined) return res.end(a.body ?? '{}');
    const bytes = Buffer.from(a.sse);
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + Math.floor(Math.random() * 7);
      res.write(bytes.subarray(i, i + n));
      i += n;
      await new Promise((r) => setTimeout(r, 0));
      if (res.destroyed) return;
    }
    if (a.hangAfter) return; // keeps the stream open: only cancellation ends it
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

const sse = (events: [string | undefined, unknown][]) => events.map(([e, d]) => `${e ? `event: ${e}\r\n` : ''}data: ${typeof d === 'string' ? d : JSON.stringify(d)}\r\n\r\n`).join('');
const collect = async (gen: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
};
const textOf = (evs: StreamEvent[]) => evs.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
const REQ: ChatRequest = { model: 'm', system: 'Be brief.', maxTokens: 100, messages: [{ role: 'user', parts: [{ type: 'text', text: 'Weather in Oslo?' }] }], tools: [{ name: 'weather', description: 'Weather', inputSchema: { type: 'object' } }] };

const ANTHROPIC_STREAM = sse([
  ['message_start', { type: 'message_start', message: { usage: { input_tokens: 12 } } }],
  ['ping', { type: 'ping' }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Oslo… ' } }],
  ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking the weather ' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'in Oslo — ønsker du °C?' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Os' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'lo", "unit": "C"}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 2 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 34 } }],
  ['message_stop', { type: 'message_stop' }],
]);

const OPENAI_STREAM = sse([
  [undefined, { choices: [{ index: 0, delta: { role: 'assistant', content: 'Checking ' } }] }],
  [undefined, { choices: [{ index: 0, delta: { content: 'Oslo — °C' } }] }],
  [undefined, { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"ci' } }] } }] }],
  [undefined, { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] } }] }],
  [undefined, { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }],
  [undefined, { choices: [], usage: { prompt_tokens: 9, completion_tokens: 5 } }],
  [undefined, '[DONE]'],
]);

describe('language-model bridge: streaming wire formats and rotation', function () {
  this.timeout(20_000);

  it('SSE: the same events however the bytes are split (inside lines, characters and \\r\\n)', async () => {
    const text = `${ANTHROPIC_STREAM}: keep-alive\n\ndata: a\ndata: b\n\n`;
    const whole = await collectSse([Buffer.from(text)]);
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut += 3) assert.deepEqual(await collectSse([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at ${cut}`);
    assert.equal(whole.at(-1)?.data, 'a\nb');
  });

  it('Anthropic Messages: request shape, text, thinking, a tool call from split JSON, usage', async () => {
    const em = await sseServer(() => ({ sse: ANTHROPIC_STREAM }));
    const evs = await collect(streamAnthropic(REQ, { baseUrl: em.base, key: 'sk-ant-api03-bridge-0123456789' }));
    const { headers, body } = em.seen[0];
    assert.equal(headers['x-api-key'], 'sk-ant-api03-bridge-0123456789');
    assert.equal(headers['anthropic-version'], '2023-06-01');
    const b = JSON.parse(body);
    assert.deepEqual([b.model, b.stream, b.max_tokens, b.system, b.messages, b.tools[0].input_schema], ['m', true, 100, [{ type: 'text', text: 'Be brief.' }], [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }], { type: 'object' }]);
    assert.equal(textOf(evs), 'Checking the weather in Oslo — ønsker du °C?');
    assert.deepEqual(evs.filter((e) => e.type !== 'text'), [{ type: 'thinking', text: 'Oslo… ' }, { type: 'tool_call', id: 'toolu_1', name: 'weather', input: { city: 'Oslo', unit: 'C' } }, { type: 'usage', input: 12, output: 34 }]);
    // A subscription token: Bearer, Claude Code's betas and identity, its system line first.
    await collect(streamAnthropic(REQ, { baseUrl: em.base, key: 'sk-ant-oat01-sub', oauth: true }));
    const o = em.seen[1];
    assert.equal(o.headers.authorization, 'Bearer sk-ant-oat01-sub');
    assert.equal(o.headers['x-api-key'], undefined);
    assert.match(String(o.headers['anthropic-beta']), /claude-code-20250219,oauth-2025-04-20/);
    assert.equal(JSON.parse(o.body).system[0].text, "You are Claude Code, Anthropic's official CLI for Claude.");
    await em.close();
  });

  it('OpenAI Chat Completions: request shape, content, tool-call argument deltas, usage, [DONE]', async () => {
    const em = await sseServer(() => ({ sse: OPENAI_STREAM }));
    const evs = await collect(streamOpenAI(REQ, { baseUrl: `${em.base}/v1`, key: 'sk-proj-bridge', headers: { 'X-Team': 'core' } }, 'OpenAI'));
    const { headers, body } = em.seen[0];
    assert.equal(headers.authorization, 'Bearer sk-proj-bridge');
    assert.equal(headers['x-team'], 'core', 'per-account headers are sent');
    const b = JSON.parse(body);
    assert.deepEqual(b.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Oslo?' }]);
    assert.equal(b.tools[0].function.name, 'weather');
    assert.equal(textOf(evs), 'Checking Oslo — °C');
    assert.deepEqual(evs.filter((e) => e.type !== 'text'), [{ type: 'tool_call', id: 'call_1', name: 'weather', input: { city: 'Oslo' } }, { type: 'usage', input: 9, output: 5 }]);
    await em.close();
  });

  it('errors: before the stream (429 with Retry-After, 529, 401, 400) and in the middle of it', async () => {
    let answer: Answer = {};
    const em = await sseServer(() => answer);
    const cases: [Answer, string][] = [
      [{ status: 429, headers: { 'retry-after': '20' }, body: '{"error":{"type":"rate_limit_error","message":"slow down"}}' }, 'rate-limited'],
      [{ status: 529, body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }, 'rate-limited'],
      [{ status: 401, body: '{"error":{"message":"invalid x-api-key"}}' }, 'unauthorized'],
      [{ status: 400, body: '{"error":{"message":"max_tokens too large"}}' }, 'request'],
      [{ sse: sse([['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }], ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]]) }, 'rate-limited'],
    ];
    for (const [a, kind] of cases) {
      answer = a;
      const started = Date.now();
      await assert.rejects(collect(streamAnthropic(REQ, { baseUrl: em.base, key: 'k' })), (e) => e instanceof ModelError && e.kind === kind && (kind !== 'rate-limited' || (e.retryAt ?? 0) > started), `${a.status ?? 'stream'} → ${kind}`);
    }
    await em.close();
  });

  it('cancellation ends the stream at once and closes the connection', async () => {
    const em = await sseServer(() => ({ sse: sse([[undefined, { choices: [{ delta: { content: 'partial' } }] }]]), hangAfter: true }));
    const ac = new AbortController();
    const got: string[] = [];
    const run = (async () => {
      for await (const e of streamOpenAI(REQ, { baseUrl: em.base, key: 'k' }, 'OpenAI', { signal: ac.signal })) {
        if (e.type === 'text') {
          got.push(e.text);
          ac.abort();
        }
      }
    })();
    await assert.rejects(run, (e) => isFault(e));
    assert.deepEqual(got, ['partial']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(em.seen[0].closedEarly, true, 'the server saw the request go away');
    await em.close();
  });

  it("model lists: the provider's /models added to the built-in ones, fetched at most daily, a failure changes nothing", async () => {
    let calls = 0;
    let fail = false;
    const em = await sseServer((req) => (calls++, assert.equal(req.headers.authorization, 'Bearer gsk_list'), fail ? { status: 500, body: '{}' } : { body: JSON.stringify({ object: 'list', data: [{ id: 'llama-3.3-70b-versatile' }, { id: 'qwen/qwen3-32b' }] }) }));
    let saved: unknown;
    let now = 1_000_000;
    const list = new ModelList({ get: () => saved, set: (v) => void (saved = v) }, () => now);
    assert.deepEqual(list.models('groq').map((m) => m.id), ['llama-3.3-70b-versatile']);
    assert.equal(await list.refresh('groq', em.base, 'gsk_list'), true);
    assert.deepEqual(list.models('groq').map((m) => m.id), ['llama-3.3-70b-versatile', 'qwen/qwen3-32b']);
    assert.equal(await list.refresh('groq', em.base, 'gsk_list'), false, 'cached for a day');
    assert.equal(calls, 1);
    assert.deepEqual(new ModelList({ get: () => saved, set: () => undefined }, () => now).models('groq').length, 2, 'the cache survives a reload');
    now += 25 * 3_600_000;
    fail = true;
    assert.equal(await list.refresh('groq', em.base, 'gsk_list'), false);
    assert.equal(list.models('groq').length, 2, 'a failing endpoint keeps what was known');
    assert.ok(!JSON.stringify(saved).includes('gsk_list'), 'no key in the cache');
    await em.close();
  });

  describe('rotation', () => {
    async function setup(route: (key: string) => Answer) {
      const em = await sseServer((req) => route(String(req.headers.authorization).replace('Bearer ', '')));
      const t = tempDir();
      const store = new MemorySecretStore();
      const vault = new Vault(store);
      await vault.load();
      await vault.add('groq', 'first', { type: 'api_key', key: 'gsk_first_0123456789abcdef' });
      await vault.add('groq', 'second', { type: 'api_key', key: 'gsk_second_0123456789abcdef' });
      const rotation = new Rotation({ vault, settings: { mode: () => 'round-robin', threshold: () => 80 }, quota: () => undefined, store, log: quiet });
      await rotation.load();
      const resolver = new KeyResolver({ vault, oauth: () => undefined, log: quiet, locked: lockedRun({ vault, mirror: () => undefined, privateLock: `${t.dir}/p` }) });
      const served: string[] = [];
      const bridge = new ModelBridge({ vault, resolver, rotation, log: { ...quiet, info: (m) => void served.push(m) }, baseUrlOverride: () => em.base });
      return { em, vault, rotation, bridge, served, t };
    }
    const ok: Answer = { sse: sse([[undefined, { choices: [{ delta: { content: 'from second' }, finish_reason: 'stop' }] }], [undefined, '[DONE]']]) };

    it('429 on the first account: it rests until Retry-After, the second account serves, nothing streamed twice', async () => {
      const s = await setup((key) => (key.includes('first') ? { status: 429, headers: { 'retry-after': '30' }, body: '{"error":{"message":"Rate limit reached"}}' } : ok));
      const started = Date.now();
      const evs = await collect(s.bridge.chat('groq', { ...REQ, model: 'llama-3.3-70b-versatile' }));
      assert.equal(textOf(evs), 'from second');
      assert.ok((s.rotation.cooldownOf('groq', 'first') ?? 0) >= started + 29_000, 'resting for Retry-After');
      assert.equal(s.rotation.active('groq')?.name, 'second', 'rotation moved on');
      assert.match(s.served.join('\n'), /served by groq\/second/);
      assert.equal(s.em.seen.length, 2);
      await s.em.close();
      s.t.cleanup();
    });

    it('401 marks the account for a new sign-in and the next one serves; a failure after streaming began is not retried', async () => {
      const s = await setup((key) => (key.includes('first') ? { status: 401, body: '{"error":{"message":"Invalid API Key"}}' } : ok));
      assert.equal(textOf(await collect(s.bridge.chat('groq', REQ))), 'from second');
      assert.equal(s.vault.accounts('groq').find((a) => a.name === 'first')?.needsSignIn, true);
      await s.em.close();
      const mid = await setup(() => ({ sse: sse([[undefined, { choices: [{ delta: { content: 'half' } }] }], [undefined, { error: { message: 'Rate limit reached', code: 429 } }]]) }));
      await assert.rejects(collect(mid.bridge.chat('groq', REQ)), (e) => e instanceof ModelError && e.kind === 'rate-limited');
      assert.equal(mid.em.seen.length, 1, 'not sent again once text had reached the person');
      await mid.em.close();
      s.t.cleanup();
      mid.t.cleanup();
    });
  });
});

async function collectSse(chunks: Uint8Array[]) {
  const out = [];
  for await (const e of readSse((async function* () { yield* chunks; })())) out.push(e);
  return out;
}
