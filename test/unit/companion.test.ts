// The companion inside the real pi (@mariozechner/pi-coding-agent, print mode) against a
// loopback model API, and Pi Accounts' side of the channel composed from the real core classes
// (vault, rotation, auth.json mirror, feedback port, socket server).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/core/log';
import { AuthMirror } from '../../src/core/mirror/mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { PiLinkServer } from '../../src/core/pi-link/server';
import type { UsageSnapshot } from '../../src/core/quota/usage';
import type { RotationMode } from '../../src/core/rotation/policy';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { KEY_A, KEY_B, MemorySecretStore, tempDir } from './helpers';

const root = join(__dirname, '../../..');
const PI = join(root, 'node_modules/@mariozechner/pi-coding-agent/dist/cli.js');
const COMPANION = join(root, 'dist/companion/pi-accounts-companion.js');

type Emulator = { base: string; seen: { api: string; key: string }[]; close(): Promise<void> };
type Answer = (key: string, api: string) => { status?: number; headers?: Record<string, string>; text?: string } | undefined;
const startEmulator = async (answer: Answer): Promise<Emulator> => (await import(join(root, 'test/host/llm-emulator.mjs'))).startLlmEmulator(answer);
const modelsJson = async (base: string): Promise<unknown> => (await import(join(root, 'test/host/llm-emulator.mjs'))).modelsJson(base);

export interface PiRun {
  code: number | null;
  out: string;
  err: string;
}

/** One pi process in print mode: `pi -p --no-session --model … <prompt>`, stdin closed. */
export function runPi(agentDir: string, channel: string, args: string[], extraEnv: Record<string, string> = {}): Promise<PiRun> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PI_CODING_AGENT_DIR: agentDir, PI_ACCOUNTS_CHANNEL_DIR: channel, ...extraEnv };
    for (const v of ['ANTHROPIC_API_KEY', 'ANTHROPIC_OAUTH_TOKEN', 'GROQ_API_KEY']) if (!(v in extraEnv)) delete env[v];
    const child = spawn(process.execPath, [PI, '-p', '--no-session', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
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
  const log: Logger = { trace: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(`WARN ${m}`), error: (m) => lines.push(`ERROR ${m}`) };
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
  const rotation = new Rotation({ vault, settings: { mode: () => o.mode ?? 'round-robin', threshold: () => 80 }, quota: () => undefined, store, log });
  await rotation.load();
  const mirror = new AuthMirror(vault, new MirrorStateStore(store), () => o.authPath, () => undefined, rotation);
  await mirror.sync();
  const usage: { account: string; snapshot: UsageSnapshot }[] = [];
  const told: string[] = [];
  const feedback = new PiFeedback({
    vault,
    rotation,
    mode: () => o.mode ?? 'round-robin',
    observeUsage: (_p, account, snapshot) => usage.push({ account, snapshot }),
    refresh: async () => undefined,
    tellRateLimited: (_p, account) => told.push(account),
    log,
  });
  const server = new PiLinkServer(o.channel, feedback, log, () => mirror.sync());
  await server.listen();
  return { vault, rotation, server, lines, usage, told, dispose: () => (server.dispose(), rotation.dispose()) };
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

  it('C1 a 429 for account A: Pi Accounts rests A and the same pi request is retried with B', async () => {
    em = await startEmulator((key) => (key === KEY_A ? { status: 429, headers: { 'retry-after': '30' } } : { text: 'Answered with B.' }));
    const channel = join(t.dir, 'channel');
    // SDK retries off, so every request pi makes is one its extension hooks see.
    const dir = await agentDir(join(t.dir, 'agent'), em.base, true, { retry: { provider: { maxRetries: 0 }, baseDelayMs: 100 } });
    const w = await piAccountsWindow({ channel, authPath: join(dir, 'auth.json') });
    try {
      assert.equal(JSON.parse(readFileSync(join(dir, 'auth.json'), 'utf8')).anthropic.key, KEY_A);
      const run = await runPi(dir, channel, [...ANTHROPIC, ...(process.env.C_DEBUG ? ['--mode', 'json'] : []), 'Say hi']);
      assert.equal(run.err, '', JSON.stringify({ run, seen: em.seen.map((x) => x.key.slice(-4)), lines: w.lines }));
      assert.equal(run.code, 0);
      assert.equal(run.out.trim(), 'Answered with B.', JSON.stringify({ run, seen: em.seen.map((x) => x.key.slice(-4)), lines: w.lines }));
      const keys = em.seen.map((s) => (s.key === KEY_A ? 'A' : s.key === KEY_B ? 'B' : '?'));
      assert.deepEqual(keys, ['A', 'B']); // requests until the switch: 1
      assert.equal(w.rotation.active('anthropic')?.name, 'B');
      assert.ok(w.rotation.cooldownOf('anthropic', 'A'));
      assert.ok(w.lines.some((l) => /^pi \d+ request #\d+ to anthropic\/claude-sonnet-4-5 with A: 429 .*A rests until .*active A → B; pi re-reads auth.json\.$/.test(l)), w.lines.join('\n'));
    } finally {
      w.dispose();
    }
  });
});
