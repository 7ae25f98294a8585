// Diagnostics: a bare 401/402/403/429 makes one bounded probe for the provider's own reason.
// Loopback emulators that, like the real APIs, want the key in their own header (Anthropic:
// x-api-key + anthropic-version; OpenAI-compatible: a bearer token), plus two hostile ones: a
// server that never answers and one whose body never ends.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import {
  Diagnostics,
  lacksReason,
  PROBE_MAX_BYTES,
  PROBE_TIMEOUT_MS,
  PROBE_WINDOW_MS,
  probeRequest,
  reasonIn,
} from '../../src/core/diagnostics';
import { Redactor } from '../../src/core/redact';
import type { Failure } from '../../src/core/rotation/cooldown';
import { emulator } from './emulator';
import { KEY_A, KEY_OPENAI, MemorySecretStore, until } from './helpers';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { fingerprint } from '../../src/core/pi-link/protocol';
import { feedbackInto } from '../../src/core/outlet';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { report } from './pi-window';
import { bridgeWith, emulators } from './llm-harness';
import { ModelError } from '../../src/core/llm/errors';

function world(base: string, o: { now?: () => number } = {}) {
  const lines: string[] = [];
  const told: string[] = [];
  const failed: { account: string; f: Failure }[] = [];
  const redactor = new Redactor();
  redactor.setSecrets([KEY_A, KEY_OPENAI]);
  const d = new Diagnostics({
    key: (p) => (p === 'anthropic' ? KEY_A : p === 'openai' ? KEY_OPENAI : undefined),
    baseUrl: () => base,
    redact: (t) => redactor.redact(t),
    feedback: { failed: (_p, account, f) => (failed.push({ account, f }), undefined) },
    tell: (m) => void told.push(m),
    log: {
      trace: () => undefined,
      info: (m: string) => void lines.push(m),
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    },
    now: o.now,
  });
  return { d, lines, told, failed };
}

/** A server whose handler may keep the response open; every socket is closed with it. */
async function hostile(handle: (res: ServerResponse) => void) {
  const server: Server = createServer((req, res) => {
    req.resume();
    handle(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

describe('diagnostics: the probe for a provider’s own reason', () => {
  it('tells a bare refusal from one that says why', () => {
    const bare = [
      '429 status code (no body)',
      'Anthropic answered 429: 429 status code (no body).',
      'Forbidden',
      '403 Forbidden',
      'Too Many Requests',
      '402 Payment Required',
      '{"error":{"message":""}}',
      '401 {"error":{"type":"error","message":"Unauthorized"}}',
      'Rate limit exceeded',
      '',
    ];
    const said = [
      '429 {"error":{"message":"You exceeded your current quota, please check your plan"}}',
      'Your credit balance is too low to access the Anthropic API.',
      'invalid x-api-key',
      'Please try again in 10m0s',
      'OpenAI answered 403: Your organization has been disabled.',
    ];
    for (const t of bare) assert.equal(lacksReason(t), true, t);
    for (const t of said) assert.equal(lacksReason(t), false, t);
    assert.equal(reasonIn('{"error":{"type":"rate_limit_error","message":"weekly limit"}}'), 'weekly limit');
    assert.equal(reasonIn('{"detail":"Org suspended"}'), 'Org suspended');
    assert.equal(reasonIn('<html><body>403</body></html>'), '');
  });

  it('asks with the smallest request the provider accepts: one token of the model, else the models listing', () => {
    const a = probeRequest('anthropic', KEY_A, 'claude-sonnet-4-5', 'http://127.0.0.1:1');
    assert.equal(a?.url, 'http://127.0.0.1:1/v1/messages');
    assert.equal(a?.headers['x-api-key'], KEY_A);
    assert.deepEqual(JSON.parse(a?.body ?? ''), {
      model: 'claude-sonnet-4-5',
      max_tokens: 1,
      messages: [{ role: 'user', content: '.' }],
    });
    const o = probeRequest('openai', KEY_OPENAI, undefined, 'http://127.0.0.1:1/v1');
    assert.deepEqual(
      [o?.method, o?.url, o?.headers.authorization],
      ['GET', 'http://127.0.0.1:1/v1/models', `Bearer ${KEY_OPENAI}`],
    );
    assert.equal(probeRequest('google-vertex', 'x'), undefined, 'no API shape known: no probe');
  });

  it('a bare 429 learns the provider’s reason, redacted, once per account; a weekly quota is handed on', async () => {
    const emu = await emulator((r) => {
      // Like Anthropic: only its own header and version, else 401.
      if (r.headers['x-api-key'] !== KEY_A || r.headers['anthropic-version'] !== '2023-06-01')
        return { status: 401, json: { error: { type: 'authentication_error', message: 'invalid x-api-key' } } };
      return {
        status: 429,
        json: {
          type: 'error',
          error: {
            type: 'rate_limit_error',
            message: `This request would exceed your weekly usage limit (key ${KEY_A} echoed, sk-ant-api03-OTHERsecret0123456789).`,
          },
        },
      };
    });
    let now = 1_000_000;
    const w = world(emu.base, { now: () => now });
    try {
      const f = { status: 429, text: '429 status code (no body)', model: 'claude-x', handledAs: 'rate-limit' as const };
      // Two reports of the same 429 at once: one probe.
      const [a, b] = await Promise.all([w.d.explain('anthropic', 'work', f), w.d.explain('anthropic', 'work', f)]);
      assert.equal(emu.seen.length, 1, 'single flight per account');
      assert.equal(a, b);
      assert.equal(w.told.length, 1, 'shown once');
      assert.equal(a?.status, 429);
      assert.match(a?.reason ?? '', /weekly usage limit/);
      assert.ok(!w.told.join().includes(KEY_A) && !w.lines.join().includes(KEY_A), 'the key never shows');
      assert.ok(!w.told.join().includes('OTHERsecret'), 'a key-shaped string never shows');
      assert.match(w.told[0], /Anthropic account "work" answered 429\. Anthropic's own reason: ".*weekly usage limit/);
      assert.deepEqual(
        w.failed.map((x) => [x.account, x.f.class]),
        [['work', 'weekly-quota']],
        'the reason moves it to its class',
      );
      // Within the window: no probe again; another account probes on its own.
      assert.equal(await w.d.explain('anthropic', 'work', f), undefined);
      await w.d.explain('anthropic', 'home', f);
      assert.equal(emu.seen.length, 2);
      now += PROBE_WINDOW_MS;
      await w.d.explain('anthropic', 'work', f);
      assert.equal(emu.seen.length, 3, 'after the window, one more');
      // A message that says why: no probe; a sign-in (no API key): no probe.
      assert.equal(await w.d.probe('anthropic', 'x', { status: 429, text: 'Please try again in 10m0s' }), undefined);
      assert.equal(await w.d.probe('openai-codex', 'x', { status: 429, text: '' }), undefined);
      assert.equal(await w.d.probe('anthropic', 'y', { status: 500, text: '' }), undefined, 'only 401/402/403/429');
      assert.equal(emu.seen.length, 3);
      console.log(`      probe: ${String(emu.seen.length)} requests for 5 bare failures over 2 accounts and 2 windows`);
    } finally {
      await emu.close();
    }
  });

  it('is bounded in time and bytes: a server that never answers, one that trickles, one that never stops', async () => {
    let sent = 0;
    let endlessClosed = false;
    const silent = await hostile(() => undefined);
    const trickle = await hostile((res) => {
      res.writeHead(429, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('.'), 200);
      res.on('close', () => clearInterval(t));
    });
    const endless = await hostile((res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      const chunk = Buffer.from('the organisation is over its limit '.repeat(2000));
      const pump = () => {
        for (let more = true; more && !res.destroyed; sent += chunk.length) more = res.write(chunk);
      };
      res.on('drain', pump);
      res.on('close', () => (endlessClosed = true));
      pump();
    });
    try {
      const f = { status: 429, text: '429 status code (no body)', model: 'm' };
      const timed = async (base: string) => {
        const t0 = Date.now();
        const r = await world(base).d.probe('openai', 'a', f);
        return { r, ms: Date.now() - t0 };
      };
      const [s, t, e] = await Promise.all([timed(silent.base), timed(trickle.base), timed(endless.base)]);
      console.log(
        `      probe bounds: silent ${s.ms} ms, trickle ${t.ms} ms, endless ${e.ms} ms with ${e.r?.reason?.length ?? 0} characters kept; the server pushed ${sent} bytes into loopback's buffers before the probe hung up (cap ${PROBE_MAX_BYTES} B, ${PROBE_TIMEOUT_MS} ms)`,
      );
      for (const x of [s, t]) {
        assert.ok(x.ms >= PROBE_TIMEOUT_MS - 50 && x.ms < PROBE_TIMEOUT_MS + 1500, `${x.ms} ms`);
        assert.equal(x.r?.reason, undefined);
        assert.match(x.r?.note ?? '', /learnt nothing/);
      }
      assert.match(s.r?.note ?? '', /8 s|8000|time/i);
      assert.ok(e.ms < 3000, `an endless body is cut at once (${e.ms} ms)`);
      assert.equal(e.r?.status, 403);
      assert.ok((e.r?.reason?.length ?? 0) <= 201, 'the reason is bounded');
      assert.match(e.r?.reason ?? '', /^the organisation is over its limit/);
      // The probe hangs up after its cap: the server sees the connection close, however much
      // it had pushed into loopback's socket buffers by then.
      await until(() => endlessClosed);
    } finally {
      await Promise.all([silent.close(), trickle.close(), endless.close()]);
    }
  });

  it("through pi's report: a bare 429 rests 60 s, the probe finds a weekly quota, the account rests 12 h and the person reads why", async () => {
    const emu = await emulator((r) =>
      r.headers['x-api-key'] === `${KEY_A}A`
        ? { status: 429, json: { error: { type: 'rate_limit_error', message: "You've hit your weekly usage limit" } } }
        : { status: 401, json: { error: { type: 'authentication_error', message: 'invalid x-api-key' } } },
    );
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'A', { type: 'api_key', key: `${KEY_A}A` });
    await vault.add('anthropic', 'B', { type: 'api_key', key: `${KEY_A}B` });
    const lines: string[] = [];
    const log = {
      trace: () => undefined,
      info: (m: string) => void lines.push(m),
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    };
    const rotation = new Rotation({ vault, settings: { mode: () => 'round-robin', threshold: () => 80 }, store, log });
    const feedback = feedbackInto({ vault, rotation, usageSeen: () => undefined });
    const told: string[] = [];
    const redactor = new Redactor();
    redactor.setSecrets(vault.secrets());
    const diagnostics = new Diagnostics({
      key: (p, a) => {
        const c = vault.credential(p, a);
        return c?.type === 'api_key' ? c.key : undefined;
      },
      baseUrl: () => emu.base,
      redact: (t) => redactor.redact(t),
      feedback,
      tell: (m) => void told.push(m),
      log,
    });
    const pi = new PiFeedback({
      vault,
      rotation,
      mode: () => 'round-robin',
      feedback,
      refresh: async () => undefined,
      tellRateLimited: () => undefined,
      log,
      diagnostics,
    });
    try {
      const d = await pi.report(
        report({ status: 429, error: '429 status code (no body)', model: 'claude-x', key: fingerprint(`${KEY_A}A`) }),
      );
      const first = rotation.holdOf('anthropic', 'A')?.until ?? 0;
      assert.match(d.summary, /rate-limit/);
      await until(() => told.length > 0);
      const later = rotation.holdOf('anthropic', 'A');
      console.log(
        `      bare 429 through pi: rests ${Math.round((first - Date.now()) / 1000)} s, after the probe ${Math.round(((later?.until ?? 0) - Date.now()) / 3_600_000)} h (${later?.reason})`,
      );
      assert.ok((later?.until ?? 0) - Date.now() > 11 * 3_600_000);
      assert.match(told[0], /weekly usage limit/);
      assert.equal(emu.seen.length, 1);
      assert.equal(emu.seen[0].path, '/v1/messages');
      assert.ok(
        lines.some((l) => /answered 429 without a reason; a probe \(POST \/v1\/messages\) answered 429/.test(l)),
      );
      assert.ok(!lines.join('\n').includes(`${KEY_A}A`));
    } finally {
      rotation.dispose();
      await emu.close();
    }
  });

  it('through our own model request: a bare 429 to the model bridge is probed once, the quota it names rests the account 1 h', async () => {
    const em = await (await emulators()).startModelEmulator();
    const KEY = 'gsk_diagnose_0123456789abcdef';
    const told: string[] = [];
    const lines: string[] = [];
    const log = {
      trace: () => undefined,
      info: (m: string) => void lines.push(m),
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    };
    const sink: { failed?: (p: string, a: string, f: Failure, why: string) => number | undefined } = {};
    const diagnostics = new Diagnostics({
      key: () => KEY,
      baseUrl: () => `${em.base}/v1`,
      redact: (t) => new Redactor().redact(t),
      feedback: { failed: (p, a, f, why) => sink.failed?.(p, a, f, why) },
      tell: (m) => void told.push(m),
      log,
    });
    const s = await bridgeWith(em, [['groq', 'only', KEY]], { groq: '/v1' }, { diagnostics });
    sink.failed = (p, a, f, why) => s.rotation.failed(p, a, f, why);
    try {
      em.answer(KEY, 429, {});
      em.answer(KEY, 429, { body: { error: { message: 'You exceeded your current quota, please check your plan.' } } });
      let e: unknown;
      try {
        for await (const _ of s.bridge.chat('groq', {
          model: 'openai/gpt-oss-120b',
          maxTokens: 100,
          messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
        }));
      } catch (x) {
        e = x;
      }
      assert.ok(e instanceof ModelError && e.kind === 'rate-limited', String(e));
      await until(() => told.length > 0);
      const hold = s.rotation.holdOf('groq', 'only');
      console.log(
        `      bare 429 to the bridge ("${e.message}"): ${em.seen.length} requests (the request and one probe); rests ${Math.round(((hold?.until ?? 0) - Date.now()) / 60_000)} min: ${hold?.reason}`,
      );
      assert.equal(em.seen.length, 2);
      assert.match(told[0], /Groq account "only" answered 429\. Groq's own reason: "You exceeded your current quota/);
      assert.ok((hold?.until ?? 0) - Date.now() > 50 * 60_000, 'quota: 1 h');
    } finally {
      s.rotation.dispose();
      s.t.cleanup();
      await em.close();
    }
  });
});
