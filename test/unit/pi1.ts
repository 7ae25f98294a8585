// The real pi 1.x (@earendil-works/pi-coding-agent 1.6.0, the interop reference) as the tests
// use it: its ModelRuntime over an auth.json and models.json (its own resolution of keys, sign-ins,
// `env` values and headers), its file credential store (the one ModelRuntime writes through, so
// `modify` is pi's own write path: its lock, its read-merge-write), and its CLI. pi 1.x is ESM
// and needs Node >= 22.19: the unit tests run on Node 24 (scripts/node24.mjs).
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface PiAuthResult {
  auth: { apiKey?: string; headers?: Record<string, string>; baseUrl?: string };
  env?: Record<string, string>;
  source?: string;
}
export interface PiModel {
  id: string;
  provider: string;
  baseUrl: string;
  headers?: Record<string, string>;
}
export interface PiCredentialStore {
  read(provider: string): Promise<unknown>;
  modify(provider: string, fn: (cur: unknown) => unknown): Promise<unknown>;
  delete(provider: string): Promise<void>;
}
export interface PiRuntime {
  getAuth(providerOrModel: string | PiModel): Promise<PiAuthResult | undefined>;
  getModels(provider?: string): readonly PiModel[];
  getModel(provider: string, id: string): PiModel | undefined;
  getProvider(id: string): { id: string; baseUrl?: string } | undefined;
  getProviders(): readonly { id: string }[];
  getError(): string | undefined;
  settleCredentialWrites(): Promise<void>;
}
interface PiModule {
  VERSION: string;
  ModelRuntime: {
    create(o: {
      authPath: string;
      modelsPath: string | null;
      refreshOnCreate?: boolean;
      allowModelNetwork?: boolean;
    }): Promise<PiRuntime>;
  };
  readStoredCredential(provider: string, authPath: string): unknown;
}

export const pi1 = async () => (await import('@earendil-works/pi-coding-agent')) as unknown as PiModule;

export const root = join(__dirname, '../../..');
export const PI1_CLI = join(root, 'node_modules/@earendil-works/pi-coding-agent/dist/bundle/cli.js');
export const PI0_CLI = join(root, 'node_modules/@mariozechner/pi-coding-agent/dist/cli.js');

/** pi 1.x's resolution over these files (offline: no catalog refresh). */
export async function piRuntime(authPath: string, modelsPath: string | null = null): Promise<PiRuntime> {
  process.env.PI_OFFLINE = '1';
  return (await pi1()).ModelRuntime.create({ authPath, modelsPath, refreshOnCreate: false });
}

/** pi 1.x's own credential store on `authPath` (what ModelRuntime reads and writes through). */
export async function piStore(authPath: string): Promise<PiCredentialStore> {
  const runtime = await piRuntime(authPath);
  return (runtime as unknown as { credentials: PiCredentialStore }).credentials;
}

/** `pi auth check --provider <id> --json --no-refresh --credentials`, pi's CLI, offline. */
export async function piAuthCheck(
  agentDir: string,
  provider: string,
): Promise<{ status: string; authType?: string; credentials?: string; reason?: string }> {
  const r = await promisify(execFile)(
    process.execPath,
    [PI1_CLI, 'auth', 'check', '--provider', provider, '--json', '--no-refresh', '--credentials'],
    { env: { ...cleanEnv(), PI_CODING_AGENT_DIR: agentDir, PI_OFFLINE: '1' } },
  ).catch((e: unknown) => ({ stdout: (e as { stdout?: string }).stdout ?? '' }));
  return JSON.parse(r.stdout) as { status: string };
}

/** The environment without any provider variable of the machine running the tests. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/_API_KEY$|_TOKEN$|^AWS_|^AZURE_|^CLOUDFLARE_|^GOOGLE_|^GCLOUD_|^PI_/.test(k)) delete env[k];
  return env;
}

/**
 * One pi 1.x process in RPC mode (`pi --mode rpc --no-session …args`) with the companion's channel
 * at `channel`: commands by id, `prompt` resolves once pi settled; a pi that exits answers every
 * command still waiting with its exit and stderr.
 */
export function rpcPi(agentDir: string, channel: string, args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [PI1_CLI, '--mode', 'rpc', '--no-session', ...args],
    { env: { ...cleanEnv(), PI_OFFLINE: '1', PI_CODING_AGENT_DIR: agentDir, PI_ACCOUNTS_CHANNEL_DIR: channel } },
  );
  type Answer = { success: boolean; data?: unknown; error?: string };
  const waiting = new Map<string, (r: Answer) => void>();
  let settled: (() => void) | undefined;
  let buf = '';
  let err = '';
  let n = 0;
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const r = JSON.parse(buf.slice(0, nl)) as Answer & { type: string; id?: string };
      buf = buf.slice(nl + 1);
      if (r.type === 'response' && r.id) waiting.get(r.id)?.(r);
      if (r.type === 'agent_settled') settled?.();
    }
  });
  child.once('exit', (code) => {
    for (const resolve of waiting.values()) resolve({ success: false, error: `pi exited (${code}): ${err}` });
  });
  const call = (cmd: Record<string, unknown>) =>
    new Promise<Answer>((resolve) => {
      const id = `c${++n}`;
      waiting.set(id, (r) => (waiting.delete(id), resolve(r)));
      child.stdin.write(`${JSON.stringify({ ...cmd, id })}\n`);
    });
  return {
    call,
    async prompt(message: string) {
      const done = new Promise<void>((r) => (settled = r));
      const r = await call({ type: 'prompt', message });
      assert.ok(r.success, r.error);
      await done;
    },
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.stdin.end();
      }),
  };
}
