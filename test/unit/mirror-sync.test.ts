// src/vscode/mirror-sync.ts with a small fake of vscode, on a real auth.json in a temp folder:
// what it writes, what it asks about an entry someone else wrote (and remembers), how often a
// corrupt file is reported, and the one-time offer to import pi's keys.
import { answers, calls, config, memento, reset } from './vscode-fake';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Accounts } from '../../src/core/accounts';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { Redactor } from '../../src/core/redact';
import { MirrorSync } from '../../src/vscode/mirror-sync';
import { KEY_A, KEY_B, KEY_OPENAI, MemorySecretStore, tempDir, until } from './helpers';
import { quiet } from './window';

const readAuth = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, { key?: string }>;

async function setUp() {
  const t = tempDir();
  const path = join(t.dir, 'auth.json');
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
  await accounts.vault.add('anthropic', 'work', { type: 'api_key', key: KEY_A });
  const state = memento(); // the window's globalState: outlives a MirrorSync
  const log = { ...quiet, redactor: new Redactor(), show: () => undefined };
  const piFiles = new AuthMirror(
    accounts.vault,
    new MirrorStateStore(store),
    () => path,
    () => undefined,
    accounts.rotation,
  );
  const sync = () => new MirrorSync(piFiles, () => path, log, state, accounts.feedback);
  return { t, path, accounts, state, sync };
}

describe('MirrorSync (src/vscode/mirror-sync.ts)', () => {
  beforeEach(reset);

  it('writes the account in use to auth.json (owner only); with the mirror off, nothing', async () => {
    const s = await setUp();
    try {
      config.set('piAccounts.mirror.enabled', false);
      assert.equal(await s.sync().run(), false);
      assert.equal(existsSync(s.path), false);
      config.clear();
      assert.equal(await s.sync().run(), true);
      assert.equal(readAuth(s.path).anthropic?.key, KEY_A);
      assert.equal(statSync(s.path).mode & 0o777, 0o600);
      assert.equal(await s.sync().run(), false, 'nothing changed: not written again');
    } finally {
      s.t.cleanup();
    }
  });

  it('an entry someone else wrote: asked once what to do; Leave It is remembered, Replace It writes ours', async () => {
    const s = await setUp();
    try {
      writeFileSync(s.path, JSON.stringify({ anthropic: { type: 'api_key', key: KEY_B } }), { mode: 0o600 });
      const first = s.sync();
      answers.warning = 'Leave It';
      assert.equal(await first.run(), false);
      assert.equal(calls.warnings.length, 1);
      assert.deepEqual(calls.warnings[0].items, ['Import It', 'Replace It', 'Leave It']);
      assert.match(calls.warnings[0].message, /has an Anthropic credential that Pi Accounts did not write/);
      await until(() => s.state.get<string[]>('piAccounts.keptForeignEntries', [])?.length === 1);
      await first.run();
      await s.sync().run(); // another window, the same globalState
      assert.equal(calls.warnings.length, 1, 'not asked again about the same entry');
      assert.equal(readAuth(s.path).anthropic?.key, KEY_B, 'left as it is');

      writeFileSync(s.path, JSON.stringify({ anthropic: { type: 'api_key', key: KEY_OPENAI } }), { mode: 0o600 });
      answers.warning = 'Replace It';
      await s.sync().run();
      assert.equal(calls.warnings.length, 2, 'a changed entry is asked about again');
      await until(() => readAuth(s.path).anthropic?.key === KEY_A);
    } finally {
      s.t.cleanup();
    }
  });

  it('Import It makes the foreign entry an account and puts it in use', async () => {
    const s = await setUp();
    try {
      writeFileSync(s.path, JSON.stringify({ anthropic: { type: 'api_key', key: KEY_B } }), { mode: 0o600 });
      answers.warning = 'Import It';
      await s.sync().run();
      await until(() => s.accounts.vault.accounts('anthropic').length === 2);
      await until(() => calls.infos.some((m) => m.includes('it is now the account in use')));
      const inUse = s.accounts.rotation.inUse('anthropic')?.name;
      assert.notEqual(inUse, 'work');
      assert.equal(s.accounts.vault.credential('anthropic', inUse!)?.type, 'api_key');
    } finally {
      s.t.cleanup();
    }
  });

  it('a corrupt auth.json is reported each time by hand, once from the file watcher, and never overwritten', async () => {
    const s = await setUp();
    try {
      writeFileSync(s.path, '{ not json', { mode: 0o600 });
      const sync = s.sync();
      await sync.run([], true);
      await sync.run([], true);
      await until(() => calls.errors.length === 1);
      assert.deepEqual(calls.errors[0].items, ['Open auth.json', 'Show Log']);
      await sync.run();
      await until(() => calls.errors.length >= 2);
      assert.equal(calls.errors.length, 2);
      assert.equal(readFileSync(s.path, 'utf8'), '{ not json');
    } finally {
      s.t.cleanup();
    }
  });

  it("offers pi's keys once, on first activation; the import adds what was picked", async () => {
    const s = await setUp();
    try {
      writeFileSync(s.path, JSON.stringify({ openai: { type: 'api_key', key: KEY_OPENAI } }), { mode: 0o600 });
      answers.info = 'Import…';
      answers.pick = (items) => items;
      await s.sync().offerImportOnce();
      assert.match(calls.infos[0], /^pi's auth.json has credentials for OpenAI\. Import them/);
      assert.deepEqual(
        s.accounts.vault.accounts('openai').map((a) => a.provider),
        ['openai'],
      );
      assert.match(calls.infos[1], /^Imported 1 account from pi: /);
      await s.sync().offerImportOnce();
      assert.equal(calls.infos.length, 2, 'asked once, even in a new window');
      assert.equal(calls.picks.length, 1);
    } finally {
      s.t.cleanup();
    }
  });
});
