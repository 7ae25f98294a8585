// Issue 25 (errors callers can handle, no hidden retries, resets from bodies, input budgets,
// today's catalogs, prompt caching, two URLs) and issue 26 items 7 and 10 (a 200 that is not a
// stream; a hostile models listing), against the loopback model emulators.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import fc from 'fast-check';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe as describeFault } from '../../src/core/faults';
import { budgetOf } from '../../src/core/llm/budget';
import type { ChatRequest, StreamEvent } from '../../src/core/llm/chat';
import { DEFAULT_MODEL } from '../../src/core/llm/curated';
import { callerCode, ModelError } from '../../src/core/llm/errors';
import { MAX_LIST_BYTES, MAX_LISTED, ModelList } from '../../src/core/llm/model-list';
import { catalog, linesBounded, MAX_STREAM_LINE } from '../../src/core/llm/models';
import { MAX_REST_MS, restUntil } from '../../src/core/llm/reset';
import { sessionIdOf } from '../../src/core/llm/session';
import { DEFAULT_REST_MS } from '../../src/core/rotation/rest';
import { PROVIDERS } from '../../src/core/providers/directory';
import { copilotUsage, copilotUsageUrl } from '../../src/core/providers/github-copilot';
import { undici } from '../../src/core/undici';
import { bridgeWith, emulators, type Emulator } from './llm-harness';

const collect = async (gen: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
};
const ask = (model: string, text = 'Weather in Oslo?'): ChatRequest => ({
  model,
  system: 'Be brief.',
  maxTokens: 1000,
  messages: [{ role: 'user', parts: [{ type: 'text', text }] }],
});
const caught = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a failure');
};

describe('model bridge: what a caller gets per failure class, requests per refusal, resets, caching', function () {
  this.timeout(30_000);
  let em: Emulator;
  let codexToken: (a: string) => string;
  beforeEach(async () => {
    const m = await emulators();
    em = await m.startModelEmulator();
    codexToken = m.codexToken;
  });
  afterEach(() => em.close());

  const KEY = 'gsk_failures_0123456789abcdef';
  const classes: [label: string, answer: object, kind: string, code: string, status: number][] = [
    [
      '400',
      { status: 400, body: { error: { message: "Unsupported value: 'temperature'" } } },
      'request',
      'BadRequest',
      400,
    ],
    ['401', { status: 401, body: { error: { message: 'Invalid API Key' } } }, 'unauthorized', 'NoPermissions', 401],
    ['403', { status: 403, body: { error: { message: 'Forbidden' } } }, 'forbidden', 'NoPermissions', 403],
    ['404', { status: 404, body: { error: { message: 'The model does not exist' } } }, 'not-found', 'NotFound', 404],
    ['429', { status: 429, headers: { 'retry-after': '30' } }, 'rate-limited', 'Blocked', 429],
    ['500', { status: 500, body: { error: { message: 'Internal error' } } }, 'server', 'ServerError', 500],
    ['503', { status: 503, body: { error: { message: 'Service unavailable' } } }, 'server', 'ServerError', 503],
    [
      '200 HTML',
      { status: 200, raw: '<!doctype html><title>Sign in to the Wi-Fi</title>', contentType: 'text/html' },
      'not-a-stream',
      'InvalidResponse',
      200,
    ],
    [
      '200 JSON',
      { status: 200, raw: '{"object":"list","data":[]}', contentType: 'application/json' },
      'not-a-stream',
      'InvalidResponse',
      200,
    ],
  ];
  for (const [label, answer, kind, code, status] of classes)
    it(`${label}: a typed ModelError (${kind} → ${code}) after exactly one request`, async () => {
      const s = await bridgeWith(em, [['groq', 'only', KEY]], { groq: '/v1' });
      em.answer(KEY, (answer as { status: number }).status, answer);
      const started = Date.now();
      const e = await caught(collect(s.bridge.chat('groq', ask('openai/gpt-oss-120b'))));
      assert.ok(e instanceof ModelError, String(e));
      assert.equal(e.kind, kind);
      assert.equal(e.status, status);
      assert.equal(callerCode(e), code);
      assert.equal(em.seen.length, 1, 'one request: nothing retried');
      const text = describeFault(e);
      if (status === 400) assert.doesNotMatch(text, /Try again in a moment/);
      assert.doesNotMatch(text, /\/(work|home|root)\/|node_modules|at \w+ \(/, 'no paths or stack');
      console.log(`      ${label}: ${e.kind} → ${code} in ${Date.now() - started} ms: ${text}`);
      s.t.cleanup();
    });

  it('a 200 that streams nothing at all (no content, no usage) is an error, not an empty success', async () => {
    const s = await bridgeWith(em, [['groq', 'only', KEY]], { groq: '/v1' });
    em.answer(KEY, 200, { raw: 'data: [DONE]\n\n', contentType: 'text/event-stream' });
    const e = await caught(collect(s.bridge.chat('groq', ask('openai/gpt-oss-120b'))));
    // pi-ai 1.x ends it "without finish_reason"; either way the caller gets an error, not "".
    assert.ok(e instanceof ModelError && ['not-a-stream', 'stream'].includes(e.kind), String(e));
    assert.equal(em.seen.length, 1);
    s.t.cleanup();
  });

  it('a 200 of any other shape is an error on every wire API: HTML as octet-stream, an SSE of pings only, an empty SSE', async () => {
    const apis: [provider: string, key: string, paths: Record<string, string>, model: string][] = [
      ['groq', KEY, { groq: '/v1' }, 'openai/gpt-oss-120b'],
      ['anthropic', 'sk-ant-api03-shapes-0123456789', {}, 'claude-sonnet-4-5'],
      ['openai', 'sk-proj-shapes', { openai: '/v1' }, 'gpt-5'],
      ['google', 'AIza-shapes-0123456789', { google: '/v1beta' }, 'gemini-2.5-flash'],
    ];
    const shapes: [label: string, answer: object][] = [
      [
        'HTML as octet-stream',
        { raw: '<!doctype html><title>Portal</title>', contentType: 'application/octet-stream' },
      ],
      ['pings only', { raw: ': ping\n\n: ping\n\n', contentType: 'text/event-stream' }],
      ['empty', { raw: '', contentType: 'text/event-stream' }],
    ];
    const figures: string[] = [];
    for (const [provider, key, paths, model] of apis) {
      const s = await bridgeWith(em, [[provider, 'only', key]], paths);
      for (const [label, answer] of shapes) {
        em.seen.length = 0;
        em.answer(key, 200, answer);
        const started = Date.now();
        const e = await caught(collect(s.bridge.chat(provider, ask(model))));
        assert.ok(
          e instanceof ModelError && ['not-a-stream', 'stream'].includes(e.kind),
          `${provider} ${label}: ${String(e)}`,
        );
        assert.equal(em.seen.length, 1, `${provider} ${label}: one request`);
        figures.push(`${provider} ${label} ${Date.now() - started} ms`);
      }
      s.t.cleanup();
    }
    console.log(`      ${figures.length} typed errors, none empty: ${figures.join(', ')}`);
  });

  it('ChatGPT usage limit (429 usage_limit_reached, resets_at in 3 h): 1 request to the limited account, it rests until resets_at, the next account serves', async () => {
    const first = codexToken('acct-first');
    const s = await bridgeWith(
      em,
      [
        ['openai-codex', 'first', first, true],
        ['openai-codex', 'second', codexToken('acct-second'), true],
      ],
      { 'openai-codex': '/backend-api' },
      { subscriptionSignIns: true },
    );
    const resetsAt = Math.floor(Date.now() / 1000) + 3 * 3600;
    em.answer(first, 429, {
      body: {
        error: {
          type: 'usage_limit_reached',
          message: 'The usage limit has been reached',
          plan_type: 'plus',
          resets_at: resetsAt,
          resets_in_seconds: 3 * 3600,
        },
      },
    });
    const evs = await collect(s.bridge.chat('openai-codex', ask('gpt-6.2-sol')));
    assert.ok(evs.some((e) => e.type === 'text'));
    const toFirst = em.seen.filter((r) => r.headers['chatgpt-account-id'] === 'acct-first').length;
    const toSecond = em.seen.filter((r) => r.headers['chatgpt-account-id'] === 'acct-second').length;
    assert.equal(toFirst, 1, 'one request to the limited account');
    assert.equal(toSecond, 1);
    const rest = s.rotation.cooldownOf('openai-codex', 'first') ?? 0;
    assert.ok(Math.abs(rest - resetsAt * 1000) < 2000, `rests until resets_at (${new Date(rest).toISOString()})`);
    console.log(
      `      requests: limited account ${toFirst}, next account ${toSecond}; rest ${((rest - Date.now()) / 3_600_000).toFixed(2)} h against resets_at in 3.00 h`,
    );
    s.t.cleanup();
  });

  it('an absurd reset (resets_at 1e300, retry-after 1e13) counts as unknown: the default rest, no RangeError', async () => {
    const s = await bridgeWith(
      em,
      [
        ['groq', 'a', 'gsk_absurd_a_0123456789'],
        ['groq', 'b', 'gsk_absurd_b_0123456789'],
      ],
      { groq: '/v1' },
    );
    em.answer('gsk_absurd_a_0123456789', 429, {
      headers: { 'retry-after': '1e13' },
      body: { error: { type: 'usage_limit_reached', resets_at: 1e300 } },
    });
    const before = Date.now();
    await collect(s.bridge.chat('groq', ask('openai/gpt-oss-120b')));
    const rest = s.rotation.cooldownOf('groq', 'a') ?? 0;
    assert.ok(rest >= before + DEFAULT_REST_MS - 50 && rest <= Date.now() + DEFAULT_REST_MS, String(rest));
    s.t.cleanup();
  });

  it('reset parsing: bodies first, then headers; the past, NaN and beyond a week are unknown', () => {
    const now = 1_800_000_000_000;
    assert.equal(restUntil({}, JSON.stringify({ error: { resets_at: now / 1000 + 60 } }), now), now + 60_000);
    assert.equal(restUntil({}, JSON.stringify({ error: { resets_in_seconds: 90 } }), now), now + 90_000);
    assert.equal(
      restUntil({}, JSON.stringify({ error: { details: [{ '@type': 'RetryInfo', retryDelay: '30s' }] } }), now),
      now + 30_000,
    );
    assert.equal(restUntil({ 'retry-after': '20' }, undefined, now), now + 20_000);
    assert.equal(restUntil({ 'retry-after-ms': '1500' }, undefined, now), now + 1500);
    assert.equal(restUntil({ 'x-ratelimit-reset-requests': '1m30s' }, undefined, now), now + 90_000);
    assert.equal(
      restUntil({ 'anthropic-ratelimit-tokens-reset': new Date(now + 45_000).toISOString() }, undefined, now),
      now + 45_000,
    );
    for (const h of [{ 'retry-after': '1e13' }, { 'retry-after-ms': '-1e300' }, { 'retry-after': 'soon' }] as Record<
      string,
      string
    >[])
      assert.equal(restUntil(h, undefined, now), undefined, JSON.stringify(h));
    assert.equal(restUntil({}, JSON.stringify({ error: { resets_at: now / 1000 - 10 } }), now), undefined);
    assert.equal(restUntil({}, JSON.stringify({ error: { resets_in_seconds: MAX_REST_MS } }), now), undefined);
  });

  it('reset parsing, fuzzed (fast-check): any headers and body give undefined or a time within (now, now + 7 days], never a throw', () => {
    const now = 1_800_000_000_000;
    const num = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(1e13, 1e20, 1e300, -1e300, Number.MAX_VALUE, NaN, Infinity, -Infinity, 0, -1),
    );
    const text = fc.oneof(
      fc.string(),
      num.map(String),
      fc.constantFrom('1m30s', '20ms', '6m0s', 'Wed, 21 Oct 2015 07:28:00 GMT'),
    );
    const headers = fc.dictionary(
      fc.constantFrom(
        'retry-after',
        'retry-after-ms',
        'x-ratelimit-reset-requests',
        'x-ratelimit-reset-tokens',
        'anthropic-ratelimit-requests-reset',
        'anthropic-ratelimit-tokens-reset',
      ),
      text,
    );
    const body = fc.oneof(
      fc.string(),
      fc
        .record({ error: fc.record({ resets_at: fc.oneof(num, text), resets_in_seconds: num }, { requiredKeys: [] }) })
        .map((o) => JSON.stringify(o)),
      fc
        .record({ error: fc.record({ details: fc.array(fc.record({ retryDelay: text })) }) })
        .map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    let known = 0;
    fc.assert(
      fc.property(headers, fc.option(body, { nil: undefined }), (h, b) => {
        const at = restUntil(h, b, now);
        if (at === undefined) return true;
        known++;
        assert.ok(Number.isFinite(at) && at > now && at <= now + MAX_REST_MS + 1, String(at));
        assert.doesNotThrow(() => new Date(at).toISOString());
        return true;
      }),
      { numRuns: 3000 },
    );
    console.log(`      3000 cases, ${known} with a sane reset, none out of range`);
  });

  it('prompt caching: two turns of one conversation carry the same prompt_cache_key (its sessionId) and stay with the account that served the first', async () => {
    const s = await bridgeWith(
      em,
      [
        ['openai-codex', 'one', codexToken('acct-one'), true],
        ['openai-codex', 'two', codexToken('acct-two'), true],
      ],
      { 'openai-codex': '/backend-api' },
      { subscriptionSignIns: true },
    );
    const turn1 = ask('gpt-6.2-sol', 'Plan a trip to Oslo.');
    const sessionId = sessionIdOf(turn1.system, turn1.messages);
    assert.ok(sessionId);
    await collect(s.bridge.chat('openai-codex', { ...turn1, sessionId }));
    const turn2: ChatRequest = {
      ...turn1,
      messages: [
        ...turn1.messages,
        { role: 'assistant', parts: [{ type: 'text', text: 'Checking.' }] },
        { role: 'user', parts: [{ type: 'text', text: 'And the weather?' }] },
      ],
    };
    assert.equal(sessionIdOf(turn2.system, turn2.messages), sessionId, 'the same conversation, the same id');
    await collect(s.bridge.chat('openai-codex', { ...turn2, sessionId }));
    const other = ask('gpt-6.2-sol', 'Something else.');
    const otherId = sessionIdOf(other.system, other.messages);
    assert.notEqual(otherId, sessionId);
    const keys = em.seen.map((r) => r.body.prompt_cache_key as string);
    assert.deepEqual(keys, [sessionId, sessionId]);
    assert.equal(em.seen[0].headers['chatgpt-account-id'], em.seen[1].headers['chatgpt-account-id']);
    console.log(`      prompt_cache_key on both turns: ${keys[0]}`);
    s.t.cleanup();
  });

  it('sticky in balancer mode: a conversation keeps its account while the balancer sends a new one elsewhere, and moves only when its account rests', async () => {
    const KA = 'gsk_sticky_a_0123456789abcdef';
    const KB = 'gsk_sticky_b_0123456789abcdef';
    const s = await bridgeWith(
      em,
      [
        ['groq', 'A', KA],
        ['groq', 'B', KB],
      ],
      { groq: '/v1' },
      { mode: 'balancer' },
    );
    const keyOf = (i: number) => (String(em.seen[i].headers.authorization).endsWith(KA) ? 'A' : 'B');
    const conv = (text: string) => {
      const r = ask('openai/gpt-oss-120b', text);
      return { ...r, sessionId: sessionIdOf(r.system, r.messages) };
    };
    const one = conv('First conversation');
    await collect(s.bridge.chat('groq', one));
    // A pi request in flight with A (the companion's start): the balancer prefers B now.
    s.rotation.started('groq', 'A', 'pi 1', '1');
    assert.deepEqual(
      s.rotation.balanced('groq')?.map((w) => w.name),
      ['B', 'A'],
    );
    await collect(s.bridge.chat('groq', one));
    await collect(s.bridge.chat('groq', conv('Second conversation')));
    s.rotation.ended('pi 1', '1');
    s.rotation.cooldown('groq', 'A', Date.now() + 60_000, 'test: A rests');
    await collect(s.bridge.chat('groq', one));
    const served = em.seen.map((_, i) => keyOf(i));
    console.log(
      `      balancer + sticky: conversation 1 → ${served[0]}, ${served[1]} (A busy), ${served[3]} (A rests); conversation 2 → ${served[2]}`,
    );
    assert.deepEqual(served, ['A', 'A', 'B', 'B']);
    s.rotation.dispose();
    s.t.cleanup();
  });

  it('OpenAI Responses: the sessionId reaches the request as prompt_cache_key', async () => {
    const s = await bridgeWith(em, [['openai', 'proj', 'sk-proj-cache']], { openai: '/v1' });
    await collect(s.bridge.chat('openai', { ...ask('gpt-5'), sessionId: 'a1b2c3d4-0000-4000-8000-000000000001' }));
    assert.equal(em.seen[0].body.prompt_cache_key, 'a1b2c3d4-0000-4000-8000-000000000001');
    s.t.cleanup();
  });
});

describe("catalogs from pi-ai 1.x: input budgets, pi's default models", () => {
  it("every model in pi-ai's whole catalog gets a usable input budget (input + output within the window)", async () => {
    const { builtinProviders } = await import('@earendil-works/pi-ai/providers/all');
    let count = 0;
    let small = 0;
    for (const p of builtinProviders())
      for (const m of p.getModels()) {
        count++;
        const b = budgetOf(m);
        assert.ok(
          b.maxInputTokens >= m.contextWindow / 2,
          `${p.id}/${m.id}: ${b.maxInputTokens} of ${m.contextWindow}`,
        );
        assert.ok(b.maxOutputTokens >= 1 && b.maxInputTokens + b.maxOutputTokens <= m.contextWindow, `${p.id}/${m.id}`);
        if (m.contextWindow <= m.maxTokens) small++;
      }
    assert.ok(count > 1000, `${count} models`);
    console.log(`      ${count} models, ${small} with a window no larger than their output limit: all usable`);
    assert.deepEqual(budgetOf({ contextWindow: 8192, maxTokens: 8192 }), {
      maxInputTokens: 6144,
      maxOutputTokens: 2048,
    });
    assert.deepEqual(budgetOf({ contextWindow: 0, maxTokens: 0 }).maxInputTokens > 0, true);
  });

  it('no provider lists two models under one name: "(latest)" twins dropped, same-named models say their id', async () => {
    const all = await catalog(PROVIDERS.map((p) => p.id));
    let models = 0;
    const renamed: string[] = [];
    for (const [provider, list] of Object.entries(all)) {
      models += list.length;
      const names = list.map((m) => m.name);
      assert.equal(new Set(names).size, names.length, `${provider}: ${names.join(', ')}`);
      assert.ok(!names.some((n) => /\(latest\)/i.test(n)), provider);
      renamed.push(...list.filter((m) => m.name.endsWith(`(${m.id})`)).map((m) => `${provider}: ${m.name}`));
    }
    console.log(
      `      ${models} models of ${Object.keys(all).length} providers, no name twice; told by id: ${renamed.join('; ')}`,
    );
  });

  it("DEFAULT_MODEL is pi-coding-agent's defaultModelPerProvider (1.6.0), entry for entry", async () => {
    const file = resolve(
      __dirname,
      '../../../node_modules/@earendil-works/pi-coding-agent/dist/core/model-resolver.js',
    );
    const m = (await import(pathToFileURL(file).href)) as { defaultModelPerProvider: Record<string, string> };
    assert.deepEqual(DEFAULT_MODEL, m.defaultModelPerProvider);
    assert.ok(readFileSync(file, 'utf8').includes('defaultModelPerProvider'));
  });
});

describe('model streams: one endless line is cut at MAX_STREAM_LINE (the pi-ai SSE note of issue 26)', function () {
  this.timeout(60_000);
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  /** A model API that answers 200 with an event stream whose line is `size` bytes (Infinity: never ends). */
  async function longLine(head: string, size: number, tail: string) {
    const stats = { written: 0 };
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const s = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(head);
        let sent = 0;
        const pump = () => {
          while (sent < size && !res.destroyed) {
            const n = Math.min(chunk.length, size - sent);
            sent += n;
            stats.written += n;
            if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end(tail);
        };
        pump();
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return {
      em: { base: `http://127.0.0.1:${(s.address() as { port: number }).port}` } as Emulator,
      stats,
      close: () => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))),
    };
  }
  const chat = {
    head: 'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"',
    tail: '"}}]}\n\ndata: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\ndata: [DONE]\n\n',
  };
  const messages = {
    head: `event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"c","usage":{"input_tokens":1,"output_tokens":0}}}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`,
  };

  it('the bound itself: lines across chunks pass, a line longer than the limit fails once, before its chunk passes', async () => {
    const run = async (chunks: string[], max: number) => {
      let tooLong = 0;
      const src = new ReadableStream<Uint8Array>({
        start(c) {
          for (const x of chunks) c.enqueue(Buffer.from(x));
          c.close();
        },
      });
      let out = '';
      try {
        for await (const c of linesBounded(src, max, () => tooLong++)) out += Buffer.from(c).toString();
        return { out, tooLong };
      } catch (e) {
        return { out, tooLong, error: (e as Error).message };
      }
    };
    assert.deepEqual(await run(['abc', 'de\nfgh', 'ij\n'], 5), { out: 'abcde\nfghij\n', tooLong: 0 });
    assert.deepEqual(await run(['abcde\n', 'abcde', '\n'], 5), { out: 'abcde\nabcde\n', tooLong: 0 });
    const cut = await run(['abc', 'def', 'ghi\n'], 5);
    assert.equal(cut.tooLong, 1);
    assert.equal(cut.out, 'abc');
    assert.match(cut.error ?? '', /stream line passed/);
    assert.equal((await run(['ab\nabcdef'], 5)).tooLong, 1, 'the part after the last newline counts');
    assert.equal((await run(['abcdefgh\nab'], 5)).tooLong, 1, 'a line ended inside one chunk counts too');
  });

  for (const [api, provider, key, paths, model, wire] of [
    ['Chat Completions', 'groq', 'gsk_line_0123456789abcdef', { groq: '/v1' }, 'openai/gpt-oss-120b', chat],
    ['Messages', 'anthropic', 'sk-ant-api03-line-0123456789', {}, 'claude-sonnet-4-5', messages],
  ] as const)
    it(`${api}: an endless line is a typed error after ${MAX_STREAM_LINE / 1024 / 1024} MB, the rest unread`, async () => {
      const srv = await longLine(wire.head, Infinity, '');
      const s = await bridgeWith(srv.em, [[provider, 'only', key]], paths);
      try {
        const rss = process.memoryUsage().rss;
        let peak = 0;
        const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - rss)), 50);
        const started = Date.now();
        const e = await caught(collect(s.bridge.chat(provider, ask(model))));
        const ms = Date.now() - started;
        clearInterval(sample);
        assert.ok(e instanceof ModelError && e.kind === 'not-a-stream', String(e));
        assert.equal(callerCode(e), 'InvalidResponse');
        assert.match(e.message, /stream line longer than 16 MB; Pi Accounts stopped reading it/);
        const written = srv.stats.written;
        console.log(
          `      ${api}: ${e.kind} after ${ms} ms; the server wrote ${mb(written)} before the connection closed; RSS peak +${mb(peak)}`,
        );
        assert.ok(written < MAX_STREAM_LINE + 16e6, mb(written));
      } finally {
        s.t.cleanup();
        await srv.close();
      }
    });

  it('a long line under the bound (8 MB of text in one event) still streams whole', async () => {
    const size = 8 * 1024 * 1024;
    const srv = await longLine(chat.head, size, chat.tail);
    const s = await bridgeWith(srv.em, [['groq', 'only', 'gsk_line_0123456789abcdef']], { groq: '/v1' });
    try {
      const started = Date.now();
      const evs = await collect(s.bridge.chat('groq', ask('openai/gpt-oss-120b')));
      const text = evs.reduce((n, e) => n + (e.type === 'text' ? e.text.length : 0), 0);
      console.log(`      8 MB line: ${text} characters of text in ${Date.now() - started} ms`);
      assert.equal(text, size);
    } finally {
      s.t.cleanup();
      await srv.close();
    }
  });
});

describe('model listings: bounded, validated, and only where a listing exists', () => {
  async function server(handler: (res: import('node:http').ServerResponse) => void) {
    let calls = 0;
    const s = createServer((_req, res) => (calls++, handler(res)));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return {
      base: `http://127.0.0.1:${(s.address() as { port: number }).port}`,
      calls: () => calls,
      close: () => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))),
    };
  }
  const builtIn = [
    {
      id: 'openai/gpt-oss-120b',
      name: 'GPT OSS 120B',
      api: 'openai-completions',
      baseUrl: 'https://api.groq.com/openai/v1',
      contextWindow: 131072,
      maxTokens: 32768,
      reasoning: true,
      images: false,
    },
  ];

  it('300,000 ids (11+ MB): not read past 1 MiB, nothing cached', async () => {
    const body = JSON.stringify({ data: Array.from({ length: 300_000 }, (_, i) => ({ id: `model-${i}-padding-xx` })) });
    // Written as fast as the client reads (64 KB at a time), so what it took is counted.
    let written = 0;
    const srv = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (written < body.length && !res.destroyed) {
          const next = body.slice(written, written + 65536);
          written += next.length;
          if (!res.write(next)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    let saved: unknown;
    const list = new ModelList({ get: () => saved, set: (v) => void (saved = v) });
    const started = Date.now();
    assert.equal(await list.refresh('groq', builtIn, srv.base, 'k'), false);
    const ms = Date.now() - started;
    assert.equal(saved, undefined, 'nothing cached');
    await srv.close();
    // What the server got out includes the kernel's socket buffers (3.9-4.1 MB here), so the bound
    // is well under the body, not at the 1 MiB read.
    assert.ok(written < 6e6, `${written} bytes`);
    console.log(
      `      listing of ${(body.length / 1e6).toFixed(1)} MB refused at ${MAX_LIST_BYTES} bytes after ${ms} ms; the server got ${(written / 1e6).toFixed(1)} MB out before the connection closed; cached: nothing`,
    );
  });

  it('5,000 ids with hostile ones: at most 200 well-formed ids cached, and the picker adds at most 50', async () => {
    const ids = [
      ...Array.from({ length: 5000 }, (_, i) => ({ id: `m-${String(i).padStart(5, '0')}` })),
      { id: '<script>alert(1)</script>' },
      { id: 'a'.repeat(10_000) },
      { id: 42 },
      { id: '__proto__\n' },
    ];
    const srv = await server(
      (res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(JSON.stringify({ data: ids }))),
    );
    let saved: unknown;
    const list = new ModelList({ get: () => saved, set: (v) => void (saved = v) });
    assert.equal(await list.refresh('groq', builtIn, srv.base, 'k'), true);
    const cached = (saved as Record<string, { ids: string[] }>).groq.ids;
    assert.equal(cached.length, MAX_LISTED);
    assert.ok(cached.every((id) => /^m-\d{5}$/.test(id)));
    assert.ok(list.models('groq', builtIn).length <= 51);
    console.log(`      cached ${cached.length} ids, ${JSON.stringify(saved).length} bytes`);
    await srv.close();
  });

  it("OpenRouter: the key's own list (GET /models/user, as pi does) narrows pi's catalog; pi's default first and selectable; a refused listing changes nothing", async () => {
    const pi = (await catalog(['openrouter'])).openrouter;
    const fallback = pi.find((m) => !m.isDefault && m.api === pi[0].api);
    assert.ok(pi[0].isDefault && fallback && pi.length > MAX_LISTED, `${pi.length} models`);
    const allowed = [pi[0].id, pi[5].id, pi[9].id, 'my-org/private-model', '<bad id>'];
    const sent: { path?: string; authorization?: string }[] = [];
    let status = 200;
    let data: { id: unknown }[] = allowed.map((id) => ({ id }));
    const s = createServer((req, res) => {
      sent.push({ path: req.url, authorization: req.headers.authorization });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data }));
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(s.address() as { port: number }).port}/api/v1`;
    try {
      let saved: unknown;
      const list = new ModelList({ get: () => saved, set: (v) => void (saved = v) });
      assert.equal(await list.refresh('openrouter', pi, base, 'sk-or-v1-narrow'), true);
      assert.deepEqual(sent, [{ path: '/api/v1/models/user', authorization: 'Bearer sk-or-v1-narrow' }]);
      const shown = list.models('openrouter', pi);
      assert.deepEqual(
        shown.map((m) => m.id),
        [pi[0].id, pi[5].id, pi[9].id, 'my-org/private-model'],
      );
      assert.equal(shown[0].isDefault, true);
      assert.deepEqual(
        shown.map((m) => m.selectable),
        [true, true, true, false],
        'the curated few chosen again among what is left',
      );
      console.log(
        `      pi's ${pi.length} OpenRouter models → ${shown.length - 1} the key may use (+1 only its list names): ${shown.map((m) => m.id).join(', ')}`,
      );

      // A key that may use every model pi knows: none dropped (the cap is for ids pi does not know).
      data = pi.map((m) => ({ id: m.id }));
      const wide = new ModelList({ get: () => undefined, set: () => undefined });
      await wide.refresh('openrouter', pi, base, 'sk-or-v1-wide');
      assert.equal(wide.models('openrouter', pi).length, pi.length);

      // Refused (a proxy without /models/user) or naming none of pi's models: pi's catalog as it is.
      for (const [code, body] of [
        [401, []],
        [404, []],
        [200, [{ id: 'only/unknown-model' }]],
      ] as const) {
        status = code;
        data = [...body];
        const other = new ModelList({ get: () => undefined, set: () => undefined });
        await other.refresh('openrouter', pi, base, 'sk-or-v1-other');
        const after = other.models('openrouter', pi);
        assert.deepEqual(
          after.slice(0, pi.length).map((m) => [m.id, m.selectable]),
          pi.map((m) => [m.id, m.selectable]),
          `${code}: unchanged`,
        );
      }
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it("a stored per-key listing (OpenRouter's) is kept as it was on load: pi's ids, '~' ones too, past 200", async () => {
    const pi = (await catalog(['openrouter'])).openrouter;
    const ids = [...pi.map((m) => m.id), '~my-org/private-latest', 'my-org/private-model'];
    assert.ok(ids.length > MAX_LISTED);
    let rewritten = false;
    const list = new ModelList({
      get: () => ({ openrouter: { at: 1, ids, perKey: true } }),
      set: () => void (rewritten = true),
    });
    assert.equal(rewritten, false, 'a per-key listing is not trimmed');
    assert.equal(list.models('openrouter', pi).length, pi.length + 2);
  });

  it('a stored cache of 300,000 ids (another version, or edited) is trimmed on load to 200 well-formed ids and written back', () => {
    const stored = {
      groq: { at: 1, ids: [...Array.from({ length: 300_000 }, (_, i) => `model-${i}`), '<b>', 'x'.repeat(500)] },
    };
    const before = JSON.stringify(stored).length;
    let saved: unknown;
    const list = new ModelList({ get: () => stored, set: (v) => void (saved = v) });
    const ids = (saved as Record<string, { ids: string[] }>).groq.ids;
    assert.equal(ids.length, MAX_LISTED);
    assert.ok(ids.every((id) => /^model-\d+$/.test(id)));
    assert.ok(list.models('groq', builtIn).length <= 51);
    console.log(`      stored ${(before / 1e6).toFixed(1)} MB → ${JSON.stringify(saved).length} bytes written back`);
    let again = false;
    new ModelList({ get: () => saved, set: () => void (again = true) });
    assert.equal(again, false, 'a bounded cache is not rewritten');
  });

  it('Cloudflare Workers AI: no listing is requested (its URL has the account placeholder, and no /models there)', async () => {
    const srv = await server((res) => res.end('{}'));
    const list = new ModelList({ get: () => undefined, set: () => undefined });
    const cf = [
      {
        ...builtIn[0],
        baseUrl: 'https://api.cloudflare.com/client/v4/accounts/{CLOUDFLARE_ACCOUNT_ID}/ai/v1',
      },
    ];
    assert.equal(await list.refresh('cloudflare-workers-ai', cf, undefined, 'k'), false);
    assert.equal(await list.refresh('cloudflare-workers-ai', cf, srv.base, 'k'), false);
    assert.equal(
      await list.refresh('some-compatible', cf, undefined, 'k'),
      false,
      'an unfilled placeholder is never requested',
    );
    assert.equal(srv.calls(), 0);
    await srv.close();
  });

  it("Copilot usage of a GitHub Enterprise account is asked of the account's own API host", async () => {
    const base = { type: 'oauth' as const, access: 'a', refresh: 'ghu_x', expires: 0 };
    assert.equal(copilotUsageUrl(base), 'https://api.github.com/copilot_internal/user');
    assert.equal(
      copilotUsageUrl({ ...base, enterpriseUrl: 'company.ghe.com' }),
      'https://api.company.ghe.com/copilot_internal/user',
    );
    // The request as sent, caught by undici's MockAgent (no network): host, path and token.
    const agent = new (undici().MockAgent)();
    agent.disableNetConnect();
    let sent: { origin: string; path: string; authorization?: string } | undefined;
    agent
      .get('https://api.company.ghe.com')
      .intercept({ path: '/copilot_internal/user', method: 'GET' })
      .reply((o) => {
        const h = o.headers as Record<string, string>;
        sent = {
          origin: 'https://api.company.ghe.com',
          path: o.path,
          authorization: h.Authorization ?? h.authorization,
        };
        return {
          statusCode: 200,
          data: { copilot_plan: 'enterprise' },
          responseOptions: { headers: { 'content-type': 'application/json' } },
        };
      });
    const snapshot = await copilotUsage().fetch(
      { ...base, refresh: 'ghu_enterprise_0123', enterpriseUrl: 'company.ghe.com' },
      {
        dispatcher: agent,
      },
    );
    assert.deepEqual(sent, {
      origin: 'https://api.company.ghe.com',
      path: '/copilot_internal/user',
      authorization: 'token ghu_enterprise_0123',
    });
    assert.equal(snapshot.plan, 'enterprise');
    console.log(`      as sent: GET ${sent?.origin}${sent?.path}, Authorization: token ghu_…`);
    await agent.close();
  });
});
