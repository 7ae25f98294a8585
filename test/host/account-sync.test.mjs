// Host scenario: accounts that follow you. Settings Sync carries the extension's synced
// globalState key to another machine, whose secret storage is its own. Here the second machine is
// the same profile with its secret storage emptied (code-server keeps SecretStorage in the
// browser's localStorage "secrets.provider" and globalState in IndexedDB): after a reload the
// synced list names an account the vault lacks, as on a new machine after Settings Sync ran.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, packageConsumer, prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

const SYNC_KEY = 'piAccounts.syncedAccounts';

describe('Pi Accounts in a real VS Code host: accounts that follow you (Settings Sync)', function () {
  this.timeout(240_000);
  let extensions;
  let w;

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX, packageConsumer()]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it('19. a synced account this machine lacks is a "sign in on this machine" row; one click signs in; no key is synced', async () => {
    w = await Workbench.start({ extensionsTemplate: extensions, settings: { 'piAccounts.sync.accounts': true } });
    await w.openAccountsView();
    await steps.signIn(w, 'OpenAI', 'desk', steps.KEY_OPENAI);
    // The list reaches globalState with the account and without its key. The workbench writes
    // globalState to IndexedDB when idle, at most every 60 s (AbstractStorageService's
    // DEFAULT_FLUSH_INTERVAL in code-server 4.139.1's workbench).
    let storage = [];
    let synced;
    for (const deadline = Date.now() + 90_000; !JSON.stringify(synced ?? '').includes('"desk"');) {
      if (Date.now() > deadline) throw new Error('the synced account list never reached globalState');
      await new Promise((r) => setTimeout(r, 500));
      storage = await w.browserStorage();
      const state = storage.find(
        ([where, key]) => where.endsWith('-global/ItemTable') && key === 'pi-accounts.pi-accounts',
      );
      synced = state && JSON.parse(state[2])[SYNC_KEY];
    }
    // Settings Sync is told about the key (setKeysForSync), and the value holds no secret.
    assert.ok(
      storage.some(
        ([, key, value]) => key.startsWith('extensionKeys/pi-accounts.pi-accounts') && value.includes(SYNC_KEY),
      ),
    );
    assert.deepEqual(
      synced.accounts.map((a) => [a.provider, a.name, a.kind]),
      [['openai', 'desk', 'api_key']],
    );
    const text = JSON.stringify(synced);
    assert.ok(!text.includes(steps.KEY_OPENAI), 'the key is in the synced state');
    assert.ok(!text.includes(steps.KEY_OPENAI.slice(-4)), 'the key ending is in the synced state');

    // "Another machine": the same synced state, a secret storage of its own (empty).
    await w.page.evaluate(() => localStorage.removeItem('secrets.provider'));
    await w.page.reload();
    await w.page.waitForSelector('.activitybar .action-item a[aria-label^="Pi Accounts"]', { timeout: 60_000 });
    await w.openAccountsView();
    const row = w.treeRow('desk');
    await row.waitFor();
    await w.page.locator('.pane-body .monaco-list-row', { hasText: 'sign in on this machine' }).waitFor();
    assert.match(await row.textContent(), /desk.*sign in on this machine/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await w.page.screenshot({ path: join(ARTIFACTS, 'account-sync-sign-in-on-this-machine.png') });

    // One click: the usual sign-in with the name preset.
    await row.click();
    // OpenAI has two ways to sign in (a key, a ChatGPT subscription): the person picks the key.
    await steps.waitForStep(w, 1);
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'paste an API key' }).first().click();
    await steps.waitForStep(w, 2);
    assert.equal(await w.page.locator('.quick-input-widget input').inputValue(), 'desk');
    await w.page.keyboard.press('Enter');
    await steps.waitForStep(w, 3);
    await w.answer(steps.KEY_OPENAI);
    await w.notification('as "desk"');
    await w.page.locator('.pane-body .monaco-list-row', { hasText: 'sign in on this machine' }).waitFor({
      state: 'detached',
    });
    assert.match(await w.treeRow('desk').textContent(), /in use/);
  });
});
