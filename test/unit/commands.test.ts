// src/vscode/commands.ts with a small fake of vscode: which account a command acts on — the view
// row it was run on, its argument object, the selected row, or the one picked from the palette —
// and what happens when there is none. What the palette looks like stays in the host scenarios.
import { answers, calls, memento, registered, reset, type QuickPick } from './vscode-fake';
import assert from 'node:assert/strict';
import { Accounts } from '../../src/core/accounts';
import { detailsOf, isFault } from '../../src/core/faults';
import { Redactor } from '../../src/core/redact';
import { AccountNode, ProviderNode } from '../../src/vscode/accounts-view';
import { Commands, type CommandDeps } from '../../src/vscode/commands';
import { MirrorSync } from '../../src/vscode/mirror-sync';
import { RecentProviders } from '../../src/vscode/sign-in-ui';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { KEY_A, KEY_B, KEY_OPENAI, MemorySecretStore, until } from './helpers';
import { quiet } from './window';

const apiKey = (key: string) => ({ type: 'api_key' as const, key });
const pickNamed = (label: string) => (items: QuickPick[]) => items.find((i) => i.label === label);

async function setUp(o: { empty?: boolean; selected?: () => AccountNode | ProviderNode | undefined } = {}) {
  const store = new MemorySecretStore();
  const accounts = new Accounts({
    store,
    log: quiet,
    settings: { mode: () => 'manual', threshold: () => 90 },
    oauth: () => undefined,
    usage: { client: () => undefined, quietMs: 60_000 },
    refreshLock: () => async (_p, _a, step) => (await step(() => undefined)).result,
  });
  await accounts.load();
  if (!o.empty) {
    await accounts.vault.add('anthropic', 'work', apiKey(KEY_A));
    await accounts.vault.add('anthropic', 'home', apiKey(KEY_B));
    await accounts.vault.add('openai', 'team', apiKey(KEY_OPENAI));
  }
  const log = { ...quiet, redactor: new Redactor(), show: () => undefined };
  const authPath = () => '/nowhere/auth.json'; // these commands never write pi's files
  const piFiles = new AuthMirror(
    accounts.vault,
    new MirrorStateStore(store),
    authPath,
    () => undefined,
    accounts.rotation,
  );
  const deps: CommandDeps = {
    vault: accounts.vault,
    ready: Promise.resolve(),
    recent: new RecentProviders(memento()),
    mirror: new MirrorSync(piFiles, authPath, log, memento(), accounts.feedback),
    authPath,
    log,
    refreshView: () => undefined,
    oauth: () => undefined,
    http: () => undefined,
    rotation: accounts.rotation,
    usage: accounts.usage,
    selected: o.selected ?? (() => undefined),
  };
  return { accounts, commands: new Commands(deps) };
}

describe('Commands: which account a command acts on (src/vscode/commands.ts)', () => {
  beforeEach(reset);

  it('run on an account row: that account, without a picker', async () => {
    const { accounts, commands } = await setUp();
    await commands.useAccount(new AccountNode('anthropic', 'home'));
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home');
    assert.equal(calls.picks.length, 0);
    assert.deepEqual(calls.infos, ['Anthropic: now using "home".']);
  });

  it('run on a provider row: a picker of that provider’s accounts only', async () => {
    const { accounts, commands } = await setUp();
    answers.pick = pickNamed('home');
    await commands.useAccount(new ProviderNode('anthropic'));
    assert.equal(calls.picks.length, 1);
    assert.deepEqual(calls.picks[0].items.map((i) => i.label).sort(), ['home', 'work']);
    assert.equal(calls.picks[0].title, 'Pi Accounts: Use This Account: which account?');
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home');
  });

  it('from the palette: a picker of every account, the one in use marked; the pick is acted on', async () => {
    const { accounts, commands } = await setUp();
    answers.pick = pickNamed('home');
    await commands.useAccount(undefined);
    const items = calls.picks[0].items;
    assert.deepEqual(items.map((i) => i.label).sort(), ['home', 'team', 'work']);
    assert.equal(items.find((i) => i.label === 'work')?.description, 'Anthropic · in use');
    assert.equal(items.find((i) => i.label === 'home')?.description, 'Anthropic');
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home');
  });

  it('from the palette, the picker dismissed: cancelled, nothing changes', async () => {
    const { accounts, commands } = await setUp();
    await assert.rejects(commands.useAccount(undefined), (e) => isFault(e, 'aborted'));
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'work');
    assert.deepEqual(calls.infos, []);
  });

  it('no account at all: a fault that offers Sign In, and no picker', async () => {
    const { commands } = await setUp({ empty: true });
    await assert.rejects(
      commands.useAccount(undefined),
      (e) => isFault(e, 'not-found') && detailsOf(e, 'not-found')?.signIn === 'any',
    );
    await assert.rejects(
      commands.useAccount({ provider: 'anthropic' }),
      (e) => isFault(e, 'not-found') && detailsOf(e, 'not-found')?.signIn === 'anthropic',
    );
    assert.equal(calls.picks.length, 0);
  });

  it('an argument object: that account without prompts; a wrong shape or a missing account says so', async () => {
    const { accounts, commands } = await setUp();
    await commands.useAccount({ provider: 'anthropic', account: 'home' });
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home');
    await assert.rejects(commands.useAccount({ provider: 7 }), (e) => isFault(e, 'invalid-arguments'));
    await assert.rejects(commands.useAccount({ provider: 'anthropic', account: 'ghost' }), (e) =>
      isFault(e, 'not-found'),
    );
    assert.equal(calls.picks.length, 0);
  });

  it('Sign In Again offers only accounts that can sign in again', async () => {
    const { accounts, commands } = await setUp();
    await accounts.vault.add('google-vertex', 'adc', { type: 'env', vars: { GOOGLE_CLOUD_PROJECT: 'p' } });
    await assert.rejects(commands.signInAgain(undefined), (e) => isFault(e, 'aborted'));
    assert.deepEqual(calls.picks[0].items.map((i) => i.label).sort(), ['home', 'team', 'work']);
  });

  it('Sign Out: a row asks first; an argument object does not; the palette picks account or all', async () => {
    const { accounts, commands } = await setUp();
    await assert.rejects(commands.signOut(new AccountNode('anthropic', 'home')), (e) => isFault(e, 'aborted'));
    assert.equal(calls.warnings[0]?.modal, true);
    assert.equal(calls.warnings[0]?.message, 'Sign out of Anthropic / home?');
    assert.equal(accounts.vault.accounts('anthropic').length, 2, 'not confirmed: kept');
    await commands.signOut({ provider: 'anthropic', account: 'home' });
    assert.equal(calls.warnings.length, 1, 'no second confirmation');
    assert.deepEqual(
      accounts.vault.accounts('anthropic').map((a) => a.name),
      ['work'],
    );
    answers.pick = (items) => items.find((i) => i.label === 'team');
    answers.warning = 'Sign Out';
    await commands.signOut(undefined);
    assert.deepEqual(accounts.vault.accounts('openai'), []);
    const labels = calls.picks[0].items.map((i) => i.label);
    assert.ok(labels.includes('Anthropic') && labels.includes('OpenAI'), 'providers as separators');
  });

  it('the keybinding on the view acts on the selected account row, and on nothing else', async () => {
    let selected: AccountNode | ProviderNode | undefined = new ProviderNode('anthropic');
    const { accounts, commands } = await setUp({ selected: () => selected });
    commands.register();
    const useSelected = registered.get('piAccounts.useSelected');
    assert.ok(useSelected);
    await useSelected(undefined);
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'work');
    assert.equal(calls.picks.length, 0, 'a provider row is not an account: no picker either');
    selected = new AccountNode('anthropic', 'home');
    await useSelected(undefined);
    assert.equal(accounts.rotation.inUse('anthropic')?.name, 'home');
  });

  it('a failure from the palette is shown; one from another extension is also thrown to it', async () => {
    const { commands } = await setUp({ empty: true });
    commands.register();
    const use = registered.get('piAccounts.useAccount');
    assert.ok(use);
    assert.equal(await use(undefined), undefined);
    await assert.rejects(Promise.resolve(use({ provider: 'anthropic', account: 'x' })), (e) => isFault(e, 'not-found'));
    await until(() => calls.errors.length === 2); // the command does not await showFault
    assert.deepEqual(calls.errors[0].items, ['Sign In', 'Show Log']);
  });
});
