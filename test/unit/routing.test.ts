// The accounts object and the routing of its one change event to the outlets, without a browser:
// what reaches each outlet, how often, and what reaches pi's files.
import assert from 'node:assert/strict';
import { Accounts, type AccountsChange } from '../../src/core/accounts';
import { Emitter, reportListenerErrors } from '../../src/core/events';
import type { Logger } from '../../src/core/log';
import type { Outlet } from '../../src/core/outlet';
import type { InUseChange } from '../../src/core/rotation/rotation';
import { route, type Routes } from '../../src/core/routing';
import { VAULT_KEY } from '../../src/core/vault';
import { KEY_A, KEY_B, MemorySecretStore, until } from './helpers';

const apiKey = (key: string) => ({ type: 'api_key' as const, key });
const turn = () => new Promise<void>((r) => setImmediate(r));

function recorder() {
  const lines: string[] = [];
  const log: Logger = {
    trace: () => undefined,
    info: () => undefined,
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  };
  return { log, lines };
}

function counting() {
  const counts = { outlet: 0, piFiles: 0, usageShown: 0, refreshUsage: 0 };
  const inUse: InUseChange[] = [];
  const exhausted: InUseChange[] = [];
  const outlet = (k: keyof typeof counts): Outlet => ({ sync: () => void counts[k]++ });
  const routes: Routes = {
    outlets: [outlet('outlet')],
    piFiles: outlet('piFiles'),
    usageShown: [outlet('usageShown')],
    refreshUsage: () => void counts.refreshUsage++,
    inUseChanged: (c) => inUse.push(c),
    allExhausted: (c) => exhausted.push(c),
  };
  return { counts, inUse, exhausted, routes };
}

function accountsOn(store: MemorySecretStore, log: Logger, mode: 'manual' | 'round-robin' = 'manual') {
  return new Accounts({
    store,
    log,
    settings: { mode: () => mode, threshold: () => 90 },
    oauth: () => undefined,
    usage: { client: () => undefined, quietMs: 60_000 },
    refreshLock: () => async (_p, _a, step) => (await step(() => undefined)).result,
  });
}

describe('accounts and routing (src/core/accounts.ts, src/core/routing.ts)', () => {
  it('the first load reaches every outlet once and asks for usage, but leaves pi’s files to the root', async () => {
    const store = new MemorySecretStore();
    const seed = accountsOn(store, recorder().log);
    await seed.load();
    await seed.vault.add('anthropic', 'work', apiKey(KEY_A));
    const accounts = accountsOn(store.sibling(), recorder().log);
    const { counts, routes } = counting();
    route(accounts, routes);
    await accounts.load();
    await turn();
    assert.deepEqual(counts, { outlet: 1, piFiles: 0, usageShown: 0, refreshUsage: 1 });
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'work');
  });

  it('a sign-in reaches each outlet and pi’s files once; so does a change of the account in use', async () => {
    const accounts = accountsOn(new MemorySecretStore(), recorder().log, 'round-robin');
    await accounts.load();
    const { counts, inUse, routes } = counting();
    route(accounts, routes);
    await accounts.vault.add('anthropic', 'work', apiKey(KEY_A));
    await turn();
    assert.deepEqual(counts, { outlet: 1, piFiles: 1, usageShown: 0, refreshUsage: 1 });
    await accounts.vault.add('anthropic', 'home', apiKey(KEY_B)); // 'work' stays in use
    await turn();
    assert.deepEqual(counts, { outlet: 2, piFiles: 2, usageShown: 0, refreshUsage: 2 });
    assert.equal(inUse.length, 0);
    // Use This Account (round-robin: rotation's own choice, saved beside the vault).
    await accounts.rotation.use('anthropic', 'home');
    await turn();
    assert.deepEqual(
      inUse.map((c) => [c.provider, c.from, c.to]),
      [['anthropic', 'work', 'home']],
    );
    assert.equal(counts.outlet, 3);
    assert.equal(counts.piFiles, 3);
  });

  it('sticky sessions: pi hears rotation’s own switch as soft, a switch by hand or a new default as hard', async () => {
    const accounts = accountsOn(new MemorySecretStore(), recorder().log, 'round-robin');
    await accounts.load();
    await accounts.vault.add('anthropic', 'work', apiKey(KEY_A));
    await accounts.vault.add('anthropic', 'home', apiKey(KEY_B));
    const soft: boolean[] = [];
    const { routes } = counting();
    route(accounts, { ...routes, piFiles: { sync: (s) => void soft.push(s) } });
    accounts.rotation.cooldown('anthropic', 'work', Date.now() + 60_000, 'rate-limited'); // rotation moves on
    await until(() => soft.length === 1);
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home');
    await accounts.rotation.use('anthropic', 'work'); // by hand
    await until(() => soft.length === 2);
    await accounts.vault.setInUse('anthropic', 'home'); // a new default
    await until(() => soft.length === 3);
    assert.deepEqual(soft, [true, false, false]);
  });

  it('new usage figures redraw where usage shows and do not touch pi’s files', async () => {
    const accounts = accountsOn(new MemorySecretStore(), recorder().log);
    await accounts.load();
    await accounts.vault.add('anthropic', 'work', apiKey(KEY_A));
    const { counts, routes } = counting();
    route(accounts, routes);
    const snapshot = { plan: 'max', windows: [{ label: '5h', usedPercent: 42 }], fetchedAt: Date.now() };
    accounts.usage.observe('anthropic', 'work', snapshot, 60_000);
    accounts.usage.observe('anthropic', 'work', { ...snapshot, windows: [{ label: '5h', usedPercent: 43 }] }, 60_000);
    await turn();
    assert.deepEqual(counts, { outlet: 0, piFiles: 0, usageShown: 1, refreshUsage: 0 });
  });

  it('tells "every account reached its limit" when rotation says so', async () => {
    const { exhausted, routes } = counting();
    const changes = new Emitter<AccountsChange>();
    route({ onDidChange: changes.event }, routes);
    const change = { provider: 'anthropic', from: 'a', to: 'b', reason: 'usage', allExhausted: true };
    changes.fire({ kind: 'in-use', change });
    changes.fire({ kind: 'in-use', change: { ...change, allExhausted: false } });
    assert.deepEqual(exhausted, [change]);
  });

  it('a listener that throws is reported with the event it came from, and the others still run', () => {
    const seen: string[] = [];
    const sub = reportListenerErrors((what, e) => seen.push(`${what}: ${(e as Error).message}`));
    try {
      const emitter = new Emitter<number>('the test event');
      let after = 0;
      emitter.event(() => {
        throw new Error('broken');
      });
      emitter.event(() => void after++);
      emitter.fire(1);
      assert.deepEqual(seen, ['the test event: broken']);
      assert.equal(after, 1);
    } finally {
      sub.dispose();
    }
  });

  it('another window’s unreadable write is logged, not dropped', async () => {
    const store = new MemorySecretStore();
    const { log, lines } = recorder();
    const accounts = accountsOn(store, log);
    await accounts.load();
    accounts.watch();
    const failing = store.sibling();
    failing.get = async () => {
      throw new Error('secret storage is locked');
    };
    // The vault reads through its own store: make that one fail for the reload.
    store.get = failing.get;
    await store.store(VAULT_KEY, '{}');
    await until(() => lines.some((l) => l.includes('Could not re-read the accounts')));
    assert.match(lines.join('\n'), /Could not re-read the accounts another window saved: secret storage is locked/);
  });
});
