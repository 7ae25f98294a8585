// Sticky sessions with the real pi (@earendil-works/pi-coding-agent 1.6.0, RPC mode): two pi
// sessions on one auth.json, Pi Accounts' window composed from the real core classes, and a
// loopback Anthropic emulator that records the key of every request. A soft switch (rotation's
// own) leaves each session on the key it last used with success; a switch by hand moves both; a
// 429 on a pinned key moves that session, and the other one pinned to it before its next request.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/core/log';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { feedbackInto } from '../../src/core/outlet';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { fingerprint, type PiRequest } from '../../src/core/pi-link/protocol';
import { PiLinkServer } from '../../src/core/pi-link/server';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { KEY_A, KEY_B, MemorySecretStore, tempDir, until } from './helpers';
import { PI1_CLI, cleanEnv, rpcPi } from './pi1';

const ANTHROPIC_MODEL = ['--model', 'anthropic/claude-sonnet-4-5'];

const root = join(__dirname, '../../..');
const COMPANION = join(root, 'dist/companion/pi-accounts-companion.js');

type Emulator = { base: string; seen: { key: string }[]; close(): Promise<void> };
type Answer = (key: string) => { status?: number; headers?: Record<string, string>; text?: string } | undefined;
const emulator = async (answer: Answer): Promise<Emulator> =>
  (await import(join(root, 'test/host/llm-emulator.mjs'))).startLlmEmulator(answer);
const modelsJson = async (base: string): Promise<unknown> =>
  (await import(join(root, 'test/host/llm-emulator.mjs'))).modelsJson(base);

/** Pi Accounts' window over an in-memory store, an emulator, and a pi agent directory with the companion. */
async function setup(dir0: string, answer: Answer) {
  const em = await emulator(answer);
  const channel = join(dir0, 'channel');
  const dir = join(dir0, 'agent');
  mkdirSync(join(dir, 'extensions'), { recursive: true });
  writeFileSync(join(dir, 'models.json'), JSON.stringify(await modelsJson(em.base)));
  writeFileSync(
    join(dir, 'settings.json'),
    JSON.stringify({ retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 } }),
  );
  copyFileSync(COMPANION, join(dir, 'extensions/pi-accounts-companion.js'));
  const authPath = join(dir, 'auth.json');

  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  await vault.add('anthropic', 'A', { type: 'api_key', key: KEY_A });
  await vault.add('anthropic', 'B', { type: 'api_key', key: KEY_B });
  const lines: string[] = [];
  const log: Logger = {
    trace: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
  const settings = { mode: () => 'round-robin' as const, threshold: () => 80, maxInFlightPerAccount: () => 1 };
  const rotation = new Rotation({ vault, settings, usage: () => undefined, store, log });
  await rotation.load();
  const mirror = new AuthMirror(
    vault,
    new MirrorStateStore(store),
    () => authPath,
    () => undefined,
    rotation,
  );
  await mirror.sync();
  const feedback = new PiFeedback({
    vault,
    rotation,
    mode: () => 'round-robin',
    feedback: feedbackInto({ vault, rotation, usageSeen: () => undefined }),
    refresh: async () => undefined,
    tellRateLimited: () => undefined,
    log,
  });
  // The start of each request, as the balancer counts it in flight: which pi, which key.
  const starts: { pid: number; key?: string }[] = [];
  const port = {
    report: (r: Parameters<PiFeedback['report']>[0]) => feedback.report(r),
    request: (r: PiRequest) => (r.phase === 'start' && starts.push({ pid: r.pid, key: r.key }), feedback.request(r)),
    gone: (pid: number) => feedback.gone(pid),
    usable: () => feedback.usable(),
  };
  const server = new PiLinkServer(channel, port, log, () => mirror.sync());
  await server.listen();
  // A switch as Pi Accounts makes it: auth.json written, then every pi told (soft: rotation's own).
  const switchTo = async (account: string, soft: boolean) => {
    await rotation.use('anthropic', account);
    await mirror.sync();
    server.reload(soft ? feedback.usable() : undefined);
  };
  return { em, channel, dir, rotation, feedback, server, lines, starts, switchTo };
}

describe('sticky sessions: the companion inside two real pi sessions', function () {
  this.timeout(120_000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('S1 round-robin: a soft switch keeps each session on its key, a switch by hand moves both, a 429 on the pinned key moves that session and the other pinned to it', async () => {
    let refuseB = false;
    const { em, channel, dir, rotation, server, lines, starts, switchTo } = await setup(t.dir, (key) =>
      refuseB && key === KEY_B ? { status: 429, headers: { 'retry-after': '30' } } : { text: 'Answered.' },
    );
    const p1 = rpcPi(dir, channel, ANTHROPIC_MODEL);
    const p2 = rpcPi(dir, channel, ANTHROPIC_MODEL);
    /** The keys one prompt of `pi` sent, as letters. */
    const ask = async (pi: ReturnType<typeof rpcPi>) => {
      const from = em.seen.length;
      // A round trip to pi after the reload was written: the companion has read it by then.
      await pi.call({ type: 'get_state' });
      await pi.prompt('Hi');
      return em.seen
        .slice(from)
        .map((s) => (s.key === KEY_A ? 'A' : s.key === KEY_B ? 'B' : '?'))
        .join('');
    };
    try {
      const seen: Record<string, string[]> = { p1: [], p2: [] };
      seen.p1.push(await ask(p1)); // A (auth.json holds A)
      await until(() => server.status().pids.length === 2, 10_000);
      await switchTo('B', true);
      seen.p2.push(await ask(p2)); // B: not pinned yet, auth.json holds B
      seen.p1.push(await ask(p1)); // A: pinned, the switch was soft
      await switchTo('A', true);
      seen.p2.push(await ask(p2)); // B: pinned
      seen.p1.push(await ask(p1)); // A
      const soft = { ...seen };
      console.log(
        `      soft switches (B, then A): session 1 sent ${seen.p1.join(' ')}, session 2 sent ${seen.p2.join(' ')}`,
      );
      assert.deepEqual(soft, { p1: ['A', 'A', 'A'], p2: ['B', 'B'] });
      // Each request's start names the key it really carried (the balancer's in-flight counts).
      const first = starts.filter((x) => x.pid === starts[0].pid).map((x) => x.key);
      assert.deepEqual(first, [fingerprint(KEY_A), fingerprint(KEY_A), fingerprint(KEY_A)]);

      await switchTo('B', false); // by hand: both follow
      const hard = [await ask(p1), await ask(p2)];
      console.log(`      a switch by hand to B: session 1 sent ${hard[0]}, session 2 sent ${hard[1]}`);
      assert.deepEqual(hard, ['B', 'B']);

      await switchTo('A', true); // soft: both stay on B
      const kept = [await ask(p1), await ask(p2)];
      assert.deepEqual(kept, ['B', 'B']);
      refuseB = true; // B is now rate-limited
      const moved = await ask(p1); // B answers 429, Pi Accounts rests B, pi's retry carries A
      await until(() => rotation.cooldownOf('anthropic', 'B') !== undefined);
      const other = await ask(p2); // told B rests (a soft reload without B): A at once
      console.log(
        `      soft switch to A, both kept B (${kept.join(', ')}); B answers 429: session 1 sent ${moved} (requests until its switch: 1), session 2 then sent ${other} (no failed request of its own)`,
      );
      assert.deepEqual([moved, other], ['BA', 'A']);
      assert.ok(!lines.some((l) => /malformed/.test(l)), lines.join('\n'));
    } finally {
      await Promise.all([p1.close(), p2.close()]);
      server.dispose();
      rotation.dispose();
      await em.close();
    }
  });
  it('S3 no window listens: a pinned session sends what auth.json holds, never its pin', async () => {
    const { em, channel, dir, rotation, server, switchTo } = await setup(t.dir, () => ({ text: 'Answered.' }));
    const p1 = rpcPi(dir, channel, ANTHROPIC_MODEL);
    const letter = (i: number) => (em.seen[i].key === KEY_A ? 'A' : em.seen[i].key === KEY_B ? 'B' : '?');
    try {
      await p1.prompt('Hi'); // A, pinned
      await until(() => server.status().pids.length === 1, 10_000);
      await switchTo('B', true); // soft: the session keeps A while the window listens
      await p1.call({ type: 'get_state' });
      await p1.prompt('Hi');
      const kept = letter(em.seen.length - 1);
      server.dispose(); // the window closes; auth.json still holds B
      await until(() => !readdirSync(channel).some((n) => n.endsWith('.sock')));
      await p1.call({ type: 'get_state' });
      await p1.prompt('Hi');
      const alone = letter(em.seen.length - 1);
      console.log(`      pinned to A, B in use: with the window ${kept}, without it ${alone}`);
      assert.deepEqual([kept, alone], ['A', 'B']);
    } finally {
      await p1.close();
      server.dispose();
      rotation.dispose();
      await em.close();
    }
  });
  it('S2 a subagent (a pi started by a pinned pi session) sends its parent’s key, another pi started beside it the account in use', async () => {
    const { em, channel, dir, rotation, server, switchTo } = await setup(t.dir, () => ({ text: 'Answered.' }));
    const parent = rpcPi(dir, channel, ANTHROPIC_MODEL);
    const letters = (from: number) =>
      em.seen
        .slice(from)
        .map((x) => (x.key === KEY_A ? 'A' : x.key === KEY_B ? 'B' : '?'))
        .join('');
    try {
      await parent.prompt('Hi'); // A, pinned
      await until(() => server.status().pids.length === 1, 10_000);
      await switchTo('B', true); // soft: the parent keeps A
      // The child as pi's subagent example starts it: `pi -p --no-session …` with the parent's
      // environment (here through pi's own bash, which runs commands with it).
      let from = em.seen.length;
      const child = (await parent.call({
        type: 'bash',
        command: `"${process.execPath}" "${PI1_CLI}" -p --no-session --model anthropic/claude-sonnet-4-5 Hi < /dev/null`,
      })) as { success: boolean; data?: { output: string; exitCode: number } };
      assert.equal(child.data?.exitCode, 0, child.data?.output);
      const subagent = letters(from);
      from = em.seen.length;
      const beside = spawn(
        process.execPath,
        [PI1_CLI, '-p', '--no-session', '--model', 'anthropic/claude-sonnet-4-5', 'Hi'],
        {
          stdio: 'ignore',
          env: { ...cleanEnv(), PI_OFFLINE: '1', PI_CODING_AGENT_DIR: dir, PI_ACCOUNTS_CHANNEL_DIR: channel },
        },
      );
      await new Promise((r) => beside.on('close', r));
      const other = letters(from);
      console.log(
        `      parent pinned to A, account in use B (soft switch): its subagent sent ${subagent}, a pi started beside it sent ${other}`,
      );
      assert.deepEqual([subagent, other, rotation.inUse('anthropic')?.name], ['A', 'B', 'B']);
    } finally {
      await parent.close();
      server.dispose();
      rotation.dispose();
      await em.close();
    }
  });
});
