// `npm run bench` (keys): a cached key through the extension's real wiring (Vault, Rotation with
// its settings, KeyResolver), against pi 1.6's ModelRuntime.getAuth (its request-time key
// lookup: @earendil-works/pi-coding-agent 1.6.0) and pi 0.73.1's AuthStorage.getApiKey in the
// same process, in interleaved rounds. Goal: no slower than pi 1.6.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelRuntime } from '@earendil-works/pi-coding-agent';
import { AuthStorage } from '@mariozechner/pi-coding-agent';
import { check, median } from './ratio.mjs';

const require = createRequire(import.meta.url);
const out = resolve(import.meta.dirname, '../out');
const { Vault } = require(join(out, 'src/core/vault.js'));
const { Rotation } = require(join(out, 'src/core/rotation/rotation.js'));
const { CachedRotationSettings } = require(join(out, 'src/core/rotation/settings.js'));
const { KeyResolver } = require(join(out, 'src/core/resolver.js'));
const { lockedRun } = require(join(out, 'src/core/mirror/locked-run.js'));
const { oauthProvider } = require(join(out, 'src/core/providers/registry.js'));
const { MemorySecretStore } = require(join(out, 'test/unit/helpers.js'));
const { quiet } = require(join(out, 'test/unit/window.js'));

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CALLS = 20_000;
const apiKey = { type: 'api_key', key: 'sk-proj-bench-0123456789abcdef0123456789abcdef' };
const signIn = {
  type: 'oauth',
  refresh: 'rt-bench',
  access: 'sk-ant-oat01-bench-access',
  expires: Date.now() + 8 * 3_600_000,
};

const dir = mkdtempSync(join(tmpdir(), 'pi-accounts-bench-keys-'));
try {
  const pi0 = AuthStorage.create(join(dir, 'auth.json'));
  pi0.set('openai', apiKey);
  pi0.set('anthropic', signIn);
  process.env.PI_OFFLINE = '1';
  const pi = await ModelRuntime.create({ authPath: join(dir, 'auth.json'), modelsPath: null, refreshOnCreate: false });
  const piKey = async (provider) => (await pi.getAuth(provider))?.auth.apiKey;

  // Wired as extension.ts wires it: rotation (round-robin for one provider) steers the resolver.
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  const settings = new CachedRotationSettings(() => ({
    mode: 'manual',
    modes: { anthropic: 'round-robin' },
    threshold: 80,
  }));
  const rotation = new Rotation({ vault, settings, usage: () => undefined, store, log: quiet });
  await rotation.load();
  for (const n of ['work', 'home']) await vault.add('openai', n, { ...apiKey, key: `${apiKey.key}-${n}` });
  for (const n of ['max', 'pro']) await vault.add('anthropic', n, { ...signIn, access: `${signIn.access}-${n}` });
  rotation.evaluate();
  const oauth = (id) => oauthProvider(id);
  const resolver = new KeyResolver({
    vault,
    oauth,
    log: quiet,
    inUse: rotation,
    locked: lockedRun({ inUse: rotation, mirror: () => undefined, privateLock: join(dir, 'refresh') }),
  });

  const time = async (fn) => {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await fn();
    return ((performance.now() - t0) * 1000) / CALLS; // µs per call
  };
  for (const [label, provider] of [
    ['cached key, API-key account', 'openai'],
    ['cached key, unexpired sign-in', 'anthropic'],
  ]) {
    if (!(await resolver.key(provider)) || !(await piKey(provider)) || !(await pi0.getApiKey(provider)))
      throw new Error(`no ${provider} key`);
    const ours = [];
    const theirs = [];
    const old = [];
    for (let r = 0; r < ROUNDS; r++) {
      ours.push(await time(() => resolver.key(provider)));
      theirs.push(await time(() => piKey(provider)));
      old.push(await time(() => pi0.getApiKey(provider)));
    }
    console.log(
      `${label}, ${ROUNDS} interleaved rounds of ${CALLS.toLocaleString('en-US')} calls: extension median ${median(ours).toFixed(3)} µs, pi 1.6 getAuth ${median(theirs).toFixed(3)} µs, pi 0.73.1 getApiKey ${median(old).toFixed(3)} µs`,
    );
    check(`${label}: extension ÷ pi 1.6`, median(ours) / median(theirs), '≤', 1);
  }
  rotation.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
