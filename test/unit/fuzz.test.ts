// Property tests (fast-check): whatever bytes, bodies or pasted text come in, the answer is a
// value or a typed Fault, never a crash, and a file we cannot parse is never written.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { apiKeyProblem, requireApiKey } from '../../src/core/credentials';
import { isFault } from '../../src/core/faults';
import { getJson, type HttpResponse } from '../../src/core/http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { credentialSchema } from '../../src/core/credentials';
import { clineCallbackFromPaste } from '../../src/core/providers/cline';
import { parseDeviceCode, pollDeviceToken } from '../../src/core/oauth/device';
import { normalizeDomain, parseCopilotUsage } from '../../src/core/providers/github-copilot';
import { parsePastedCode } from '../../src/core/oauth/paste';
import { expiresAt, MAX_LIFETIME_S, parseTokenResponse } from '../../src/core/oauth/tokens';
import { Redactor } from '../../src/core/redact';
import { parseAnthropicUsage } from '../../src/core/providers/anthropic';
import { parseCodexUsage } from '../../src/core/providers/openai-codex';
import { retryAfter, UsageError } from '../../src/core/usage/usage-client';
import { restUntil, usageFromHeaders } from '../../src/core/pi-link/usage-headers';
import { isoTime, saneTime } from '../../src/core/time-bounds';
import { Vault } from '../../src/core/vault';
import { isModelId, MAX_LISTED, ModelList } from '../../src/core/llm/model-list';
import { linesBounded } from '../../src/core/llm/models';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { piWindow, report } from './pi-window';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const counts: Record<string, number> = {};
const count = (target: string) => (counts[target] = (counts[target] ?? 0) + 1);

/** Only a typed Fault may come out; anything else is a crash. */
function typedOrValue<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isFault(e)) throw e;
    return undefined;
  }
}

const res = (status: number, json: unknown, text = JSON.stringify(json) ?? ''): HttpResponse => ({
  status,
  headers: {},
  text,
  json,
});
const anyJson = fc.oneof(fc.jsonValue(), fc.object(), fc.anything());
/** Numbers a server might put in a time field: sane, negative, huge, not finite. */
const hugeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e13, 1e20, 1e300, -1e300, 8.64e15 + 1, Number.MAX_VALUE, 1767229200, 1767229200000),
);
/** Date texts, including years JavaScript cannot print (±275760) and nonsense. */
const dateText = fc.oneof(
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
  fc.constantFrom(
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '+099999-01-01',
    'Sun, 06 Dec 2026 00:01:00 GMT',
  ),
  fc.string(),
);
/** Header values for times: numbers in any notation, dates, durations, garbage. */
const timeHeader = fc.oneof(
  hugeNumber.map(String),
  dateText,
  fc.tuple(fc.nat(), fc.constantFrom('ms', 's', 'm', 'h', 'm0s', 'x')).map(([n, u]) => `${n}${u}`),
  fc.string({ maxLength: 500 }),
  fc.nat(420).map((n) => `${'9'.repeat(n)}s`),
);
const statuses = fc.oneof(fc.constantFrom(200, 400, 401, 403, 429, 500, 503), fc.integer({ min: 100, max: 599 }));

/** auth.json contents: JSON of any shape, broken JSON, BOMs, duplicate keys, bad UTF-8, big. */
const authBytes = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc
    .dictionary(
      fc.string(),
      anyJson.map((v) => v ?? null),
    )
    .map((o) => Buffer.from(JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '{}')),
  fc.string().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.jsonValue().map((v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(v) ?? '')])),
  fc
    .tuple(fc.string(), fc.jsonValue(), fc.jsonValue())
    .map(([k, a, b]) =>
      Buffer.from(`{${JSON.stringify(k)}: ${JSON.stringify(a)}, ${JSON.stringify(k)}: ${JSON.stringify(b)}}`),
    ),
  fc
    .tuple(fc.string(), fc.uint8Array({ minLength: 1, maxLength: 4 }))
    .map(([k, bad]) =>
      Buffer.concat([
        Buffer.from(`{"groq":{"type":"api_key","key":"${k.replace(/["\\\\]/g, '')}`),
        Buffer.from(bad.map((x) => 0x80 | (x & 0x3f))),
        Buffer.from('"}}'),
      ]),
    ),
  fc
    .integer({ min: 500, max: 3000 })
    .map((n) =>
      Buffer.from(
        JSON.stringify(
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { type: 'api_key', key: `k${i}` }])),
        ),
      ),
    ),
);

describe(`fuzzing (fast-check, ${RUNS} cases per target)`, function () {
  this.timeout(300_000);
  after(() =>
    console.log(
      `      cases run: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; crashes 0`,
    ),
  );

  it('auth.json: any content is merged or refused with a typed fault; unparseable files stay byte for byte', async () => {
    const t = tempDir();
    const path = join(t.dir, 'auth.json');
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-fuzzFUZZfuzzFUZZ0123' });
    const mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    );
    let refused = 0;
    let merged = 0;
    try {
      await fc.assert(
        fc.asyncProperty(authBytes, async (bytes) => {
          count('auth.json');
          writeFileSync(path, bytes);
          let parsed: unknown;
          try {
            parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
          } catch {
            parsed = undefined;
          }
          const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
          try {
            await mirror.sync();
          } catch (e) {
            assert.ok(isFault(e, 'mirror-corrupt'), `unexpected ${String(e)}`);
            assert.ok(!isObject, 'a readable object was refused');
            assert.deepEqual(readFileSync(path), bytes, 'an unparseable file was written');
            refused++;
            return;
          }
          assert.ok(isObject, 'an unreadable file was accepted');
          const after = JSON.parse(readFileSync(path, 'utf8'));
          for (const [k, v] of Object.entries(parsed as object))
            if (k !== 'anthropic') assert.deepEqual(after[k], v, `foreign entry ${k} changed`);
          merged++;
        }),
        { numRuns: RUNS },
      );
    } finally {
      t.cleanup();
    }
    console.log(`      auth.json: ${merged} merged, ${refused} refused and left untouched`);
  });

  it('token responses: a token or a typed fault, and no body text in the message', () => {
    fc.assert(
      fc.property(statuses, anyJson, fc.string(), (status, json, text) => {
        count('token responses');
        const body = json && typeof json === 'object' ? json : { error: text, error_description: `secret-${text}` };
        typedOrValue(() => parseTokenResponse(res(status, body), 'Refreshing'));
        try {
          parseTokenResponse(res(status, { error: 'invalid_request', error_description: 'SECRET-DESCRIPTION' }), 'x');
        } catch (e) {
          assert.ok(isFault(e) && !e.message.includes('SECRET-DESCRIPTION'));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('device-code responses: a device code or a typed fault', () => {
    fc.assert(
      fc.property(statuses, anyJson, (status, json) => {
        count('device codes');
        const r = typedOrValue(() => parseDeviceCode(res(status, json)));
        if (r) assert.equal(typeof r.deviceCode, 'string');
      }),
      { numRuns: RUNS },
    );
  });

  it('usage bodies of Claude, ChatGPT and Copilot: a snapshot with percentages in 0–100, or a typed usage problem', () => {
    const parsers = [parseAnthropicUsage, parseCodexUsage, parseCopilotUsage];
    const usageLike = fc.oneof(
      anyJson,
      fc.record({
        five_hour: fc.option(
          fc.record({ utilization: fc.oneof(fc.double(), fc.integer()), resets_at: fc.oneof(fc.string(), dateText) }),
        ),
        seven_day: anyJson,
      }),
      fc.record({
        plan_type: fc.string(),
        rate_limit: fc.record({
          primary_window: fc.option(
            fc.record({ used_percent: fc.double(), limit_window_seconds: fc.integer(), reset_at: hugeNumber }),
          ),
          limit_reached: fc.boolean(),
        }),
      }),
      fc.record({
        limited_user_quotas: fc.record({ chat: fc.integer(), completions: fc.integer() }),
        monthly_quotas: fc.record({ chat: fc.integer(), completions: fc.integer() }),
        quota_snapshots: anyJson,
        quota_reset_date: dateText,
      }),
    );
    fc.assert(
      fc.property(statuses, usageLike, fc.nat(2), (status, json, which) => {
        count('usage bodies');
        try {
          const s = parsers[which](res(status, json), 0);
          for (const w of s.windows) {
            assert.ok(w.usedPercent >= 0 && w.usedPercent <= 100 && Number.isInteger(w.usedPercent), JSON.stringify(w));
            if (w.resetsAt !== undefined) assert.equal(saneTime(w.resetsAt, 0), w.resetsAt, JSON.stringify(w));
          }
        } catch (e) {
          assert.ok(e instanceof UsageError, String(e));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('pasted redirect URLs, code#state and bare codes: a code or a typed fault; a wrong state never passes', () => {
    const pasted = fc.oneof(
      fc.string(),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.tuple(fc.string(), fc.string()).map(([c, s]) => `${c}#${s}`),
      fc
        .tuple(fc.string(), fc.string())
        .map(([c, s]) => `code=${encodeURIComponent(c)}&state=${encodeURIComponent(s)}`),
      fc
        .tuple(fc.string({ minLength: 1 }), fc.string())
        .map(
          ([c, s]) => `http://localhost:53692/callback?code=${encodeURIComponent(c)}&state=${encodeURIComponent(s)}`,
        ),
    );
    fc.assert(
      fc.property(pasted, fc.string({ minLength: 8, maxLength: 64 }), (text, state) => {
        count('pasted codes');
        const r = typedOrValue(() => parsePastedCode(text, state));
        if (r) {
          assert.ok(r.code.length > 0);
          assert.ok(r.state === undefined || r.state === state, 'a foreign state was accepted');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('token lifetimes: any JSON value as expires_in gives a finite expiry within 60 s … 1 year that stores and reads back', () => {
    const lifetimes = fc.oneof(
      fc.jsonValue(),
      fc.double(),
      fc.constantFrom(1e306, -1e306, 8.7e12, '3600', ' 60 ', '1e3', '', 'Infinity', null, true, [], {}),
      fc.integer().map(String),
    );
    fc.assert(
      fc.property(lifetimes, (expiresIn) => {
        count('token lifetimes');
        const now = Date.now();
        const r = parseTokenResponse(
          res(200, { access_token: 'at', refresh_token: 'rt', expires_in: expiresIn }),
          'Refreshing',
        );
        const expires = expiresAt(r.expires_in, now, 5 * 60_000);
        assert.ok(
          Number.isFinite(expires) && expires >= now + 60_000 - 5 * 60_000 && expires <= now + MAX_LIFETIME_S * 1000,
          String(expires),
        );
        const stored = JSON.parse(
          JSON.stringify({ type: 'oauth', refresh: r.refresh_token, access: r.access_token, expires }),
        );
        assert.ok(credentialSchema.safeParse(stored).success, 'the credential reads back');
      }),
      { numRuns: RUNS },
    );
  });

  it("device intervals: any interval or lifetime polls at 1–60 s and stops at the code's expiry", async () => {
    const seconds = fc.oneof(
      fc.jsonValue(),
      fc.double(),
      fc.constantFrom(0, -1, 2 ** 31, 3e6, 1e306, '5', '1e9', 'NaN'),
    );
    await fc.assert(
      fc.asyncProperty(seconds, seconds, fc.option(seconds), async (interval, expiresIn, slowDown) => {
        count('device intervals');
        const code = typedOrValue(() =>
          parseDeviceCode(
            res(200, {
              device_code: 'd',
              user_code: 'U',
              verification_uri: 'https://x',
              expires_in: expiresIn,
              interval,
            }),
          ),
        );
        if (!code) return;
        assert.ok(
          code.interval >= 1 && code.interval <= 60 && code.expiresIn >= 10 && code.expiresIn <= 3600,
          JSON.stringify(code),
        );
        let now = 0;
        let polls = 0;
        const slept: number[] = [];
        const poll = async () => (
          polls++,
          res(
            400,
            slowDown !== null && polls % 2
              ? { error: 'slow_down', interval: slowDown }
              : { error: 'authorization_pending' },
          )
        );
        await assert.rejects(
          pollDeviceToken(code, poll, { now: () => now, sleep: async (ms) => (slept.push(ms), void (now += ms)) }),
          (e) => isFault(e, 'expired'),
        );
        assert.ok(
          slept.every((ms) => ms >= 0 && ms <= 66_000),
          slept.join(','),
        );
        assert.ok(polls <= code.expiresIn + 1, `${polls} polls in ${code.expiresIn} s`);
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it('redaction input size: hostile text up to 256 KB keeps no secret and finishes (linear time)', () => {
    const secret = 'q9Zr2LmN8vX4kP0wT7yB3cD6';
    const r = new Redactor();
    r.setSecrets([secret]);
    const piece = fc.constantFrom(
      'eyJ',
      '-',
      '.',
      'a',
      '1',
      ' ',
      'sk-',
      'ghp_',
      'token ',
      'Bearer ',
      '"key":"',
      '"',
      'AIza',
      '_',
      secret,
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 64 }), fc.integer({ min: 0, max: 12 }), (pieces, doublings) => {
        count('redaction sizes');
        let text = pieces.join('');
        for (let i = 0; i < doublings && text.length < 128 * 1024; i++) text += text;
        assert.ok(!r.redact(`${text}${secret}${text}`).includes(secret));
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it('pasted text that looks like an address: a code or a typed fault, never a TypeError', () => {
    const pasted = fc.oneof(
      fc.string().map((s) => `http://${s}`),
      fc.string().map((s) => `https://${s}`),
      fc.string().map((s) => `HTTP://:${s}`),
      fc.string({ unit: 'binary' }),
    );
    fc.assert(
      fc.property(pasted, (text) => {
        count('pasted addresses');
        typedOrValue(() => parsePastedCode(text, 'state'));
        typedOrValue(() => clineCallbackFromPaste(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('keys and Enterprise hosts: a value or a typed fault; an accepted key has no spaces and is never a placeholder', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.constantFrom('your-api-key', 'sk-...', '<key>', '!rm -rf /', ' sk-ant-api03-0123456789abcdefXYZ '),
        ),
        (text) => {
          count('keys');
          const problem = apiKeyProblem(text);
          const key = typedOrValue(() => requireApiKey(text, 'Anthropic'));
          assert.equal(key === undefined, problem !== undefined);
          if (key) assert.ok(!/\s/.test(key) && !key.startsWith('!'));
          typedOrValue(() => normalizeDomain(text));
        },
      ),
      { numRuns: RUNS },
    );
  });
  it('rate-limit and reset headers (Retry-After, -ms, x-ratelimit-*, Anthropic, Codex): never a throw, every time within now −1 day … +35 days', () => {
    const names = fc.constantFrom(
      'retry-after',
      'retry-after-ms',
      'x-ratelimit-reset',
      'x-ratelimit-reset-requests',
      'x-ratelimit-reset-tokens',
      'anthropic-ratelimit-requests-reset',
      'anthropic-ratelimit-tokens-reset',
      'anthropic-ratelimit-unified-5h-reset',
      'anthropic-ratelimit-unified-7d-reset',
      'x-codex-primary-reset-at',
      'x-codex-secondary-reset-after-seconds',
    );
    const fills = fc.dictionary(
      fc.constantFrom(
        'anthropic-ratelimit-unified-5h-utilization',
        'x-codex-primary-used-percent',
        'x-codex-secondary-used-percent',
        'x-ratelimit-limit-requests',
        'x-ratelimit-remaining-requests',
        'anthropic-ratelimit-requests-limit',
        'anthropic-ratelimit-requests-remaining',
      ),
      fc.oneof(fc.constantFrom('1', '100', '0', '10'), hugeNumber.map(String)),
    );
    const now = Date.parse('2026-12-06T00:00:00Z');
    fc.assert(
      fc.property(fc.dictionary(names, timeHeader), fills, (times, rest) => {
        count('time headers');
        const h = { ...rest, ...times };
        const inRange = (t: number | undefined) => t === undefined || saneTime(t, now) === t;
        const until = restUntil(h, now);
        assert.ok(inRange(until), `${until} from ${JSON.stringify(h)}`);
        assert.ok(inRange(retryAfter({ status: 429, headers: h, text: '', json: undefined }, now)));
        for (const w of usageFromHeaders(h, now)?.windows ?? []) assert.ok(inRange(w.resetsAt), JSON.stringify(w));
        if (until !== undefined) assert.notEqual(isoTime(until), 'an unknown time');
      }),
      { numRuns: RUNS },
    );
  });

  it('pi reports of a 429 with any headers: the feedback port always decides (the channel always acks)', async () => {
    const w = await piWindow();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'retry-after',
            'retry-after-ms',
            'x-ratelimit-reset',
            'x-codex-primary-reset-at',
            'x-codex-primary-used-percent',
            'anthropic-ratelimit-unified-5h-reset',
            'anthropic-ratelimit-unified-5h-utilization',
          ),
          timeHeader,
        ),
        async (headers) => {
          count('pi 429 reports');
          const active = w.rotation.inUse('anthropic')?.name ?? 'A';
          const d = await w.feedback.report(report({ status: 429, headers, key: w.keyOf(active) }));
          assert.equal(typeof d.summary, 'string');
          const rest = w.rotation.cooldownOf('anthropic', active);
          assert.ok(rest === undefined || rest <= Date.now() + 35 * 86_400_000);
          await w.rotation.use('anthropic', active);
        },
      ),
      { numRuns: Math.min(RUNS, 500) },
    );
  });
  it('HTTP bodies in any chunking, declared or not: read whole up to the cap, a network fault beyond it', async () => {
    const server = createServer((req, res) => {
      const { chunks, declare } = JSON.parse(decodeURIComponent(req.url!.slice(1))) as {
        chunks: number[];
        declare: boolean;
      };
      const total = chunks.reduce((a, b) => a + b, 0);
      res.writeHead(200, declare ? { 'content-length': String(total) } : {});
      const next = (i: number): void => {
        if (i === chunks.length || res.destroyed) return void res.end();
        res.write(Buffer.alloc(chunks[i], 'x'), () => next(i + 1));
      };
      next(0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(70_000), { maxLength: 12 }),
          fc.nat(300_000),
          fc.boolean(),
          async (chunks, maxBytes, declare) => {
            count('http bodies');
            const total = chunks.reduce((a, b) => a + b, 0);
            const url = `${base}/${encodeURIComponent(JSON.stringify({ chunks, declare }))}`;
            try {
              const r = await getJson(url, { maxBytes: maxBytes || 1 });
              assert.ok(total <= (maxBytes || 1), `read ${total} > cap ${maxBytes}`);
              assert.equal(r.text.length, total);
            } catch (e) {
              assert.ok(isFault(e, 'network'), String(e));
              assert.ok(total > (maxBytes || 1), `fault on ${total} ≤ cap ${maxBytes}: ${String(e)}`);
            }
          },
        ),
        { numRuns: Math.min(RUNS, 300) },
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('models listings of any shape: a boolean, never a throw; what is cached is at most 200 unique well-formed ids, the picker adds at most 50', async () => {
    let body: Buffer = Buffer.alloc(0);
    const server = createServer(
      (_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(body)),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const builtIn = [
      {
        id: 'openai/gpt-oss-120b',
        name: 'GPT OSS 120B',
        api: 'openai-completions',
        baseUrl: base,
        contextWindow: 131072,
        maxTokens: 32768,
        reasoning: true,
        images: false,
      },
    ];
    const id = fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.stringMatching(/^[A-Za-z0-9@][A-Za-z0-9._:/@+~-]{0,130}$/),
      fc.constantFrom('__proto__', 'constructor', '<script>', 'a\nb', '', 'x'.repeat(129)),
      anyJson,
    );
    const listing = fc.oneof(
      fc.array(fc.record({ id }), { maxLength: 600 }).map((data) => Buffer.from(JSON.stringify({ data }))),
      anyJson.map((j) => Buffer.from(JSON.stringify({ data: j }) ?? '')),
      anyJson.map((j) => Buffer.from(JSON.stringify(j) ?? '')),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    );
    try {
      await fc.assert(
        fc.asyncProperty(listing, async (b) => {
          count('model listings');
          body = b;
          let saved: unknown;
          const list = new ModelList({ get: () => undefined, set: (v) => void (saved = v) });
          const changed = await list.refresh('groq', builtIn, base, 'k');
          assert.equal(typeof changed, 'boolean');
          const ids = (saved as Record<string, { ids: string[] }> | undefined)?.groq.ids ?? [];
          assert.ok(ids.length <= MAX_LISTED && new Set(ids).size === ids.length);
          assert.ok(ids.every(isModelId), JSON.stringify(ids));
          if (ids.length) count('listings with ids cached');
          assert.ok(list.models('groq', builtIn).length <= 51);
          // And read back from the stored state as the next window would.
          const reread = new ModelList({ get: () => saved, set: () => assert.fail('a bounded cache is rewritten') });
          assert.ok(reread.models('groq', builtIn).length <= 51);
        }),
        { numRuns: Math.min(RUNS, 500) },
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('model stream lines in any chunking: passed through byte for byte unless a line outgrows the bound, then cut before the chunk that does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom(0x61, 0x62, 0x0a), { maxLength: 40 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 30 }),
        async (chunks, max) => {
          count('stream lines');
          const input = Buffer.from(chunks.flat());
          const src = new ReadableStream<Uint8Array>({
            start(c) {
              for (const x of chunks) c.enqueue(Uint8Array.from(x));
              c.close();
            },
          });
          let out = Buffer.alloc(0);
          let cut = 0;
          let error: unknown;
          try {
            for await (const c of linesBounded(src, max, () => cut++)) out = Buffer.concat([out, Buffer.from(c)]);
          } catch (e) {
            error = e;
          }
          const longest = (b: Buffer) =>
            Math.max(
              0,
              ...b
                .toString('latin1')
                .split('\n')
                .map((l) => l.length),
            );
          // What passed is always a prefix of the input, whole chunks only, with no line too long.
          assert.ok(input.subarray(0, out.length).equals(out));
          assert.ok(longest(out) <= max);
          if (longest(input) <= max) assert.ok(!error && cut === 0 && out.equals(input));
          else {
            assert.equal(cut, 1);
            assert.ok(error instanceof Error && /stream line passed/.test(error.message));
            count('cut');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
