// The companion inside the real pi (@earendil-works/pi-coding-agent 1.6.0, print and RPC modes)
// against loopback model APIs, and Pi Accounts' side of the channel composed from the real core
// classes (vault, rotation, auth.json and models.json mirrors, feedback port, socket server).
// pi 1.x needs Node >= 22.19: the unit tests run on Node 24, so pi runs on process.execPath.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/core/log';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { PiLinkServer } from '../../src/core/pi-link/server';
import type { UsageSnapshot } from '../../src/core/usage/usage-client';
import type { RotationMode } from '../../src/core/rotation/policy';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { anthropicTokenServer } from './emulator';
import { KEY_A, KEY_B, MemorySecretStore, tempDir, until } from './helpers';
import { openWindow } from './window';
import { PI1_CLI, cleanEnv, rpcPi } from './pi1';
import { ModelsMirror } from '../../src/core/mirror/models-mirror';
import { fingerprint, type PiRequest } from '../../src/core/pi-link/protocol';
import { feedbackInto } from '../../src/core/outlet';

const root = join(__dirname, '../../..');
const PI = PI1_CLI;
const COMPANION = join(root, 'dist/companion/pi-accounts-companion.js');

type Emulator = {
  base: string;
  seen: { api: string; key: string; headers: Record<string, string | undefined> }[];
  close(): Promise<void>;
};
type Answer = (
  key: string,
  api: string,
) => { status?: number; headers?: Record<string, string>; text?: string; message?: string } | undefined;
const startEmulator = async (answer: Answer): Promise<Emulator> =>
  (await import(join(root, 'test/host/llm-emulator.mjs'))).startLlmEmulator(answer);
const modelsJson = async (base: string): Promise<unknown> =>
  (await import(join(root, 'test/host/llm-emulator.mjs'))).modelsJson(base);

export interface PiRun {
  code: number | null;
  out: string;
  err: string;
}

/** One pi process in print mode: `pi -p --no-session --model … <prompt>`, stdin closed. */
export function runPi(
  agentDir: string,
  channel: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<PiRun> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = {
      ...cleanEnv(),
      PI_OFFLINE: '1',
      PI_CODING_AGENT_DIR: agentDir,
      PI_ACCOUNTS_CHANNEL_DIR: channel,
      ...extraEnv,
    };
    for (const v of ['ANTHROPIC_API_KEY', 'ANTHROPIC_OAUTH_TOKEN', 'GROQ_API_KEY']) if (!(v in extraEnv)) delete env[v];
    const child = spawn(process.execPath, [PI, '-p', '--no-session', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** A pi agent directory: models.json at the emulator, optionally the companion installed. */
export async function agentDir(dir: string, base: string, companion: boolean, settings?: unknown): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'models.json'), JSON.stringify(await modelsJson(base)));
  if (settings) writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings));
  if (companion) {
    mkdirSync(join(dir, 'extensions'), { recursive: true });
    copyFileSync(COMPANION, join(dir, 'extensions/pi-accounts-companion.js'));
  }
  return dir;
}

const memoryLog = () => {
  const lines: string[] = [];
  const log: Logger = {
    trace: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
  return { log, lines };
};

/** Pi Accounts' window, as the extension composes it, over an in-memory secret store. */
async function piAccountsWindow(o: { channel: string; authPath: string; mode?: RotationMode; provider?: string }) {
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  const provider = o.provider ?? 'anthropic';
  await vault.add(provider, 'A', { type: 'api_key', key: KEY_A });
  await vault.add(provider, 'B', { type: 'api_key', key: KEY_B });
  const { log, lines } = memoryLog();
  const rotation = new Rotation({
    vault,
    settings: { mode: () => o.mode ?? 'round-robin', threshold: () => 80, maxInFlightPerAccount: () => 1 },
    usage: () => undefined,
    store,
    log,
  });
  await rotation.load();
  const mirror = new AuthMirror(
    vault,
    new MirrorStateStore(store),
    () => o.authPath,
    () => undefined,
    rotation,
  );
  await mirror.sync();
  const usage: { account: string; snapshot: UsageSnapshot }[] = [];
  const told: string[] = [];
  const feedback = new PiFeedback({
    vault,
    rotation,
    mode: () => o.mode ?? 'round-robin',
    feedback: feedbackInto({
      vault,
      rotation,
      usageSeen: (_p, account, snapshot) => void usage.push({ account, snapshot }),
    }),
    refresh: async () => undefined,
    tellRateLimited: (_p, account) => told.push(account),
    log,
  });
  // What pi's requests said of their start and end (in-flight counts for the balancer).
  const requests: (PiRequest & { inFlight: number })[] = [];
  // What pi's reports said (the key they name by fingerprint).
  const reports: Parameters<PiFeedback['report']>[0][] = [];
  const port = {
    report: (r: Parameters<PiFeedback['report']>[0]) => (reports.push(r), feedback.report(r)),
    request: (r: PiRequest) => {
      feedback.request(r);
      requests.push({ ...r, inFlight: rotation.inFlightOf(r.provider, 'A') });
    },
    gone: (pid: number) => feedback.gone(pid),
  };
  const server = new PiLinkServer(o.channel, port, log, () => mirror.sync());
  await server.listen();
  return {
    vault,
    rotation,
    server,
    lines,
    usage,
    told,
    requests,
    reports,
    dispose: () => (server.dispose(), rotation.dispose()),
  };
}

const ANTHROPIC = ['--model', 'anthropic/claude-sonnet-4-5'];

describe('pi companion inside the real pi', function () {
  this.timeout(120_000);
  let t: ReturnType<typeof tempDir>;
  let em: Emulator;
  beforeEach(() => (t = tempDir()));
  afterEach(async () => {
    await em?.close();
    t.cleanup();
  });
  const letters = () => em.seen.map((s) => (s.key === KEY_A ? 'A' : s.key === KEY_B ? 'B' : '?'));

  it("C-balancer: the real pi reports each request's start (key, pi's session id) and end; A counts 1 in flight, then 0", async () => {
    em = await startEmulator(() => ({ text: 'Answered.' }));
    const channel = join(t.dir, 'channel');
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, {
      retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 },
    });
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json'), mode: 'balancer' });
    try {
      const run = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
      assert.equal(run.code, 0, run.err);
      await until(() => w.requests.length >= 2);
      const [start, end] = w.requests;
      console.log(
        `      pi's request: start (key ${start.key}, session ${start.session}, A in flight ${start.inFlight}), end (A in flight ${end.inFlight})`,
      );
      assert.deepEqual(
        [start.phase, start.provider, start.key, start.inFlight, end.phase, end.id, end.inFlight],
        ['start', 'anthropic', fingerprint(KEY_A), 1, 'end', start.id, 0],
      );
      assert.match(start.session ?? '', /^[0-9a-f-]{8,}$/i, "pi 1.x's session id");
      assert.ok(!w.lines.some((l) => /malformed/.test(l)), w.lines.join('\n'));
    } finally {
      w.dispose();
    }
  });

  it('C1 a 429 for account A: Pi Accounts rests A and the same pi request is retried with B', async () => {
    em = await startEmulator((key) =>
      key === KEY_A ? { status: 429, headers: { 'retry-after': '30' } } : { text: 'Answered with B.' },
    );
    const channel = join(t.dir, 'channel');
    // SDK retries off, so every request pi makes is one its extension hooks see.
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, {
      retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 },
    });
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    try {
      assert.equal(JSON.parse(readFileSync(join(dir, 'auth.json'), 'utf8')).anthropic.key, KEY_A);
      const run = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
      assert.deepEqual(
        { code: run.code, out: run.out.trim(), err: run.err },
        { code: 0, out: 'Answered with B.', err: '' },
        w.lines.join('\n'),
      );
      assert.deepEqual(letters(), ['A', 'B']); // requests until the switch: 1
      // The report names the key the 429 was answered to, by fingerprint (never the key).
      const r = w.reports.find((x) => x.status === 429)!;
      assert.deepEqual(
        {
          provider: r.provider,
          key: r.key,
          hello: w.lines.find((l) => / connected: /.test(l))?.replace(/^pi \d+/, 'pi'),
        },
        {
          provider: 'anthropic',
          key: fingerprint(KEY_A),
          hello: 'pi connected: pi 1.6.0, companion 4.',
        },
      );
      assert.ok(!JSON.stringify(w.reports).includes(KEY_A));
      console.log(
        `      pi 1.6.0 reported ${r.provider}/${r.model} ${r.status} with key ${r.key} (A's fingerprint; B's is ${fingerprint(KEY_B)})`,
      );
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      assert.ok(w.rotation.cooldownOf('anthropic', 'A'));
      assert.ok(
        w.lines.some((l) =>
          /^pi \d+ request #\d+ to anthropic\/claude-sonnet-4-5 with A: 429 .*A rests until .*active A → B; pi re-reads auth.json\.$/.test(
            l,
          ),
        ),
        w.lines.join('\n'),
      );
    } finally {
      w.dispose();
    }
  });

  it('C8 a 429 saying retry-after 600 ("Please try again in 10m0s"): A rests the provider\'s 10 minutes, not the default 60 s', async () => {
    em = await startEmulator((key) =>
      key === KEY_A
        ? {
            status: 429,
            headers: { 'retry-after': '600' },
            message: 'Rate limit reached for requests. Please try again in 10m0s.',
          }
        : { text: 'Answered with B.' },
    );
    const channel = join(t.dir, 'channel');
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, {
      retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 },
    });
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    try {
      const before = Date.now();
      const run = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
      assert.deepEqual(
        { code: run.code, out: run.out.trim() },
        { code: 0, out: 'Answered with B.' },
        w.lines.join('\n'),
      );
      // Requests until the switch: 1 (a second A only when the decision took longer than pi waits, ACK_TIMEOUT_MS).
      assert.deepEqual(letters().slice(-1), ['B'], letters().join(''));
      const rest = w.rotation.cooldownOf('anthropic', 'A')! - before;
      assert.ok(rest >= 600_000 && rest < 600_000 + 60_000, `A rests ${rest} ms`);
    } finally {
      w.dispose();
    }
  });

  it('C9 one pi per error class: a used-up balance disables A (pi continues with B), an overloaded provider rests A 15 s, a context-too-long request switches nothing', async () => {
    const cases = [
      {
        what: 'no balance',
        answer: { status: 400, message: 'Your credit balance is too low to access the Anthropic API.' },
        hold: /^disabled no-balance$/,
        active: 'B',
      },
      { what: 'transient', answer: { status: 529, message: 'Overloaded' }, hold: /^transient$/, active: 'B' },
      {
        what: 'context too long',
        answer: { status: 400, message: 'prompt is too long: 212000 tokens > 200000 maximum' },
        hold: /^none$/,
        active: 'A',
      },
    ];
    const figures: string[] = [];
    for (const c of cases) {
      await em?.close();
      em = await startEmulator((key) => (key === KEY_A ? c.answer : { text: 'Answered with B.' }));
      const channel = join(t.dir, `channel-${c.what}`);
      const dir = await agentDir(join(t.dir, `agent-${c.what}`), em.base, true, {
        retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 },
      });
      const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
      let switches = 0;
      w.rotation.onDidChange((x) => x.from !== x.to && switches++);
      try {
        const runs = [await runPi(dir, channel, [...ANTHROPIC, 'Say hi'])];
        if (letters().at(-1) !== 'B') runs.push(await runPi(dir, channel, [...ANTHROPIC, 'Say hi']));
        const hold = w.rotation.holdOf('anthropic', 'A');
        const cls = hold?.cause ? `disabled ${hold.cause}` : hold?.until ? /^(\S+):/.exec(hold.reason)?.[1] : 'none';
        figures.push(
          `${c.what}: requests ${letters().join('')}, ${switches} switch(es), pi exit codes ${runs.map((r) => r.code).join(',')}, A: ${cls}${hold?.until ? ` for ${Math.round((hold.until - Date.now()) / 1000)} s` : ''}`,
        );
        assert.match(cls ?? '', c.hold, `${c.what}\n${w.lines.join('\n')}`);
        assert.equal(w.rotation.inUse('anthropic')?.name, c.active, c.what);
        assert.equal(switches, c.active === 'B' ? 1 : 0, c.what);
      } finally {
        w.dispose();
      }
      em.seen.length = 0;
    }
    console.log(`      ${figures.join('\n      ')}`);
  });

  it('C6 two pi processes at once and two windows listening: each report is decided once, A → B happens once, both pi answer with B', async () => {
    em = await startEmulator((key) =>
      key === KEY_A ? { status: 429, headers: { 'retry-after': '30' } } : { text: 'B again.' },
    );
    const channel = join(t.dir, 'channel');
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, {
      retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 },
    });
    const w1 = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    const w2 = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    try {
      const runs = await Promise.all([
        runPi(dir, channel, [...ANTHROPIC, 'One']),
        runPi(dir, channel, [...ANTHROPIC, 'Two']),
      ]);
      for (const run of runs)
        assert.deepEqual({ code: run.code, out: run.out.trim(), err: run.err }, { code: 0, out: 'B again.', err: '' });
      const lines = [...w1.lines, ...w2.lines];
      // A pi that starts after the switch (a loaded machine) never sends A: one report per 429 sent.
      const refusedA = letters().filter((k) => k === 'A').length;
      assert.ok(refusedA >= 1, letters().join(''));
      // Each report names the key the request carried, even when the switch lands between pi
      // resolving the key and sending it (B was once blamed for A's 429 and rested too).
      assert.equal(lines.filter((l) => / with B: 429 /.test(l)).length, 0, lines.join('\n'));
      assert.equal(lines.filter((l) => /^pi \d+ request #1 .*: 429 /.test(l)).length, refusedA, lines.join('\n'));
      assert.equal(lines.filter((l) => l.startsWith('Active anthropic account: A → B')).length, 1, lines.join('\n'));
      assert.equal(letters().filter((k) => k === 'B').length, 2);
    } finally {
      w1.dispose();
      w2.dispose();
    }
  });

  it('C7 a sign-in answered 401 in pi is refreshed exactly once, and pi then uses the new token', async () => {
    const tokens = await anthropicTokenServer();
    em = await startEmulator((key) => (key === 'sk-ant-oat01-access-0' ? { status: 401 } : { text: `with ${key}` }));
    try {
      const channel = join(t.dir, 'channel');
      const dir = await agentDir(join(t.dir, 'agent'), em.base, true);
      const store = new MemorySecretStore();
      const w = await openWindow(store, dir, tokens.tokenUrl);
      await w.vault.add('anthropic', 'max', {
        type: 'oauth',
        access: 'sk-ant-oat01-access-0',
        refresh: 'rt-0',
        expires: Date.now() + 3_600_000,
      });
      await w.mirror.sync();
      const { log, lines } = memoryLog();
      const rotation = new Rotation({
        vault: w.vault,
        settings: { mode: () => 'manual', threshold: () => 80 },
        usage: () => undefined,
        store,
        log,
      });
      const feedback = new PiFeedback({
        vault: w.vault,
        rotation,
        mode: () => 'manual',
        feedback: feedbackInto({ vault: w.vault, rotation, usageSeen: () => undefined }),
        refresh: (p, a, refused) => w.resolver.refresh(p, a, refused),
        tellRateLimited: () => undefined,
        log,
      });
      const server = new PiLinkServer(channel, feedback, log, () => w.mirror.sync());
      await server.listen();
      try {
        const first = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
        assert.equal(first.code, 1); // pi does not retry a 401 itself
        const second = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
        assert.deepEqual(
          { code: second.code, out: second.out.trim() },
          { code: 0, out: 'with sk-ant-oat01-access-1' },
          `${lines.join('\n')}\n${second.err}`,
        );
        assert.equal(tokens.stats.refreshes, 1);
        assert.deepEqual(
          em.seen.map((x) => x.key),
          ['sk-ant-oat01-access-0', 'sk-ant-oat01-access-1'],
        );
        assert.ok(
          lines.some((l) => /with max: 401 .*sign-in refreshed once; pi re-reads auth\.json/.test(l)),
          lines.join('\n'),
        );
      } finally {
        server.dispose();
        rotation.dispose();
      }
    } finally {
      await tokens.close();
    }
  });

  it("C2 an OpenAI-compatible provider (Groq) with pi's default retries: the SDK's own retries keep A, pi's retry carries B", async () => {
    em = await startEmulator((key) =>
      key === KEY_A ? { status: 429, headers: { 'retry-after': '0' } } : { text: 'Groq via B.' },
    );
    const channel = join(t.dir, 'channel');
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, { retry: { baseDelayMs: 100 } });
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json'), provider: 'groq' });
    try {
      const run = await runPi(dir, channel, ['--model', 'groq/llama-3.3-70b-versatile', 'Say hi']);
      assert.deepEqual({ code: run.code, out: run.out.trim(), err: run.err }, { code: 0, out: 'Groq via B.', err: '' });
      // The OpenAI SDK retries a 429 inside one pi request, out of any extension's sight (pi 1.6:
      // once); the first request pi itself makes after the 429 carries B.
      const sent = letters();
      assert.deepEqual(
        [sent.at(-1), sent.slice(0, -1).every((k) => k === 'A'), sent.length >= 2],
        ['B', true, true],
        sent.join(''),
      );
      assert.equal(w.rotation.inUse('groq')?.name, 'B');
    } finally {
      w.dispose();
    }
  });

  it('C3 a 401 for an API key marks it refused (kept) and pi continues with B', async () => {
    em = await startEmulator((key) => (key === KEY_A ? { status: 401 } : { text: 'B works.' }));
    const channel = join(t.dir, 'channel');
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, {
      retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 },
    });
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    try {
      const first = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
      // pi does not retry a 401 (not in its retryable list): this prompt fails as it would anyway…
      assert.equal(first.code, 1);
      assert.equal(w.vault.accounts('anthropic').find((a) => a.name === 'A')?.needsSignIn, true);
      assert.equal(w.vault.accounts('anthropic').length, 2);
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      // …and the next one goes out with B.
      const second = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
      assert.deepEqual({ code: second.code, out: second.out.trim() }, { code: 0, out: 'B works.' });
      assert.deepEqual(letters(), ['A', 'B']);
      assert.ok(
        w.lines.some((l) => /with A: 401 .*A marked refused \(kept\); active A → B/.test(l)),
        w.lines.join('\n'),
      );
    } finally {
      w.dispose();
    }
  });

  it("C4 unified rate-limit headers on a 200 update the account's usage", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    em = await startEmulator(() => ({
      text: 'ok',
      headers: {
        'anthropic-ratelimit-unified-5h-utilization': '0.42',
        'anthropic-ratelimit-unified-5h-reset': String(reset),
        'anthropic-ratelimit-unified-7d-utilization': '0.1',
        'anthropic-ratelimit-unified-status': 'allowed',
        'x-request-id': 'not-forwarded',
      },
    }));
    const channel = join(t.dir, 'channel');
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true);
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    try {
      const run = await runPi(dir, channel, [...ANTHROPIC, 'Say hi']);
      assert.equal(run.code, 0);
      assert.equal(w.usage.length, 1);
      assert.equal(w.usage[0].account, 'A');
      // The report named the key the request carried by its fingerprint (pi 1.x getProviderAuth).
      const line = w.lines.find((l) => / with A: 200\b/.test(l));
      assert.ok(line, w.lines.join('\n'));
      console.log(
        `      ${w.lines.find((l) => / connected: pi /.test(l))}\n      ${line} (key fingerprint ${fingerprint(KEY_A)} = A)`,
      );
      assert.deepEqual(
        w.usage[0].snapshot.windows.map((x) => [x.label, x.usedPercent, x.resetsAt]),
        [
          ['5h', 42, reset * 1000],
          ['7d', 10, undefined],
        ],
      );
      assert.equal(w.rotation.inUse('anthropic')?.name, 'A');
    } finally {
      w.dispose();
    }
  });

  it('C5 with no Pi Accounts listening, pi answers and exits exactly as without the companion', async () => {
    em = await startEmulator((key) =>
      key === KEY_A ? { status: 429, headers: { 'retry-after': '0' } } : { text: 'Plain answer.' },
    );
    const results: PiRun[] = [];
    for (const [key, companion] of [
      [KEY_B, false],
      [KEY_B, true],
      [KEY_A, false],
      [KEY_A, true],
    ] as const) {
      const dir = await agentDir(join(t.dir, `agent-${results.length}`), em.base, companion, {
        retry: { baseDelayMs: 10 },
      });
      writeFileSync(join(dir, 'auth.json'), JSON.stringify({ anthropic: { type: 'api_key', key } }), { mode: 0o600 });
      results.push(await runPi(dir, join(t.dir, 'no-channel'), [...ANTHROPIC, 'Say hi']));
    }
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[0], { code: 0, out: 'Plain answer.\n', err: '' });
    assert.deepEqual(results[3], results[2]);
    assert.equal(results[2].code, 1);
  });

  it("C8 one pi RPC session: after a switch pi sends B's key to B's base URL with B's headers (A's header gone)", async () => {
    em = await startEmulator(() => ({ text: 'from A' }));
    const emB = await startEmulator(() => ({ text: 'from B' }));
    const channel = join(t.dir, 'channel');
    const dir = join(t.dir, 'agent');
    mkdirSync(join(dir, 'extensions'), { recursive: true });
    copyFileSync(COMPANION, join(dir, 'extensions/pi-accounts-companion.js'));
    const authPath = join(dir, 'auth.json');
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('groq', 'A', { type: 'api_key', key: KEY_A });
    await vault.add('groq', 'B', { type: 'api_key', key: KEY_B });
    await vault.setRequest('groq', 'A', { baseUrl: `${em.base}/v1`, headers: { 'X-Account': 'A', 'X-Only-A': 'a$1' } });
    await vault.setRequest('groq', 'B', { baseUrl: `${emB.base}/v1`, headers: { 'X-Account': 'B$' } });
    const { log } = memoryLog();
    const rotation = new Rotation({
      vault,
      settings: { mode: () => 'manual', threshold: () => 80 },
      usage: () => undefined,
      store,
      log,
    });
    await rotation.load();
    const mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => authPath,
      () => undefined,
      rotation,
    );
    const models = new ModelsMirror(vault, store, () => join(dir, 'models.json'), rotation);
    const writeBoth = () => Promise.all([mirror.sync(), models.sync()]);
    await writeBoth();
    const feedback = new PiFeedback({
      vault,
      rotation,
      mode: () => 'manual',
      feedback: feedbackInto({ vault, rotation, usageSeen: () => undefined }),
      refresh: async () => undefined,
      tellRateLimited: () => undefined,
      log,
    });
    const server = new PiLinkServer(channel, feedback, log, writeBoth);
    await server.listen();
    const pi = rpcPi(dir, channel, ['--model', 'groq/llama-3.3-70b-versatile']);
    try {
      const modelBase = async () =>
        (
          (await pi.call({ type: 'get_available_models' })).data as { models: { provider: string; baseUrl: string }[] }
        ).models.find((m) => m.provider === 'groq')?.baseUrl;
      await pi.prompt('First');
      await until(() => server.status().pids.length > 0, 10_000);
      assert.equal(em.seen.length, 1);
      // The switch, as Pi Accounts makes it: both files written, then every pi told.
      await rotation.use('groq', 'B');
      await writeBoth();
      server.reload();
      for (let i = 0; (await modelBase()) !== `${emB.base}/v1`; i++) assert.ok(i < 200, "pi never took B's base URL");
      await pi.prompt('Second');
      const a = em.seen.map((x) => [x.key, x.headers['x-account'], x.headers['x-only-a']]);
      const b = emB.seen.map((x) => [x.key, x.headers['x-account'], x.headers['x-only-a']]);
      assert.deepEqual(a, [[KEY_A, 'A', 'a$1']], "before the switch: A's key, URL and headers");
      assert.deepEqual(b, [[KEY_B, 'B$', undefined]], "after: B's key to B's URL with B's headers only");
      console.log(
        `      one RPC session, pi ${server.status().piVersions.join(', ')}: before the switch key ${fingerprint(KEY_A)} (A) → ${em.base}/v1 with X-Account: A; after it key ${fingerprint(KEY_B)} (B) → ${emB.base}/v1 with X-Account: B$ and no X-Only-A`,
      );
    } finally {
      await pi.close();
      server.dispose();
      rotation.dispose();
      await emB.close();
    }
  });
});
