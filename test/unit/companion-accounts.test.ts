// pi's `/accounts` and its footer status, with the companion inside the real pi 1.x (RPC mode:
// the slash command as a prompt, its select/notify/setStatus as extension_ui_request records,
// @earendil-works/pi-coding-agent 1.6.0 docs/rpc-extension-ui.md) against a Pi Accounts window
// composed from the real core classes, and pi 0.73.1 loading the same companion.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { AccountsDesk } from '../../src/core/pi-link/accounts-desk';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { PiLinkServer } from '../../src/core/pi-link/server';
import { piStatusLine } from '../../src/core/pi-link/status-line';
import { feedbackInto } from '../../src/core/outlet';
import type { UsageEntry } from '../../src/core/usage-service/scheduler';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { KEY_A, KEY_B, MemorySecretStore, tempDir, until } from './helpers';
import { PI0_CLI, PI1_CLI, cleanEnv, root } from './pi1';
import { NOT_LISTENING, footerText, rowText } from '../../companion/accounts-command';
import { fromPiSchema, toPiSchema } from '../../src/core/pi-link/protocol';

const COMPANION = join(root, 'dist/companion/pi-accounts-companion.js');
const emulatorModule = join(root, 'test/host/llm-emulator.mjs');
type Emulator = { base: string; seen: { key: string }[]; close(): Promise<void> };

interface UiRecord {
  type: 'extension_ui_request';
  id: string;
  method: string;
  title?: string;
  options?: string[];
  message?: string;
  notifyType?: string;
  statusKey?: string;
  statusText?: string;
}

/** pi in RPC mode with the extension UI sub-protocol: every UI record kept, dialogs answered by the test. */
function rpcPi(cli: string, agentDir: string, channel: string, args: string[]) {
  const child = spawn(process.execPath, [cli, '--mode', 'rpc', '--no-session', ...args], {
    env: { ...cleanEnv(), PI_OFFLINE: '1', PI_CODING_AGENT_DIR: agentDir, PI_ACCOUNTS_CHANNEL_DIR: channel },
  });
  const ui: UiRecord[] = [];
  const responses = new Map<string, { success: boolean; data?: unknown; error?: string }>();
  let settledCount = 0;
  let buf = '';
  let err = '';
  let n = 0;
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const r = JSON.parse(line) as { type: string; id?: string; success: boolean };
      if (r.type === 'response' && r.id) responses.set(r.id, r);
      if (r.type === 'extension_ui_request') ui.push(r as unknown as UiRecord);
      // pi 1.x says agent_settled once nothing follows; pi 0.73.1 has only agent_end.
      if (r.type === (cli === PI0_CLI ? 'agent_end' : 'agent_settled')) settledCount++;
    }
  });
  const send = (cmd: Record<string, unknown>) => child.stdin.write(`${JSON.stringify(cmd)}\n`);
  const call = (cmd: Record<string, unknown>) => {
    const id = `c${++n}`;
    send({ ...cmd, id });
    return id;
  };
  const alive = () => assert.equal(child.exitCode, null, `pi exited: ${err}`);
  return {
    ui,
    err: () => err,
    /** A slash command or a prompt; resolves with pi's response to it. */
    async command(message: string) {
      const id = call({ type: 'prompt', message });
      await until(() => (alive(), responses.has(id)), 60_000);
      return responses.get(id)!;
    },
    async prompt(message: string) {
      const before = settledCount;
      const r = await this.command(message);
      assert.ok(r.success, r.error);
      await until(() => settledCount > before, 30_000);
    },
    /** The first UI record after `from` that matches. */
    async waitUi(match: (r: UiRecord) => boolean, from = 0): Promise<UiRecord> {
      await until(() => (alive(), ui.slice(from).some(match)), 60_000);
      return ui.slice(from).find(match)!;
    },
    answer: (id: string, value: string) => send({ type: 'extension_ui_response', id, value }),
    statuses: () =>
      ui.filter((r) => r.method === 'setStatus' && r.statusKey === 'pi-accounts').map((r) => r.statusText),
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.stdin.end();
      }),
  };
}

/** A Pi Accounts window: Anthropic accounts A (in use) and B (Claude usage 5h 42 %), auth.json mirrored, `/accounts` served. */
async function piAccountsWindow(channel: string, authPath: string) {
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  await vault.add('anthropic', 'A', { type: 'api_key', key: KEY_A });
  await vault.add('anthropic', 'B', { type: 'api_key', key: KEY_B });
  const lines: string[] = [];
  const log = {
    trace: () => undefined,
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(`WARN ${m}`),
    error: (m: string) => lines.push(`ERROR ${m}`),
  };
  const rotation = new Rotation({
    vault,
    settings: { mode: () => 'round-robin', threshold: () => 80 },
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
  await mirror.sync();
  const quota = (_p: string, a: string): UsageEntry | undefined =>
    a === 'B'
      ? {
          snapshot: {
            fetchedAt: Date.now(),
            windows: [
              { label: '7d', usedPercent: 10 },
              { label: '5h', usedPercent: 42 },
            ],
          },
        }
      : undefined;
  const feedback = new PiFeedback({
    vault,
    rotation,
    mode: () => 'round-robin',
    feedback: feedbackInto({ vault, rotation, usageSeen: () => undefined }),
    refresh: async () => undefined,
    tellRateLimited: () => undefined,
    log,
  });
  const server = new PiLinkServer(channel, feedback, log, () => mirror.sync());
  server.serveAccounts(new AccountsDesk({ vault, rotation, quota }));
  await server.listen();
  return { vault, rotation, server, mirror, lines, dispose: () => (server.dispose(), rotation.dispose()) };
}

function agentDir(dir: string, models: unknown): string {
  mkdirSync(join(dir, 'extensions'), { recursive: true });
  writeFileSync(join(dir, 'models.json'), JSON.stringify(models));
  copyFileSync(COMPANION, join(dir, 'extensions/pi-accounts-companion.js'));
  return dir;
}

const ANTHROPIC = ['--model', 'anthropic/claude-sonnet-4-5'];
const keyIn = (authPath: string) =>
  (JSON.parse(readFileSync(authPath, 'utf8')) as { anthropic?: { key?: string } }).anthropic?.key;

describe("pi's /accounts (companion inside the real pi)", function () {
  this.timeout(120_000);
  let t: ReturnType<typeof tempDir>;
  let em: Emulator;
  let models: unknown;
  beforeEach(async () => {
    t = tempDir();
    const m = (await import(emulatorModule)) as {
      startLlmEmulator(a: () => { text: string }): Promise<Emulator>;
      modelsJson(base: string): Promise<unknown>;
    };
    em = await m.startLlmEmulator(() => ({ text: 'Answered.' }));
    models = await m.modelsJson(em.base);
  });
  afterEach(async () => {
    await em.close();
    t.cleanup();
  });
  const letters = () => em.seen.map((s) => (s.key === KEY_A ? 'A' : s.key === KEY_B ? 'B' : '?'));

  it("A1 lists the accounts with in use, usage, health and rest; choosing B switches the window, auth.json and the footer, and pi's next request carries B", async () => {
    const channel = join(t.dir, 'channel');
    const dir = agentDir(join(t.dir, 'agent'), models);
    const authPath = join(dir, 'auth.json');
    const w = await piAccountsWindow(channel, authPath);
    const pi = rpcPi(PI1_CLI, dir, channel, ANTHROPIC);
    try {
      await pi.prompt('First');
      assert.deepEqual(letters(), ['A']);
      // The footer, once pi is connected: A is the first of two, no usage figures for A.
      await pi.waitUi((r) => r.method === 'setStatus' && r.statusText === '🔑 A 1/2');
      const started = Date.now();
      const from = pi.ui.length;
      const pending = pi.command('/accounts');
      const select = await pi.waitUi((r) => r.method === 'select', from);
      assert.match(select.title ?? '', /Anthropic accounts/);
      assert.equal(select.options?.length, 2);
      assert.match(select.options?.[0] ?? '', /^● A · in use · health \d+ %$/);
      assert.match(select.options?.[1] ?? '', /^○ B · 5h 42% · 7d 10%$/);
      pi.answer(select.id, select.options?.[1] ?? '');
      const note = await pi.waitUi((r) => r.method === 'notify', from);
      assert.equal(note.message, 'Anthropic: now using "B" (pi\'s next request carries it).');
      assert.ok((await pending).success);
      await pi.waitUi((r) => r.method === 'setStatus' && r.statusText === '🔑 B 2/2 · 5h 42%', from);
      const ms = Date.now() - started;
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      assert.equal(keyIn(authPath), KEY_B, 'auth.json holds B before pi hears "done"');
      await pi.prompt('Second');
      assert.deepEqual(letters(), ['A', 'B']);
      assert.ok(w.lines.some((l) => /\/accounts: anthropic → B: Anthropic: now using "B"/.test(l)));
      // A switch made in the window (palette, view, rotation) reaches the footer too.
      const before = pi.ui.length;
      await w.rotation.use('anthropic', 'A');
      await w.mirror.sync();
      w.server.reload();
      await pi.waitUi((r) => r.method === 'setStatus' && r.statusText?.startsWith('🔑 A 1/2') === true, before);
      await pi.prompt('Third');
      assert.deepEqual(letters(), ['A', 'B', 'A']);
      // The view's line names the pi connected, and no warning for pi 1.6.
      assert.equal(
        piStatusLine(w.server.status(), true, () => 'now'),
        'pi connected (1 process, pi 1.6.0) · last report now',
      );
      console.log(
        `      /accounts in pi ${w.server.status().piVersions.join(', ')}: list → choose B → window, auth.json and footer on B in ${ms} ms; requests carried ${letters().join(', ')}; footers seen: ${[...new Set(pi.statuses())].join(' | ')}`,
      );
    } finally {
      await pi.close();
      w.dispose();
    }
  });

  it('A2 `/accounts B` switches without the picker; an unknown name and a resting account are said in words', async () => {
    const channel = join(t.dir, 'channel');
    const dir = agentDir(join(t.dir, 'agent'), models);
    const authPath = join(dir, 'auth.json');
    const w = await piAccountsWindow(channel, authPath);
    w.rotation.cooldown('anthropic', 'B', Date.now() + 600_000, 'rate-limited by a test');
    const pi = rpcPi(PI1_CLI, dir, channel, ANTHROPIC);
    try {
      await pi.waitUi((r) => r.method === 'setStatus' && r.statusText === '🔑 A 1/2');
      let from = pi.ui.length;
      const listed = pi.command('/accounts');
      const select = await pi.waitUi((r) => r.method === 'select', from);
      assert.match(
        select.options![1],
        /^○ B · 5h 42% · 7d 10% · health \d+ % · rests until \d\d:\d\d.* \(rate-limited by a test\)$/,
      );
      pi.answer(select.id, select.options![0]);
      assert.equal((await pi.waitUi((r) => r.method === 'notify', from)).message, 'Anthropic: "A" is already in use.');
      await listed;
      from = pi.ui.length;
      await pi.command('/accounts nobody');
      assert.match(
        (await pi.waitUi((r) => r.method === 'notify', from)).message ?? '',
        /^Pi Accounts has no Anthropic account named "nobody"\. Type \/accounts/,
      );
      from = pi.ui.length;
      await pi.command('/accounts B');
      await pi.waitUi((r) => r.method === 'notify' && /now using "B"/.test(r.message ?? ''), from);
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B', 'chosen by hand: the rest the window imposed gives way');
      await pi.prompt('Hi');
      assert.deepEqual(letters(), ['B']);
    } finally {
      await pi.close();
      w.dispose();
    }
  });

  it('A3 with VS Code closed (no window listening) `/accounts` says so in words and pi carries on with auth.json', async () => {
    const dir = agentDir(join(t.dir, 'agent'), models);
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ anthropic: { type: 'api_key', key: KEY_A } }), {
      mode: 0o600,
    });
    const pi = rpcPi(PI1_CLI, dir, join(t.dir, 'no-channel'), ANTHROPIC);
    try {
      const started = Date.now();
      const r = await pi.command('/accounts');
      const note = await pi.waitUi((x) => x.method === 'notify');
      const ms = Date.now() - started;
      assert.ok(r.success, r.error);
      assert.equal(note.message, NOT_LISTENING);
      assert.equal(note.notifyType, 'warning');
      assert.ok(!pi.ui.some((x) => x.method === 'select'));
      await pi.prompt('Hi');
      assert.deepEqual(letters(), ['A']);
      assert.equal(pi.err(), '');
      console.log(`      no window: "/accounts" answered in ${ms} ms with a warning; pi's next request carried A`);
    } finally {
      await pi.close();
    }
  });

  it('A4 pi 0.73.1 loads the same companion: `/accounts B` switches there too', async () => {
    const channel = join(t.dir, 'channel');
    const dir = agentDir(join(t.dir, 'agent'), models);
    const w = await piAccountsWindow(channel, join(dir, 'auth.json'));
    const pi = rpcPi(PI0_CLI, dir, channel, ANTHROPIC);
    try {
      const r = await pi.command('/accounts B');
      assert.ok(r.success, r.error);
      await pi.waitUi((x) => x.method === 'notify' && /now using "B"/.test(x.message ?? ''));
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      await pi.prompt('Hi');
      assert.deepEqual(letters(), ['B']);
      // Its hello says 0.73.1: the view's line and the log tell the person to update pi.
      const line = piStatusLine(w.server.status(), true, () => 'now');
      assert.equal(
        line,
        'pi connected (1 process, pi 0.73.1) · pi 0.73.1 is older than 1.0.3: update pi · last report now',
      );
      assert.ok(
        w.lines.some((l) => /^WARN pi \d+ is pi 0\.73\.1, older than 1\.0\.3: .*Update pi/.test(l)),
        w.lines.join('\n'),
      );
      console.log(`      pi 0.73.1 in the view: "${line}"`);
    } finally {
      await pi.close();
      w.dispose();
    }
  });
});

describe('/accounts words', () => {
  it('a row and the footer say in use, usage, health and rest', () => {
    const row = { name: 'work', inUse: true, usage: [{ label: '5h', usedPercent: 42.4 }], health: 96 };
    assert.equal(rowText(row), '● work · in use · 5h 42% · health 96 %');
    assert.equal(
      rowText({ name: 'x', inUse: false, usage: [], disabled: true, hold: 'No balance left' }),
      '○ x · disabled: No balance left',
    );
    const list = (inUse: number) => ({
      v: 2 as const,
      type: 'accounts' as const,
      seq: 1,
      provider: 'anthropic',
      label: 'Anthropic',
      accounts: ['home', 'work', 'spare'].map((name, i) => ({ ...row, name, inUse: i === inUse })),
    });
    assert.equal(footerText(list(1)), '🔑 work 2/3 · 5h 42%');
    assert.equal(footerText(list(-1)), undefined);
  });

  it('the channel checks both directions with zod: a row never carries a key, a malformed answer or ask is dropped', () => {
    const answer = {
      v: 2,
      type: 'accounts',
      seq: 3,
      provider: 'anthropic',
      label: 'Anthropic',
      accounts: [{ name: 'A', inUse: true, usage: [], key: KEY_A }],
    };
    const parsed = toPiSchema.safeParse(answer);
    assert.ok(parsed.success);
    assert.ok(!JSON.stringify(parsed.data).includes(KEY_A), 'unknown fields are stripped');
    assert.ok(!toPiSchema.safeParse({ ...answer, v: 1 }).success, '/accounts answers are version 2');
    assert.ok(!toPiSchema.safeParse({ ...answer, accounts: [{ name: '', inUse: true, usage: [] }] }).success);
    assert.ok(!toPiSchema.safeParse({ v: 2, type: 'used', seq: 1, ok: true, message: 'x'.repeat(501) }).success);
    assert.ok(fromPiSchema.safeParse({ v: 2, type: 'use', pid: 1, seq: 2, provider: 'groq', account: 'B' }).success);
    assert.ok(!fromPiSchema.safeParse({ v: 2, type: 'use', pid: 1, seq: 2, provider: 'groq' }).success);
    // Reports stay version 1: a companion and a window of different releases still agree on them.
    assert.ok(
      fromPiSchema.safeParse({ v: 1, type: 'report', pid: 1, seq: 1, provider: 'x', status: 200, headers: {} }).success,
    );
  });
});
