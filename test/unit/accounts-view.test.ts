// src/vscode/accounts-view.ts with a small fake of vscode: what each row says (description,
// context value for the menus, tooltip) for the states an account can be in.
import { reset } from './vscode-fake';
import assert from 'node:assert/strict';
import { Accounts } from '../../src/core/accounts';
import { AccountNode, AccountsView, ProviderNode, SyncedNode } from '../../src/vscode/accounts-view';
import { KEY_A, KEY_B, MemorySecretStore } from './helpers';
import { quiet } from './window';

const apiKey = (key: string) => ({ type: 'api_key' as const, key });

async function setUp(mode = 'manual') {
  const accounts = new Accounts({
    store: new MemorySecretStore(),
    log: quiet,
    settings: { mode: () => mode as 'manual', threshold: () => 90 },
    oauth: () => undefined,
    usage: { client: () => undefined, quietMs: 60_000 },
    refreshLock: () => async (_p, _a, step) => (await step(() => undefined)).result,
  });
  await accounts.load();
  await accounts.vault.add('anthropic', 'work', apiKey(KEY_A));
  await accounts.vault.add('anthropic', 'home', apiKey(KEY_B));
  const view = new AccountsView({
    vault: accounts.vault,
    ready: Promise.resolve(),
    rotation: accounts.rotation,
    usage: () => undefined,
    mode: () => mode,
  });
  return { accounts, view };
}

describe('Accounts view rows (src/vscode/accounts-view.ts)', () => {
  beforeEach(reset);

  it('an account synced from another machine is a "sign in on this machine" row with one click, under its provider', async () => {
    const { accounts } = await setUp();
    const synced = [
      { provider: 'anthropic', name: 'max', kind: 'oauth' as const, at: 1 },
      { provider: 'openai', name: 'desk', kind: 'api_key' as const, at: 1 },
    ];
    const view = new AccountsView({
      vault: accounts.vault,
      ready: Promise.resolve(),
      rotation: accounts.rotation,
      usage: () => undefined,
      mode: () => 'manual',
      synced: () => synced,
    });
    const top = await view.getChildren();
    assert.deepEqual(
      top.map((n) => n.provider),
      ['anthropic', 'openai'],
    );
    const under = await view.getChildren(new ProviderNode('anthropic'));
    assert.deepEqual(
      under.map((n) => `${n.constructor.name}:${'account' in n ? n.account : ''}`),
      ['AccountNode:home', 'AccountNode:work', 'SyncedNode:max'],
    );
    assert.equal(view.getTreeItem(new ProviderNode('openai')).description, '1 to sign in here');
    const row = view.getTreeItem(new SyncedNode('anthropic', 'max'));
    assert.equal(row.description, 'sign in on this machine');
    assert.equal(row.contextValue, 'piAccounts.synced'); // none of the account menus (use, sign out, usage)
    assert.equal(row.command?.command, 'piAccounts.signInHere');
    assert.match((row.tooltip as { value: string }).value, /never its tokens/);
  });

  it('a provider row counts its accounts; an account row says in use and its kind', async () => {
    const { view } = await setUp();
    const provider = view.getTreeItem(new ProviderNode('anthropic'));
    assert.equal(provider.description, '2 accounts');
    const work = view.getTreeItem(new AccountNode('anthropic', 'work'));
    const home = view.getTreeItem(new AccountNode('anthropic', 'home'));
    assert.equal(work.description, 'in use · api key');
    assert.equal(home.description, 'api key');
    assert.equal(work.contextValue, 'piAccounts.account.inUse.checkable'); // Check Key is on its menu
    assert.equal(home.contextValue, 'piAccounts.account.other.checkable');
  });

  it('a resting account says until when, and a refused one needs a sign-in (menus follow)', async () => {
    const { accounts, view } = await setUp('round-robin');
    accounts.rotation.cooldown('anthropic', 'work', Date.now() + 3_600_000, 'a test 429');
    const work = view.getTreeItem(new AccountNode('anthropic', 'work'));
    assert.match(String(work.description), /^resting until /);
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home', 'the other account took over');
    await accounts.vault.markNeedsSignIn('anthropic', 'home');
    const home = view.getTreeItem(new AccountNode('anthropic', 'home'));
    assert.match(String(home.description), /^needs sign-in/);
    assert.match(String(home.contextValue), /\.needsSignIn/);
    const provider = view.getTreeItem(new ProviderNode('anthropic'));
    assert.equal(provider.description, '2 accounts · round-robin');
  });

  it('a row stays short for the default sidebar width: one figure; every window and the kind in the tooltip', async () => {
    const accounts = new Accounts({
      store: new MemorySecretStore(),
      log: quiet,
      settings: { mode: () => 'manual', threshold: () => 90 },
      oauth: () => undefined,
      usage: { client: () => undefined, quietMs: 60_000 },
      refreshLock: () => async (_p, _a, step) => (await step(() => undefined)).result,
    });
    await accounts.load();
    await accounts.vault.add('anthropic', 'pi', {
      type: 'oauth',
      access: 'sk-ant-oat01-x',
      refresh: 'r',
      expires: Date.now() + 3_600_000,
    });
    await accounts.vault.add('deepseek', 'ds', apiKey('sk-deepseek-0123456789'));
    const now = Date.now();
    const view = new AccountsView({
      vault: accounts.vault,
      ready: Promise.resolve(),
      rotation: accounts.rotation,
      usage: (p) =>
        p === 'anthropic'
          ? {
              snapshot: {
                fetchedAt: now - 20 * 60_000,
                windows: [
                  { label: '5h', usedPercent: 12 },
                  { label: '7d', usedPercent: 64 },
                ],
              },
              problem: { kind: 'network', message: 'offline', at: now },
            }
          : {
              snapshot: { fetchedAt: now, windows: [], balance: { remaining: 4.2, currency: 'USD', exhausted: false } },
            },
      mode: () => 'manual',
    });
    const pi = view.getTreeItem(new AccountNode('anthropic', 'pi'));
    assert.equal(pi.description, 'in use · 7d 64%');
    assert.match(
      String(pi.accessibilityInformation?.label),
      /in use · 7d 64%, 5h 12% · 7d 64%, usage unavailable, browser/,
    );
    const tip = (pi.tooltip as unknown as { value: string }).value;
    assert.match(tip, /5h .* 12 %/);
    assert.match(tip, /\(stale: newer figures could not be read yet\)/);
    const ds = view.getTreeItem(new AccountNode('deepseek', 'ds'));
    assert.equal(ds.description, 'in use · $4.20 left');
    assert.match((ds.tooltip as unknown as { value: string }).value, /Balance: \$4\.20 left/);
  });
});
