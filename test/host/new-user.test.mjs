// Host scenarios (issue 18): what a new user sees, from install to the tenth sign-in. Each
// leaves a screenshot in test-results/host/U*.png; scripts/readme-screenshots.mjs copies the
// README's from there.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startAnthropicEmulator } from './anthropic-emulator.mjs';
import { startCopilotEmulator } from './copilot-emulator.mjs';
import { ARTIFACTS, prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

const { KEY_WORK, KEY_PERSONAL, KEY_OPENAI, VSIX } = steps;

let extensions;
let w;

async function start(opts = {}) {
  w = await Workbench.start({ extensionsTemplate: extensions, ...opts });
  await w.openAccountsView();
  return w;
}

async function shot(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await w.page.screenshot({ path });
  console.log(`      screenshot: test-results/host/${name}.png`);
}

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const paneText = () => w.page.locator('.part.sidebar').textContent();
const paletteHas = async (title) => {
  await w.page.keyboard.press('Escape');
  await w.page.keyboard.press('F1');
  const input = w.page.locator('.quick-input-widget input');
  await input.fill(`>${title}`);
  await w.page.waitForTimeout(500);
  const n = await w.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).count();
  await w.page.keyboard.press('Escape');
  return n > 0;
};

describe('A new user in a real VS Code host (issue 18)', function () {
  this.timeout(240_000);

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([VSIX]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it('U1. restricted mode is visible: the view and the tooltip say terminals get nothing, with Manage Workspace Trust', async () => {
    await start({ trusted: false });
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    await w.page.locator('.part.sidebar', { hasText: 'Restricted Mode: new terminals get no keys' }).waitFor();
    await w.page.locator('.part.sidebar .title-actions a[aria-label^="Manage Workspace Trust"]').waitFor();
    await steps.readmeWindow(w);
    await w.treeRow('work').hover();
    const hover = w.page.locator('.monaco-hover', { hasText: 'not exported' });
    await hover.waitFor();
    assert.match(await hover.textContent(), /Restricted Mode.*Manage Workspace Trust/s);
    await shot('U1-restricted-mode'); // that terminals really get nothing: scenario 8
  });

  it('U2. a network failure in words, with Try Again and Open Proxy Settings; the Enterprise host box refuses non-hosts and ports', async () => {
    const port = await closedPort();
    const dead = `http://127.0.0.1:${port}`;
    await start({
      env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify({ 'github-copilot': { web: dead, api: dead } }) },
    });
    await w.runCommand('Pi Accounts: Sign In…');
    await w.answer('GitHub Copilot', { pick: 'sign in with a device code' });
    await steps.waitForStep(w, 2);
    await w.answer('work');
    await steps.waitForStep(w, 3);
    const input = w.page.locator('.quick-input-widget input');
    const message = () => w.page.locator('.quick-input-widget .quick-input-message').textContent();
    await input.fill('not a host!');
    await w.page.waitForFunction(() =>
      /is not a host name/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
    );
    await w.page.keyboard.press('Enter'); // refused while invalid
    assert.match(await w.quickInputTitle(), /Pi Accounts: Sign In to GitHub Copilot \(3\/3\)/);
    await input.fill('company.ghe.com:8443');
    await w.page.waitForFunction(() =>
      /A port/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
    );
    assert.match(await message(), /enter the host only, e\.g\. company\.ghe\.com/);
    await shot('U2-enterprise-host-validation');
    await w.answer(''); // github.com: here, the dead port
    const toast = await w.notification(`Could not reach 127.0.0.1:${port}`);
    const text = await toast.textContent();
    assert.match(text, /it refused the connection/);
    assert.doesNotMatch(text, /ECONNREFUSED/);
    await toast.hover();
    await toast.getByRole('button', { name: 'Try Again' }).waitFor();
    await toast.getByRole('button', { name: 'Open Proxy Settings' }).waitFor();
    await shot('U2-network-error-in-words');
    await toast.getByRole('button', { name: 'Open Proxy Settings' }).click();
    await w.page.locator('.settings-editor .setting-item-contents', { hasText: 'Proxy' }).first().waitFor();
  });

  it('U3. usage: a manual refresh explains API keys; a usage failure shows on the row', async () => {
    const emu = await startCopilotEmulator();
    const dead = `http://127.0.0.1:${await closedPort()}/usage`;
    try {
      const env = JSON.parse(emu.env());
      env['github-copilot'].usage = dead;
      await start({ env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify(env) } });
      await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
      await w.contextMenu(w.treeRow('Anthropic'), /Refresh Usage/);
      await w.notification('no usage figures to read');
      await shot('U3-usage-api-keys-explained');
      emu.approveOnVisit();
      const { modal } = await steps.deviceSignIn(w, 'copilot');
      const popup = w.page.context().waitForEvent('page');
      await modal.getByRole('button', { name: 'Copy & Open' }).click();
      await (await popup).waitForLoadState();
      await w.notification('Signed in to GitHub Copilot as "copilot"', 30_000);
      await w.runCommand('Pi Accounts: Refresh Usage');
      await w.notification('Usage could not be read for 1 of 1 account', 30_000);
      await w.page.waitForFunction(
        () => /copilot.*usage unavailable/.test(document.querySelector('.pane-body')?.textContent ?? ''),
        null,
        { timeout: 20_000 },
      );
      await shot('U3-usage-failure-on-row');
    } finally {
      await emu.close();
    }
  });

  it('U4. no dead ends: commands that cannot act are not in the palette; Sign In Again offers a healthy account', async () => {
    await start();
    assert.equal(await paletteHas('Pi Accounts: Use This Account'), false, 'nothing to use yet');
    assert.equal(await paletteHas('Pi Accounts: Sign Out…'), false, 'nothing to sign out of');
    assert.equal(await paletteHas('Pi Accounts: Set Default Account'), false, 'one word: Use This Account');
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    assert.equal(await paletteHas('Pi Accounts: Sign Out…'), true);
    assert.equal(await paletteHas('Pi Accounts: Use This Account'), false, 'one account: nothing to switch to');
    await w.runCommand('Pi Accounts: Sign In Again…');
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'work' }).waitFor();
    await shot('U4-sign-in-again-picker');
    await w.page.keyboard.press('Escape');
  });

  it('U5. one word, stable order: Use This Account from the context menu; the tree says "in use" and does not reorder', async () => {
    await start();
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    await steps.signIn(w, 'Anthropic', 'personal', KEY_PERSONAL);
    const order = () => w.page.locator('.pane-body .monaco-list-row .label-name').allTextContents();
    await w.treeRow('personal').waitFor(); // the view redraws after the sign-in's toast
    const before = await order();
    assert.deepEqual(before.slice(1), ['personal', 'work']);
    assert.match(await w.treeRow('work').textContent(), /in use · api key/);
    await w.contextMenu(w.treeRow('personal'), /Use This Account/);
    await w.notification('Anthropic: now using "personal"');
    await w.page.waitForFunction(() =>
      /personal\s*in use/.test(document.querySelector('.pane-body')?.textContent ?? ''),
    );
    assert.deepEqual(await order(), before, 'rows keep their place');
    assert.doesNotMatch(await paneText(), /default/);
    await w.runCommand('Pi Accounts: Use This Account');
    const picker = w.page.locator('.quick-input-list');
    await picker.locator('.monaco-list-row', { hasText: 'personal' }).waitFor();
    assert.match(await picker.textContent(), /personal.*in use/s, 'the one in use is listed and marked');
    await shot('U5-use-this-account-picker');
    await w.page.keyboard.press('Escape');
  });

  it("U6. a key shaped like another provider's is warned about, still saved, and Check Key asks the models endpoint", async () => {
    // Anthropic's models endpoint on loopback: like the real one, 401 for a key it does not know.
    const seen = [];
    const api = createHttpServer((req, res) => {
      seen.push({ url: req.url, key: req.headers['x-api-key'], version: req.headers['anthropic-version'] });
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
    });
    await new Promise((r) => api.listen(0, '127.0.0.1', r));
    const models = `http://127.0.0.1:${api.address().port}`;
    try {
      await start({ env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify({ anthropic: { models } }) } });
      await steps.readmeWindow(w);
      await steps.startSignIn(w, 'Anthropic', 'work');
      await w.page.locator('.quick-input-widget input').fill(KEY_OPENAI);
      await w.page.waitForFunction(() =>
        /an OpenAI key \(sk-proj-…\), not an Anthropic key/.test(
          document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? '',
        ),
      );
      await shot('U6-key-shape-warning');
      await w.page.keyboard.press('Enter'); // a warning does not block
      const toast = await w.notification('Signed in to Anthropic as "work"');
      await toast.hover();
      await toast.getByRole('button', { name: 'Check Key' }).click();
      await steps.waitFor(() => /Key check anthropic\/work: refused/.test(w.logs()['Pi Accounts.log'] ?? ''));
      const refused = await w.notification('Anthropic refused the key (401)');
      await refused.hover();
      await refused.getByRole('button', { name: 'Sign In Again' }).waitFor();
      await shot('U6-key-check-refused');
      assert.deepEqual(
        seen.map((s) => [s.url, s.key === KEY_OPENAI, s.version]),
        [['/v1/models', true, '2023-06-01']],
      );
      assert.ok(!(w.logs()['Pi Accounts.log'] ?? '').includes(KEY_OPENAI), 'the key never reaches the log');
    } finally {
      api.close();
    }
  });

  it("U7. labels: each way of signing in has its tag and its own count; the key page is a button; VS Code's Accounts menu without nested brackets", async () => {
    await start();
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    await w.runCommand('Pi Accounts: Sign In…');
    await w.page.locator('.quick-input-widget input').fill('anthropic');
    const row = (label) =>
      w.page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: w.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
        .first();
    await row('Anthropic').waitFor();
    assert.match(await row('Anthropic').textContent(), /paste an API key.*1 account signed in/s);
    assert.doesNotMatch(
      await row('Claude Pro/Max').textContent(),
      /signed in/,
      'the browser sign-in has no account yet',
    );
    await shot('U7-provider-list-labels');
    await row('Anthropic').click();
    await steps.waitForStep(w, 2);
    await w.answer('personal');
    await steps.waitForStep(w, 3);
    await w.page
      .locator(
        '.quick-input-widget .quick-input-inline-actions a[aria-label^="Create a key at https://console.anthropic.com"], .quick-input-widget a[aria-label^="Create a key at https://console.anthropic.com"]',
      )
      .first()
      .waitFor();
    await shot('U7-key-page-button');
    await w.page.keyboard.press('Escape');
    await w.page.locator('.activitybar .action-item a[aria-label^="Accounts"]').first().click();
    await w.page.getByRole('menuitem', { name: 'work (Anthropic · Pi Accounts)' }).waitFor();
    await shot('U7-accounts-menu');
  });

  it("U8. opening pi's auth.json warns first: the keys are in plain text", async () => {
    await start();
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    await steps.authJson(w, (d) => d.anthropic);
    await w.runCommand("Pi Accounts: Open pi's auth.json");
    const modal = w.page.locator('.monaco-dialog-box', { hasText: 'shows your keys in plain text' });
    await modal.waitFor();
    await shot('U8-auth-json-warning');
    await modal.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await w.page.locator('.tab', { hasText: 'auth.json' }).count(), 0, 'not opened without consent');
  });

  it('U9. keyboard in the view: Enter uses the account, Delete signs it out after asking', async () => {
    await start();
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    await steps.signIn(w, 'Anthropic', 'personal', KEY_PERSONAL);
    await w.selectRow('personal');
    await w.page.keyboard.press('Enter');
    await w.page
      .locator('.pane-body .monaco-list-row', { hasText: 'personal' })
      .filter({ hasText: 'in use' })
      .waitFor();
    await w.notification('now using "personal"');
    await w.selectRow('work');
    await w.page.keyboard.press('Delete');
    const modal = w.page.locator('.monaco-dialog-box', { hasText: 'Sign out of Anthropic / work?' });
    await modal.waitFor();
    await shot('U9-delete-asks-first');
    await modal.getByRole('button', { name: 'Sign Out' }).click();
    await w.notification('Signed out of Anthropic / work.');
  });

  it("U10. status bar: the account in use with its place among the provider's accounts; a click opens the view", async () => {
    await start();
    await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
    const item = w.page.locator('.statusbar-item', { hasText: 'Anthropic: work' });
    await item.waitFor();
    await steps.signIn(w, 'Anthropic', 'personal', KEY_PERSONAL);
    await w.page.locator('.statusbar-item', { hasText: 'Anthropic: work 2/2' }).waitFor();
    // The view and the status bar agree before the picture: "2 accounts" beside "2/2".
    await w.page.locator('.pane-body .monaco-list-row', { hasText: '2 accounts' }).waitFor();
    await w.runCommand('Notifications: Clear All Notifications'); // the toasts would cover the item
    await w.page.locator('.notification-toast').first().waitFor({ state: 'hidden' });
    await steps.readmeWindow(w);
    await shot('U10-status-bar');
    await w.runCommand('View: Close Primary Side Bar');
    await w.page.locator('.statusbar-item', { hasText: 'Anthropic: work 2/2' }).click();
    await w.page.locator('.part.sidebar .composite.title', { hasText: 'Pi Accounts' }).waitFor();
  });

  it('U11. getting started: the walkthrough opens from the welcome page', async () => {
    await start();
    await steps.readmeWindow(w, { width: 1100, height: 640 });
    await w.runCommand('Welcome: Open Walkthrough...');
    await w.answer('Get Started with Pi Accounts', { pick: 'Get Started with Pi Accounts' });
    await w.page.locator('.gettingStartedContainer', { hasText: 'Sign in to a provider' }).waitFor({ timeout: 30_000 });
    await shot('U11-walkthrough');
  });

  // Issue 29 item 2. The cause is VS Code's walkthrough page: Enter in the palette closes it on
  // keydown and the focus returns to the walkthrough step, which gets the keyup; the page acts on a
  // keyup of Enter by selecting that step again, and focuses it 250 ms later (the focus log of a
  // failure shows the timer scheduled from selectStep < runDispatchCommand). Sign In waits that
  // long when the walkthrough is the active editor (src/vscode/walkthrough-focus.ts).
  it('U12. with the walkthrough open on a fresh profile, Sign In from the palette takes the keyboard', async () => {
    await start();
    await w.runCommand('Welcome: Open Walkthrough...');
    await w.answer('Get Started with Pi Accounts', { pick: 'Get Started with Pi Accounts' });
    await w.page.locator('.gettingStartedContainer', { hasText: 'Sign in to a provider' }).waitFor({ timeout: 30_000 });
    // The step's media is a webview of its own; the page moves the focus again once it has loaded,
    // even from the Command Palette (VS Code's own race). A person starts after that.
    await frameWithText(w.page, 'Sign in once');
    // The page focuses its first step once it has laid it out (after its animation).
    await w.page.waitForFunction(() =>
      document.activeElement?.matches('.gettingStartedContainer .getting-started-step'),
    );
    // Every element that takes the focus from here on, for the log of a failure.
    await w.page.evaluate(() => {
      window.focusLog = [];
      // Deferred focus calls (setTimeout(() => x.focus())): where they were scheduled from.
      const later = window.setTimeout;
      window.setTimeout = function (fn, ms, ...rest) {
        if (typeof fn === 'function' && /\.focus\(\)/.test(String(fn))) {
          const from = new Error().stack
            .split('\n')
            .slice(2, 12)
            .map((l) => l.trim().replace(/\(.*\/(\w+\.js):\d+:\d+\)/, '($1)'))
            .join(' < ');
          const run = fn;
          fn = (...args) => (window.focusLog.push(`timer(${ms} ms) scheduled from ${from}`), run(...args));
        }
        return later.call(this, fn, ms, ...rest);
      };
      document.addEventListener(
        'focusin',
        (e) =>
          window.focusLog.push(
            `${e.target.tagName}.${String(e.target.className).slice(0, 60)} @ ${new Error().stack
              .split('\n')
              .slice(2, 9)
              .map((l) => l.trim().replace(/\(.*\/(\w+\.js):\d+:\d+\)/, '($1)'))
              .join(' < ')}`,
          ),
        true,
      );
    });
    // F1 without runCommand's Escape first: Escape on the walkthrough goes back to the welcome page.
    await w.page.keyboard.press('F1');
    const palette = w.page.locator('.quick-input-widget input');
    await palette.waitFor({ state: 'visible' });
    await palette.fill('>Pi Accounts: Sign In…');
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Pi Accounts: Sign In…' }).first().waitFor();
    await w.page.keyboard.press('Enter');
    await w.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Sign In (1/3)' }).waitFor();
    // Typed, not filled: fill() would focus the box itself and hide the bug.
    await w.page.keyboard.type('anthropic');
    await w.page
      .waitForFunction(() => document.querySelector('.quick-input-widget input')?.value === 'anthropic', null, {
        timeout: 5000,
      })
      .catch(async (e) => {
        console.log(`      focus went to: ${(await w.page.evaluate(() => window.focusLog)).join(' → ')}`);
        throw e;
      });
    await shot('U12-walkthrough-sign-in-focus');
    await w.page.keyboard.press('Enter');
    await steps.waitForStep(w, 2);
    await w.page.keyboard.press('Escape');
  });

  it('U13. Check Key any time, from the row or the palette; offline it says so in a warning with Try Again', async () => {
    // Anthropic's models endpoint on loopback, first down (a port nothing listens on), then up.
    const port = await closedPort();
    const api = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ type: 'model', id: 'claude-sonnet-4-5' }], has_more: false }));
    });
    const models = `http://127.0.0.1:${port}`;
    try {
      await start({ env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify({ anthropic: { models } }) } });
      await steps.signIn(w, 'Anthropic', 'work', KEY_WORK);
      await w.contextMenu(w.treeRow('work'), /Check Key/);
      const down = await w.notification('The key could not be checked');
      assert.match(await down.textContent(), /Could not reach 127\.0\.0\.1/);
      await down.hover();
      await down.getByRole('button', { name: 'Try Again' }).waitFor();
      await shot('U13-check-key-offline');
      await new Promise((r) => api.listen(port, '127.0.0.1', r));
      await down.getByRole('button', { name: 'Try Again' }).click();
      await w.notification('Anthropic accepted the key.');
      // And from the palette, with the account to check picked.
      await w.runCommand('Pi Accounts: Check Key…');
      await w.answer('work', { pick: 'work' });
      await steps.waitFor(
        () => (w.logs()['Pi Accounts.log'] ?? '').match(/Key check anthropic\/work: accepted/g)?.length === 2,
      );
    } finally {
      api.close();
    }
  });

  it('U14. no dead ends: Refresh Usage with only API keys, no Next Account for one account, an empty key, "an Anthropic"', async () => {
    const FOREIGN = 'sk-ant-api03-fromPiLogin-0123456789abcdef';
    await start({ files: { 'pi-agent/auth.json': JSON.stringify({ anthropic: { type: 'api_key', key: FOREIGN } }) } });
    await w.notification("pi's auth.json has credentials for Anthropic");
    await w.runCommand('Notifications: Clear All Notifications');
    await steps.startSignIn(w, 'Anthropic', 'work');
    await w.page.keyboard.press('Enter'); // nothing typed
    await w.page.locator('.quick-input-widget .quick-input-message', { hasText: 'Paste the key first' }).waitFor();
    await shot('U14-empty-key-says-why');
    await w.answer(KEY_WORK);
    await w.notification("pi's auth.json has an Anthropic credential that Pi Accounts did not write");
    await w.runCommand('Pi Accounts: Refresh Usage');
    const none = await w.notification('No usage figures to read: API keys have none.');
    assert.doesNotMatch(await none.textContent(), /None of your accounts have no/);
    await none.hover(); // it stays while the picture is taken
    await shot('U14-refresh-usage-api-keys');
    await w.runCommand('Notifications: Clear All Notifications');
    // The provider's row by its count: the list reuses its row elements when it redraws.
    await w.treeRow('1 account').click({ button: 'right' });
    await w.page
      .getByRole('menuitem', { name: /Add Account/ })
      .first()
      .waitFor();
    assert.equal(await w.page.getByRole('menuitem', { name: /Switch to the Next Account/ }).count(), 0);
    await w.page.keyboard.press('Escape');
    await steps.signIn(w, 'Anthropic', 'personal', KEY_PERSONAL);
    await w.treeRow('2 accounts').click({ button: 'right' });
    await w.page
      .getByRole('menuitem', { name: /Switch to the Next Account/ })
      .first()
      .waitFor();
    await w.page.keyboard.press('Escape');
  });

  it('U15. one name, one count, one order: "Anthropic: zeta 2/2" like the view; pickers in the view\'s order; "OpenAI / env" in toasts', async () => {
    await start({ env: { OPENAI_API_KEY: KEY_OPENAI } });
    await steps.signIn(w, 'Anthropic', 'zeta', KEY_WORK);
    await steps.signIn(w, 'Anthropic', 'alpha', KEY_PERSONAL);
    await w.page.locator('.pane-body .monaco-list-row', { hasText: '2 accounts' }).waitFor();
    await w.page.locator('.statusbar-item', { hasText: 'Anthropic: zeta 2/2' }).waitFor();
    const viewOrder = await w.page.locator('.pane-body .monaco-list-row .label-name').allTextContents();
    assert.deepEqual(viewOrder, ['Anthropic', 'alpha', 'zeta']);
    await w.runCommand('Pi Accounts: Sign Out…');
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'zeta' }).waitFor();
    const pickerOrder = await w.page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
    assert.deepEqual(
      pickerOrder.filter((n) => n === 'alpha' || n === 'zeta'),
      ['alpha', 'zeta'],
    );
    await shot('U15-sign-out-picker-order');
    await w.page.keyboard.press('Escape');
    await w.runCommand('Pi Accounts: Import Keys from the Environment…');
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'OpenAI' }).waitFor({ timeout: 20_000 });
    await w.page.keyboard.press('Enter');
    const imported = await w.notification('Imported 1 key from the environment');
    assert.match(await imported.textContent(), /OpenAI \/ env/);
    assert.doesNotMatch(await imported.textContent(), /openai\//);
    await shot('U15-names-in-toasts');
  });

  it('U16. first run: Connect pi is a button on the first "Signed in" toast (no second toast), without an ellipsis; picker titles are titles', async () => {
    await start({ files: { 'pi-agent/settings.json': '{}' } });
    await steps.startSignIn(w, 'Anthropic', 'work');
    await w.answer(KEY_WORK);
    const toast = await w.notification('Signed in to Anthropic as "work"');
    await toast.hover();
    await toast.getByRole('button', { name: 'Connect pi' }).waitFor();
    assert.equal(await w.page.locator('.notification-toast', { hasText: 'Connect pi?' }).count(), 0);
    await shot('U16-connect-pi-on-signed-in-toast');
    assert.equal(await paletteHas('Pi Accounts: Connect pi…'), false, 'no ellipsis: it asks nothing');
    assert.equal(await paletteHas('Pi Accounts: Connect pi'), true);
    await w.runCommand('Pi Accounts: Set Base URL and Headers…');
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'work' }).waitFor();
    assert.equal(await w.quickInputTitle(), 'Pi Accounts: Set Base URL and Headers: which account?');
    await w.page.keyboard.press('Escape');
  });

  it("U17. the extension's details page shows the README's pictures, from the repository the manifest names", async () => {
    // vsce rewrote each relative picture to the manifest repository's raw URL (https: the details
    // page allows no other scheme). This host has no internet, so that host is answered here with
    // the same files, as GitHub would; a picture left relative would not load at all.
    const served = [];
    await start();
    await w.page.context().route(`${REPOSITORY}/raw/HEAD/media/readme/*`, (route) => {
      const name = new URL(route.request().url()).pathname.split('/').at(-1);
      served.push(name);
      return route.fulfill({ path: join(process.cwd(), 'media', 'readme', name), contentType: 'image/png' });
    });
    await w.runCommand('Extensions: Show Installed Extensions');
    await w.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Pi Accounts' }).first().click();
    await w.page.locator('.extension-editor .name', { hasText: 'Pi Accounts' }).waitFor();
    let images = [];
    await steps.waitFor(() => {
      void readmeImages(w.page).then((found) => (images = found));
      return images.length > 0 && images.every((i) => i.width > 0);
    }, 30_000);
    for (const i of images) assert.match(i.src, new RegExp(`^${REPOSITORY}/raw/HEAD/media/readme/[a-z-]+\\.png$`));
    assert.ok(served.length >= images.length, `served ${served.join(', ')}`);
    await shot('U17-details-page-readme-images');
  });

  it('U18. the Usage panel: two providers, bars with reset times, the plan, a resting account, live, by keyboard', async () => {
    const emu = await startAnthropicEmulator();
    try {
      await start({
        env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: emu.env() },
        settings: { 'piAccounts.rotation.mode': 'usage-based', 'piAccounts.rotation.threshold': 80 },
      });
      emu.setUsage(1, 30, 12);
      emu.setUsage(2, 10, 5);
      await steps.browserSignIn(w, emu, 'max-1');
      await steps.browserSignIn(w, emu, 'max-2');
      await steps.signIn(w, 'OpenAI', 'work', KEY_OPENAI);
      emu.setUsage(1, 85, 40); // max-1 crosses the threshold: it rests, max-2 takes over
      await w.runCommand('Pi Accounts: Refresh Usage');
      await w.page.waitForFunction(
        () => /max-2.*in use/.test(document.querySelector('.pane-body')?.textContent ?? ''),
        null,
        {
          timeout: 30_000,
        },
      );
      await w.runCommand('Notifications: Clear All Notifications');
      await w.runCommand('Pi Accounts: Show Usage');
      const panel = await usageFrame(w.page, (t) => /max-1/.test(t) && /Resting until/.test(t) && /OpenAI/.test(t));
      const text = await panel.locator('main').textContent();
      assert.match(text, /max-1.*resting.*5h\s*85%.*resets .*7d\s*40%/s);
      assert.match(text, /max-2.*in use/s);
      assert.match(text, /OpenAI.*work.*OpenAI reports no usage or balance for this key/s);
      assert.equal(await panel.locator('[role="meter"]').count(), 4, 'two windows for each Claude account');
      // Each bar is drawn as wide as the figure it reads out.
      const bars = await panel.evaluate(() =>
        [...document.querySelectorAll('[role="meter"]')].map((m) => [
          Number(m.getAttribute('aria-valuenow')),
          Math.round((m.firstElementChild.getBoundingClientRect().width / m.clientWidth) * 100),
        ]),
      );
      for (const [value, drawn] of bars)
        assert.ok(Math.abs(value - drawn) <= 2, `bar of ${value} % drawn ${drawn} % wide`);
      // Live: new figures reach the open panel without reopening it.
      emu.setUsage(2, 55, 20);
      await w.runCommand('Pi Accounts: Refresh Usage');
      await panel.locator('[role="meter"][aria-valuenow="55"]').waitFor({ timeout: 30_000 });
      // By keyboard: Tab reaches the page's links, Enter runs one.
      await panel.locator('body').click({ position: { x: 5, y: 5 } });
      await w.page.keyboard.press('Tab');
      assert.equal(await panel.evaluate(() => document.activeElement?.textContent), 'Refresh Usage');
      await shot('U18-usage-panel');
    } finally {
      await emu.close();
    }
  });
});

const REPOSITORY = 'https://github.com/pi-accounts/pi-accounts';

/** The README's pictures in the extension editor's webview (a frame inside a frame): src and loaded width. */
async function readmeImages(page) {
  for (const frame of page.frames()) {
    const found = await frame
      .evaluate(() =>
        [...document.images]
          .filter((i) => i.src.includes('/media/readme/'))
          .map((i) => ({ src: i.src, width: i.complete ? i.naturalWidth : 0 })),
      )
      .catch(() => []);
    if (found.length) return found;
  }
  return [];
}

/** The Usage panel's page (a webview: a frame inside a frame) once its text satisfies `ready`. */
async function usageFrame(page, ready) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.getElementById('main')?.textContent ?? '').catch(() => '');
      if (text && ready(text)) return frame;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the Usage panel did not show the accounts');
}

/** A frame (a webview's) that shows `text`, once it does. */
async function frameWithText(page, text) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    for (const frame of page.frames()) {
      const shown = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (shown.includes(text)) return frame;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no frame shows "${text}"`);
}
