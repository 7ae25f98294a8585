// Host scenarios (issue 3): the packaged .vsix in a real VS Code, driven through a real browser.
// Each test starts from a clean user-data dir and its own PI_CODING_AGENT_DIR.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { piKey } from './pi1.mjs';
import { startAnthropicEmulator } from './anthropic-emulator.mjs';
import { startCopilotEmulator } from './copilot-emulator.mjs';
import { ARTIFACTS, packageConsumer, prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

const waitFor = steps.waitFor;
const waitForStep = (n) => steps.waitForStep(w, n);
const startSignIn = (provider, account) => steps.startSignIn(w, provider, account);
const signIn = (provider, account, key) => steps.signIn(w, provider, account, key);
const deviceSignIn = (account) => steps.deviceSignIn(w, account);
const browserSignIn = (emu, account) => steps.browserSignIn(w, emu, account);
const authJson = (ready) => steps.authJson(w, ready);

const { KEY_WORK, KEY_PERSONAL, KEY_OPENAI, VSIX } = steps;

let extensions;
let w;

async function start(opts = {}) {
  w = await Workbench.start({ extensionsTemplate: extensions, ...opts });
  return w;
}

describe('Pi Accounts in a real VS Code host (code-server + Chromium)', function () {
  this.timeout(240_000);

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([VSIX, packageConsumer()]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it('1. fresh install: activates and the Accounts view welcomes with a Sign In button', async () => {
    await start();
    await w.openAccountsView();
    await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();
    // Logs reach disk a little after the fact: poll rather than read once.
    await waitFor(() =>
      /ExtensionService#_doActivateExtension pi-accounts\.pi-accounts/.test(
        w.logs()['remoteexthost.log'] ?? w.logs()['exthost.log'] ?? '',
      ),
    );
    await waitFor(() => /Activated in [\d.]+ ms/.test(w.logs()['Pi Accounts.log'] ?? ''));
    const ms = Number(/Activated in ([\d.]+) ms/.exec(w.logs()['Pi Accounts.log'])[1]);
    assert.ok(ms > 0, `activation logged ${ms} ms`); // how long: P1 (performance.test.mjs)
    console.log(`      activation: ${ms} ms (Pi Accounts log)`);
  });

  it('2. palette sign-in reaches the view, a new terminal, auth.json (0600) and the real pi', async () => {
    await start();
    await w.openAccountsView();
    await signIn('Anthropic', 'work', KEY_WORK);
    await w.treeRow('Anthropic').waitFor();
    const row = w.treeRow('work');
    await row.waitFor();
    assert.match(await row.textContent(), /in use · api key/);
    assert.equal(await w.terminalOutput('echo $ANTHROPIC_API_KEY'), KEY_WORK);
    assert.equal(statSync(w.authPath).mode & 0o777, 0o600);
    assert.deepEqual(await authJson(), { anthropic: { type: 'api_key', key: KEY_WORK } });
    assert.equal(await piKey(w.authPath, 'anthropic'), KEY_WORK);
    assert.ok(!(w.logs()['Pi Accounts.log'] ?? '').includes(KEY_WORK), 'the key never reaches the log');
  });

  it('3. a second account put in use from the context menu: terminal and auth.json follow', async () => {
    await start();
    await w.openAccountsView();
    await signIn('Anthropic', 'work', KEY_WORK);
    await signIn('Anthropic', 'personal', KEY_PERSONAL);
    await w.contextMenu(w.treeRow('personal'), /Use This Account/);
    await w.notification('now using "personal"');
    await w.page.waitForFunction(() =>
      [...document.querySelectorAll('.pane-body .monaco-list-row')].some((r) =>
        /personal\s*in use/.test(r.textContent),
      ),
    );
    assert.equal(await w.terminalOutput('echo $ANTHROPIC_API_KEY'), KEY_PERSONAL);
    await authJson((d) => d.anthropic?.key === KEY_PERSONAL);
    // Two providers, for a person to look at.
    await signIn('OpenAI', 'ci', KEY_OPENAI);
    await w.treeRow('OpenAI').waitFor();
    await w.page.keyboard.press('Escape');
    mkdirSync(ARTIFACTS, { recursive: true });
    await w.page.screenshot({ path: join(ARTIFACTS, 'accounts-view.png') });
    console.log(`      screenshot: ${join(ARTIFACTS, 'accounts-view.png')}`);
  });

  it('4. bad keys get a clear error and Escape half-way stores nothing', async () => {
    await start();
    await w.openAccountsView();
    await startSignIn('Anthropic', 'work');
    const input = w.page.locator('.quick-input-widget input');
    await input.fill('abcde');
    await w.page.waitForFunction(() =>
      /too short/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
    );
    await w.page.keyboard.press('Enter'); // refused while invalid: the box stays open
    assert.match(await w.quickInputTitle(), /\(3\/3\)/);
    await input.fill('your-api-key-goes-here-000000');
    await w.page.waitForFunction(() =>
      /placeholder/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
    );
    await w.page.keyboard.press('Escape');
    // Escape at step 2
    await w.runCommand('Pi Accounts: Sign In…');
    await w.answer('OpenAI', { pick: 'OpenAI' });
    await waitForStep(2);
    await w.page.keyboard.press('Escape');
    await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();
    assert.equal(existsSync(w.authPath), false, 'no auth.json written');
    assert.equal(await w.terminalOutput('echo "[$ANTHROPIC_API_KEY$OPENAI_API_KEY]"'), '[]');
  });

  it("5. sign out from the view: gone from view, terminals and auth.json; others' entries stay", async () => {
    const foreign = { type: 'api_key', key: 'gsk_someone-elses-groq-key-0000' };
    await start({ files: { 'pi-agent/auth.json': JSON.stringify({ groq: foreign }, null, 2) } });
    await w.openAccountsView();
    await signIn('Anthropic', 'work', KEY_WORK);
    await authJson((d) => d.anthropic?.key === KEY_WORK);
    await w.contextMenu(w.treeRow('work'), /Sign Out/);
    await w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Sign Out' }).click();
    await w.notification('Signed out of Anthropic / work');
    await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();
    assert.equal(await w.terminalOutput('echo "[$ANTHROPIC_API_KEY]"'), '[]');
    assert.deepEqual(await authJson((d) => !d.anthropic), { groq: foreign });
  });

  it('6. a corrupt auth.json: the person is told, can open it, and it stays byte-for-byte', async () => {
    const corrupt = '{"anthropic": {"type": "api_key", "key": "sk-ant-trunc';
    await start({ files: { 'pi-agent/auth.json': corrupt } });
    await w.openAccountsView();
    await signIn('Anthropic', 'work', KEY_WORK);
    const toast = await w.notification('cannot be read');
    await toast.getByRole('button', { name: 'Open auth.json' }).click();
    // The same warning as the Open pi's auth.json command: the file shows keys in plain text.
    const modal = w.page.locator('.monaco-dialog-box', { hasText: 'shows your keys in plain text' });
    await modal.getByRole('button', { name: 'Open Anyway' }).click();
    await w.page.locator('.tabs-container .tab', { hasText: 'auth.json' }).waitFor();
    assert.equal(readFileSync(w.authPath, 'utf8'), corrupt);
    // The account itself is safe in VS Code and still reaches terminals.
    assert.equal(await w.terminalOutput('echo $ANTHROPIC_API_KEY'), KEY_WORK);
  });

  it('7. another extension gets the key through vscode.authentication after consent, and hears the sign-out', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
    await start({ env: { PI_CONSUMER_OUT: outDir } });
    await w.openAccountsView();
    await signIn('Anthropic', 'work', KEY_WORK);
    await w.runCommand('Pi Accounts Consumer: Get Anthropic Session');
    await w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' }).click();
    // supportsMultipleAccounts: VS Code then asks which account to hand over.
    await w.answer('work', { pick: 'work' });
    const sessionFile = join(outDir, 'session.jsonl');
    await waitFor(() => existsSync(sessionFile));
    assert.deepEqual(JSON.parse(readFileSync(sessionFile, 'utf8').trim()), { accessToken: KEY_WORK, account: 'work' });
    const eventsBefore = linesOf(join(outDir, 'events.jsonl'));
    await w.contextMenu(w.treeRow('work'), /Sign Out/);
    await w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Sign Out' }).click();
    await waitFor(() => linesOf(join(outDir, 'events.jsonl')) > eventsBefore);
  });

  // VS Code itself creates no terminal in Restricted Mode without asking for trust first, so
  // "no key in new terminals" is checked as: nothing exported while restricted, Cancel creates
  // no terminal, and the key reaches terminals only once the person trusts the folder.
  it('8. untrusted workspace: no key exported until the folder is trusted', async () => {
    await start({ trusted: false });
    await w.openAccountsView();
    await signIn('Anthropic', 'work', KEY_WORK);
    await authJson((d) => d.anthropic?.key === KEY_WORK); // auth.json is not workspace content: still mirrored
    assert.match(w.logs()['Pi Accounts.log'], /Restricted Mode: no keys are exported/);
    assert.doesNotMatch(w.logs()['Pi Accounts.log'], /Terminal environment: ANTHROPIC_API_KEY/);
    const trustDialog = w.page.locator('.monaco-dialog-box', { hasText: 'Do you trust the authors' });
    await w.runCommand('Terminal: Create New Terminal');
    await trustDialog.getByRole('button', { name: 'Cancel' }).click();
    await w.page.waitForTimeout(1000);
    assert.doesNotMatch(
      w.logs()['Pi Accounts.log'],
      /Terminal environment: ANTHROPIC_API_KEY/,
      'still nothing exported',
    );
    await w.runCommand('Terminal: Kill All Terminals').catch(() => undefined);
    const output = await w.terminalOutput('echo "[$ANTHROPIC_API_KEY]"', {
      afterCreate: () => trustDialog.getByRole('button', { name: 'Trust Folder & Continue' }).click(),
    });
    assert.equal(output, `[${KEY_WORK}]`, 'after trust is granted, new terminals get the key');
  });

  it('9. the in-host API suite (test/host/suite, also run by @vscode/test-electron) passes inside the host', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'pi-suite-out-'));
    await start({
      env: {
        PI_CONSUMER_OUT: outDir,
        PI_ACCOUNTS_SUITE: join(process.cwd(), 'test/host/suite/index.js'),
        PI_ACCOUNTS_REPO: process.cwd(),
      },
    });
    await w.runCommand('Pi Accounts Consumer: Run In-Host Suite');
    const file = join(outDir, 'suite.jsonl');
    await waitFor(() => existsSync(file), 90_000);
    const results = JSON.parse(readFileSync(file, 'utf8').trim());
    for (const t of results.passed) console.log(`      in host ✔ ${t}`);
    assert.deepEqual(results.failed, []);
    assert.equal(results.passed.length, 4);
  });

  it("10. a key already in VS Code's environment is offered instead of typing it", async () => {
    await start({ env: { OPENAI_API_KEY: KEY_OPENAI } });
    await w.openAccountsView();
    await startSignIn('OpenAI', 'from-env');
    await w.answer('', { pick: 'Use $OPENAI_API_KEY' });
    await w.notification('as "from-env"');
    await authJson((d) => d.openai?.key === KEY_OPENAI);
  });

  it('11. GitHub Copilot device flow in the editor: modal, Copy & Open, progress, cancel, then success', async () => {
    const emu = await startCopilotEmulator();
    try {
      await start({ env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: emu.env() } });
      await w.openAccountsView();

      // First attempt: the code is shown, copied and the page opened, but never entered → Cancel.
      const first = await deviceSignIn('work');
      mkdirSync(ARTIFACTS, { recursive: true });
      await w.page.screenshot({ path: join(ARTIFACTS, 'copilot-device-code-modal.png') });
      const popup = w.page.context().waitForEvent('page');
      await first.modal.getByRole('button', { name: 'Copy & Open' }).click();
      const opened = await popup;
      await opened.waitForLoadState();
      // code-server serves loopback pages through its own /proxy/<port>/ path: still the same page.
      assert.match(
        new URL(opened.url()).pathname,
        /^(\/proxy\/\d+)?\/login\/device$/,
        'the verification page was opened',
      );
      await waitFor(() => emu.stats.visits.length === 1);
      assert.equal(
        await w.page.evaluate(() => navigator.clipboard.readText()),
        first.code,
        'the code is on the clipboard',
      );
      await opened.close();
      const progress = await w.notification(`Waiting for you to enter ${first.code}`);
      await w.page.screenshot({ path: join(ARTIFACTS, 'copilot-device-progress.png') });
      await waitFor(() => emu.stats.polls >= 1);
      await progress.hover();
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await progress.waitFor({ state: 'hidden' });
      const polls = emu.stats.polls;
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(emu.stats.polls <= polls + 1, 'polling stopped on cancel');
      assert.equal(existsSync(w.authPath), false, 'a cancelled sign-in stores nothing');
      await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();

      // Second attempt: the person enters the code on the page → signed in.
      emu.approveOnVisit();
      const second = await deviceSignIn('work');
      const popup2 = w.page.context().waitForEvent('page');
      await second.modal.getByRole('button', { name: 'Copy & Open' }).click();
      await (await popup2).waitForLoadState();
      await w.notification('Signed in to GitHub Copilot as "work"', 30_000);
      const row = w.treeRow('work');
      await row.waitFor();
      // The kind is the row's icon and tooltip; the row's figure says Copilot's usage is not readable here.
      assert.match(await row.textContent(), /in use · (device|usage unavailable)/);
      const entry = (await authJson((d) => d['github-copilot']))['github-copilot'];
      assert.equal(entry.type, 'oauth');
      assert.match(entry.refresh, /^gho_hostEmulatorToken/);
      assert.match(entry.access, /^tid=host\d+;.*proxy-ep=/);
      assert.ok(Math.abs(entry.expires - (Date.now() + 25 * 60_000)) < 60_000, 'expires_at·1000 − 5 min');
      assert.equal(await piKey(w.authPath, 'github-copilot'), entry.access, 'pi 1.6 reads the same token');
      assert.equal(await w.terminalOutput('echo $COPILOT_GITHUB_TOKEN'), entry.access);
      const log = w.logs()['Pi Accounts.log'] ?? '';
      assert.ok(!log.includes(entry.refresh) && !log.includes(entry.access), 'no token in the log');
      console.log(
        `      device flow: ${emu.stats.polls} polls, ${emu.stats.exchanges} Copilot token exchange(s); modal screenshot test-results/host/copilot-device-code-modal.png`,
      );
    } finally {
      await emu.close();
    }
  });

  it('12. usage-based rotation: two Claude Pro/Max accounts; the first crosses the threshold → view, terminal and auth.json switch', async () => {
    const emu = await startAnthropicEmulator();
    try {
      await start({
        env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: emu.env() },
        settings: { 'piAccounts.rotation.mode': 'usage-based', 'piAccounts.rotation.threshold': 80 },
      });
      await w.openAccountsView();
      emu.setUsage(1, 30, 12);
      emu.setUsage(2, 10, 5);
      const ways = [await browserSignIn(emu, 'max-1'), await browserSignIn(emu, 'max-2')];
      const row1 = w.treeRow('max-1');
      await w.page.waitForFunction(() => /5h 30%/.test(document.querySelector('.pane-body')?.textContent ?? ''), null, {
        timeout: 30_000,
      });
      assert.match(await row1.textContent(), /in use · 5h 30%(?! ·)/); // the fullest window; the globe icon says browser
      assert.equal(emu.tokenOf(1) !== undefined && emu.tokenOf(2) !== undefined, true);
      assert.equal((await authJson((d) => d.anthropic?.access === emu.tokenOf(1))).anthropic.type, 'oauth');

      // The first account crosses the threshold.
      emu.setUsage(1, 85, 40);
      await w.runCommand('Pi Accounts: Refresh Usage');
      await w.page.waitForFunction(
        () => /max-2.*in use/.test(document.querySelector('.pane-body')?.textContent ?? ''),
        null,
        { timeout: 30_000 },
      );
      assert.match(await w.treeRow('max-1').textContent(), /resting until .* · 5h 85%(?! ·)/);
      await authJson((d) => d.anthropic?.access === emu.tokenOf(2));
      assert.equal(await piKey(w.authPath, 'anthropic'), emu.tokenOf(2), 'pi 1.6 now gets the second account');
      assert.equal(await w.terminalOutput('echo $ANTHROPIC_OAUTH_TOKEN'), emu.tokenOf(2));
      await waitFor(() =>
        /Active anthropic account: max-1 → max-2 \(max-1 is resting until .*; max-2 has the most headroom \(10 % used\)\)/.test(
          w.logs()['Pi Accounts.log'] ?? '',
        ),
      );
      const log = w.logs()['Pi Accounts.log'];
      assert.ok(!log.includes(emu.tokenOf(1)) && !log.includes(emu.tokenOf(2)), 'no token in the log');
      const status = w.page.locator('.statusbar-item', { hasText: 'max-2' });
      await status.waitFor();
      assert.match(await status.textContent(), /max-2 2\/2 \(rotated\) · 90% left/);

      mkdirSync(ARTIFACTS, { recursive: true });
      // The README's first picture: no terminal, a window small enough to read at page width, the
      // rows at the default sidebar width (they fit it), the tooltip with its bars.
      await w.runCommand('View: Hide Panel');
      await steps.readmeWindow(w);
      assert.match(await w.treeRow('max-1').textContent(), /5h 85%(?! ·)/);
      await w.treeRow('max-1').hover();
      await w.page
        .locator('.monaco-hover, .workbench-hover')
        .first()
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
      await w.page.screenshot({ path: join(ARTIFACTS, 'accounts-view-quota.png') });
      console.log(
        `      sign-ins completed by ${ways.join(', ')}; rotation: max-1 (85 %) → max-2 (10 %); ${emu.stats.usage} usage requests; screenshot test-results/host/accounts-view-quota.png`,
      );
    } finally {
      await emu.close();
    }
  });

  it("16. pi-ai's own Claude login: its select prompt and the paste box (3/3); Escape at either stores nothing; then a browser sign-in", async () => {
    const emu = await startAnthropicEmulator();
    try {
      await start({ env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: emu.env() } });
      await w.openAccountsView();
      mkdirSync(ARTIFACTS, { recursive: true });
      const toStep3 = async () => {
        await w.runCommand('Pi Accounts: Sign In…');
        await w.answer('Claude Pro/Max', { pick: 'sign in with the browser' });
        await waitForStep(2);
        await w.answer('max-1');
        await waitForStep(3);
      };
      // pi-ai asks how (a select prompt): a QuickPick at step 3. Escape there ends the sign-in.
      await toStep3();
      await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Browser login' }).waitFor();
      await w.page.screenshot({ path: join(ARTIFACTS, 'pi-login-select.png') });
      await w.page.keyboard.press('Escape');
      await w.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
      // The paste box opens with the browser, numbered like the other steps; Escape there ends it too.
      await toStep3();
      const popup = w.page.context().waitForEvent('page');
      await w.answer('Copy code', { pick: 'Copy code login' });
      const page = await popup;
      const pasteBox = w.page.locator('.quick-input-widget .quick-input-message', { hasText: 'Paste the code' });
      await pasteBox.waitFor();
      assert.match(await w.quickInputTitle(), /Sign In to Claude Pro\/Max \(3\/3\)/);
      await w.page.screenshot({ path: join(ARTIFACTS, 'pi-login-paste-box.png') });
      await w.page.keyboard.press('Escape');
      await w.page.locator('.notification-toast', { hasText: 'Signing in to' }).waitFor({ state: 'hidden' });
      await page.close();
      assert.equal(emu.stats.tokens, 0, 'no code was exchanged');
      assert.equal(existsSync(w.authPath), false, 'a cancelled sign-in stores nothing');
      await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();
      // Then the whole browser sign-in, through pi-ai's callback server or the paste box.
      const how = await browserSignIn(emu, 'max-1');
      const entry = (await authJson((d) => d.anthropic)).anthropic;
      assert.equal(entry.type, 'oauth');
      assert.equal(entry.access, emu.tokenOf(1));
      console.log(
        `      pi-ai's Claude login finished by ${how}; screenshots test-results/host/pi-login-select.png, pi-login-paste-box.png`,
      );
    } finally {
      await emu.close();
    }
  });

  it('13. secrets audit: after every flow, no secret in logs, globalState/workspaceState, settings or any file but auth.json', async () => {
    const claude = await startAnthropicEmulator({ expiresIn: 301 }); // pi-style expiry: now + 1 s, so every use refreshes
    const copilot = await startCopilotEmulator();
    try {
      const env = JSON.stringify({ ...JSON.parse(claude.env()), ...JSON.parse(copilot.env()) });
      await start({
        env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: env },
        settings: { 'piAccounts.rotation.mode': 'usage-based' },
      });
      await w.openAccountsView();
      // API key, with a refused key first.
      await startSignIn('OpenAI', 'key');
      await w.page.locator('.quick-input-widget input').fill('sk-short');
      await w.page.waitForFunction(() =>
        /too short/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
      );
      await w.answer(KEY_OPENAI);
      await w.notification('as "key"');
      // Device flow.
      copilot.approveOnVisit();
      const device = await deviceSignIn('gh');
      const popup = w.page.context().waitForEvent('page');
      await device.modal.getByRole('button', { name: 'Copy & Open' }).click();
      await (await popup).close();
      await w.notification('Signed in to GitHub Copilot as "gh"', 30_000);
      // Browser sign-in twice, refreshes (every quota fetch refreshes these short tokens), rotation.
      claude.setUsage(1, 90, 10);
      claude.setUsage(2, 5, 5);
      await browserSignIn(claude, 'max-1');
      await browserSignIn(claude, 'max-2');
      await w.runCommand('Pi Accounts: Refresh Usage');
      await waitFor(
        () =>
          (claude.stats.refreshes ?? 0) >= 2 &&
          /Active anthropic account: .* → max-2/.test(w.logs()['Pi Accounts.log'] ?? ''),
        30_000,
      );
      // An error path: the provider revokes max-2, the next refresh is refused.
      claude.revoke(2);
      // A refresh already under way when the revocation happened still succeeds; ask until the
      // next one is refused (a minimum interval applies to usage, not to forced refreshes).
      for (let i = 0; ; i++) {
        await w.runCommand('Pi Accounts: Refresh Usage');
        const shown = await w.page
          .waitForFunction(() => /needs sign-in/.test(document.querySelector('.pane-body')?.textContent ?? ''), null, {
            timeout: 5000,
          })
          .then(
            () => true,
            () => false,
          );
        if (shown) break;
        if (i === 5) throw new Error('the revoked account was never marked "needs sign-in"');
      }
      // Sign out of the key account.
      await w.runCommand('Pi Accounts: Sign Out…');
      await w.answer('key', { pick: 'key' });
      await w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Sign Out' }).click();
      await w.notification('Signed out of OpenAI / key');
      await new Promise((r) => setTimeout(r, 3000)); // logs and state reach disk late

      const secrets = [KEY_OPENAI, ...claude.issued, ...copilot.stats.issued];
      const storage = await w.browserStorage();
      const files = w.files().filter((f) => f !== w.authPath); // auth.json holds them on purpose, 0600
      const hits = [];
      for (const secret of secrets) {
        for (const [where, key, value] of storage)
          if (value.includes(secret) || key.includes(secret)) hits.push(`${where} ${key}`);
        for (const f of files) if (readFileSync(f).includes(secret)) hits.push(f);
      }
      const ours = storage
        .filter(([, key]) => key === 'pi-accounts.pi-accounts')
        .map(([, , v]) => v)
        .join('');
      assert.ok(ours.length > 0, 'our globalState was found and scanned');
      assert.ok(
        files.some((f) => f.endsWith('Pi Accounts.log')),
        'our log was found and scanned',
      );
      assert.deepEqual(hits, []);
      console.log(
        `      secrets audit: ${secrets.length} secrets (API key, ${claude.issued.length} Claude tokens incl. ${claude.stats.refreshes} refreshes, ${copilot.stats.issued.length} GitHub/Copilot tokens) x ${storage.length} browser-storage entries and ${files.length} files: 0 hits`,
      );
    } finally {
      await claude.close();
      await copilot.close();
    }
  });

  it('14. several values through the palette (Bedrock profile, Cloudflare from a dashboard URL) and keys imported from the environment', async () => {
    const CF = '0123456789abcdef0123456789abcdef';
    const GROQ = 'gsk_hostImportFromEnv_0123456789abcdef';
    const AZURE = 'azure-key-hostImport-0123456789abcdef';
    await start({
      env: { GROQ_API_KEY: GROQ, AZURE_OPENAI_API_KEY: AZURE, AZURE_OPENAI_RESOURCE_NAME: 'my-resource' },
    });
    await w.openAccountsView();
    const prompt = async (label, text) => {
      await w.page.locator('.quick-input-widget .quick-input-message', { hasText: label }).waitFor();
      await w.answer(text);
    };
    // Amazon Bedrock with an AWS profile: values only, nothing for auth.json.
    await startSignIn('Amazon Bedrock', 'work');
    await w.answer('AWS profile', { pick: 'AWS profile' });
    await prompt('Profile name', 'work-sso');
    await w.page.locator('.quick-input-widget .quick-input-message', { hasText: 'AWS region' }).waitFor();
    await w.page.locator('.quick-input-widget input').fill('mars-1');
    await w.page.waitForFunction(() =>
      /region like us-east-1/.test(
        document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? '',
      ),
    );
    await w.answer('eu-west-1');
    await w.notification('Signed in to Amazon Bedrock as "work"');
    // Cloudflare Workers AI: the account id comes from a pasted dashboard URL.
    await startSignIn('Cloudflare Workers AI', 'cf');
    await prompt('API token', 'cf-token-hostScenario-0123456789');
    await prompt('Account id, dashboard URL or base URL', `https://dash.cloudflare.com/${CF}/ai/workers-ai`);
    await w.notification('Signed in to Cloudflare Workers AI as "cf"');
    // Keys already in the environment.
    await w.runCommand('Pi Accounts: Import Keys from the Environment…');
    await w.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Groq' }).waitFor({ timeout: 20_000 });
    const rows = await w.page.locator('.quick-input-list .monaco-list-row').allTextContents();
    assert.ok(
      rows.some((r) => /Azure.*\$AZURE_OPENAI_API_KEY.*cdef \+ AZURE_OPENAI_RESOURCE_NAME/.test(r)), // pi's name: Azure
      rows.join(' | '),
    );
    assert.ok(!rows.join('').includes(GROQ), 'only a masked tail is shown');
    await w.page.keyboard.press('Enter');
    await w.notification('Imported 2 keys from the environment');
    const data = await authJson((d) => d.groq && d.azure && d['cloudflare-workers-ai']);
    assert.deepEqual(data.groq, { type: 'api_key', key: GROQ });
    // pi 1.x reads the other values from the credential's `env`, and a profile as one too.
    assert.deepEqual(data.azure, { type: 'api_key', key: AZURE, env: { AZURE_OPENAI_RESOURCE_NAME: 'my-resource' } });
    assert.deepEqual(data['amazon-bedrock'], {
      type: 'api_key',
      env: { AWS_PROFILE: 'work-sso', AWS_REGION: 'eu-west-1' },
    });
    assert.equal(
      await w.terminalOutput('echo "$AWS_PROFILE $AWS_REGION $CLOUDFLARE_ACCOUNT_ID $AZURE_OPENAI_RESOURCE_NAME"'),
      `work-sso eu-west-1 ${CF} my-resource`,
    );
    console.log(
      '      Bedrock (profile + region) and Cloudflare (account from a dashboard URL) via the palette; Groq and Azure (+ resource name) imported from the environment',
    );
  });

  it('15. language models: another extension picks a Pi Accounts model with vscode.lm and gets the streamed reply; a revoked key is replaced with Sign In Again', async () => {
    const RUNS = 20;
    const reply = ['Hello', ' from', ' the', ' emulator', '.'];
    let requests = 0;
    let validKey; // once set, other keys get 401, as when a provider revokes a key
    const seenKeys = new Set();
    // Groq's wire format (OpenAI Chat Completions, streamed), 40 ms before the first chunk.
    const emu = createServer(async (req, res) => {
      for await (const _ of req) void _;
      if (req.method === 'GET' && req.url === '/models') {
        // The provider's own list, which Pi Accounts adds to its built-in models once a day.
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ object: 'list', data: [{ id: 'llama-3.3-70b-versatile' }, { id: 'qwen/qwen3-32b' }] }),
        );
      }
      requests++;
      seenKeys.add(req.headers.authorization);
      if (validKey && req.headers.authorization !== `Bearer ${validKey}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'Invalid API Key', type: 'invalid_request_error' } }));
      }
      await new Promise((r) => setTimeout(r, 40));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const [i, part] of reply.entries())
        res.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: part }, finish_reason: i === reply.length - 1 ? 'stop' : null }] })}\n\n`,
        );
      res.end(
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 5 } })}\n\ndata: [DONE]\n\n`,
      );
    });
    await new Promise((r) => emu.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${emu.address().port}`;
    try {
      const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
      await start({
        env: {
          PI_CONSUMER_OUT: outDir,
          PI_CONSUMER_CHAT_RUNS: String(RUNS),
          PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify({ groq: { models: base } }),
        },
        settings: { 'chat.disableAIFeatures': false },
      });
      await w.openAccountsView();
      await signIn('Groq', 'work', 'gsk_hostLanguageModel_0123456789abcdef');
      await w.runCommand('Pi Accounts Consumer: Chat With a Pi Accounts Model');
      const chatFile = join(outDir, 'chat.jsonl');
      // VS Code asks once whether the extension may use these models.
      const allow = w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
      await Promise.race([
        allow.click({ timeout: 15_000 }).catch(() => undefined),
        waitFor(() => existsSync(chatFile), 15_000).catch(() => undefined),
      ]);
      await waitFor(() => existsSync(chatFile), 60_000);
      const chat = JSON.parse(readFileSync(chatFile, 'utf8').trim());
      assert.equal(chat.error, undefined, chat.error);
      assert.equal(chat.text, 'Hello from the emulator.');
      const models = JSON.parse(readFileSync(join(outDir, 'models.jsonl'), 'utf8').trim());
      assert.ok(
        models.some((m) => m.family === 'groq' && /llama/i.test(m.name)),
        JSON.stringify(models),
      );
      assert.equal(requests, RUNS);
      assert.deepEqual(
        [...seenKeys],
        ['Bearer gsk_hostLanguageModel_0123456789abcdef'],
        'served with the signed-in key',
      );
      await waitFor(() => /served by groq\/work/.test(w.logs()['Pi Accounts.log'] ?? ''));
      // The same request straight to the emulator, for the bridge's overhead.
      const direct = [];
      for (let i = 0; i < RUNS; i++) {
        const started = Date.now();
        const res = await fetch(`${base}/chat/completions`, { method: 'POST', body: '{}' });
        const reader = res.body.getReader();
        await reader.read();
        direct.push(Date.now() - started);
        while (!(await reader.read()).done);
      }
      const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const bridged = median(chat.firstTokenMs);
      console.log(
        `      time to first token, median of ${RUNS}: through vscode.lm and Pi Accounts ${bridged} ms, emulator directly ${median(direct)} ms → overhead ${bridged - median(direct)} ms`,
      );
      await steps.readmeWindow(w);
      await w.treeRow('work').hover();
      await w.page
        .locator('.monaco-hover, .workbench-hover', { hasText: 'Today as a VS Code model' })
        .first()
        .waitFor({ timeout: 10_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await w.page.screenshot({ path: join(ARTIFACTS, 'language-model-usage.png') });

      // The provider revokes the key: the account is marked, and Sign In Again takes a new key.
      const lastChat = () => JSON.parse(readFileSync(chatFile, 'utf8').trim().split('\n').at(-1));
      const NEW_KEY = 'gsk_hostReplacedKey_0123456789abcdef';
      validKey = NEW_KEY;
      const lines = readFileSync(chatFile, 'utf8').trim().split('\n').length;
      await w.runCommand('Pi Accounts Consumer: Chat With a Pi Accounts Model');
      await waitFor(() => readFileSync(chatFile, 'utf8').trim().split('\n').length > lines, 30_000);
      assert.match(lastChat().error, /401|Invalid API Key/);
      await w.page.waitForFunction(
        () => /work.*needs sign-in/.test(document.querySelector('.pane-body')?.textContent ?? ''),
        null,
        { timeout: 20_000 },
      );
      await w.contextMenu(w.treeRow('work'), /Sign In Again/);
      await w.page.locator('.quick-input-widget .quick-input-title', { hasText: 'New Key for Groq / work' }).waitFor();
      await w.answer(NEW_KEY);
      await w.notification('Groq / work is signed in again');
      await w.runCommand('Pi Accounts Consumer: Chat With a Pi Accounts Model');
      await waitFor(() => readFileSync(chatFile, 'utf8').trim().split('\n').length > lines + 1, 30_000);
      assert.equal(lastChat().text, 'Hello from the emulator.', 'the new key serves');
      assert.equal((await authJson((d) => d.groq?.key === NEW_KEY)).groq.key, NEW_KEY);
    } finally {
      emu.closeAllConnections();
      emu.close();
    }
  });

  it("17. the Usage panel: this week's tokens as a chart, a key's balance, two providers and a resting account (issue 29)", async () => {
    const claude = await startAnthropicEmulator();
    const GROQ_KEY = 'gsk_hostUsageChart_0123456789abcdef';
    const DEEPSEEK_KEY = 'sk-hostDeepseekBalance0123456789';
    // Groq's wire (streamed Chat Completions, with usage) and DeepSeek's balance endpoint, each
    // refusing any other key with 401 as the real ones do.
    const api = createServer(async (req, res) => {
      for await (const _ of req) void _;
      const json = (status, body) => (
        res.writeHead(status, { 'content-type': 'application/json' }),
        res.end(JSON.stringify(body))
      );
      if (req.url === '/user/balance')
        return req.headers.authorization !== `Bearer ${DEEPSEEK_KEY}`
          ? json(401, { error: { message: 'Authentication Fails', type: 'authentication_error' } })
          : json(200, {
              is_available: true,
              balance_infos: [
                { currency: 'USD', total_balance: '0.42', granted_balance: '0.00', topped_up_balance: '0.42' },
              ],
            });
      if (req.headers.authorization !== `Bearer ${GROQ_KEY}`)
        return json(401, { error: { message: 'Invalid API Key' } });
      if (req.method === 'GET' && req.url === '/models')
        return json(200, { object: 'list', data: [{ id: 'llama-3.3-70b-versatile' }] });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hello.' }, finish_reason: 'stop' }] })}\n\n`,
      );
      res.end(
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1200, completion_tokens: 340 } })}\n\ndata: [DONE]\n\n`,
      );
    });
    await new Promise((r) => api.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${api.address().port}`;
    try {
      const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
      await start({
        env: {
          PI_CONSUMER_OUT: outDir,
          PI_CONSUMER_CHAT_RUNS: '3',
          PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify({
            ...JSON.parse(claude.env()),
            groq: { models: base },
            deepseek: { balance: base },
          }),
        },
        settings: {
          'chat.disableAIFeatures': false,
          'piAccounts.rotation.mode': 'usage-based',
          'piAccounts.rotation.threshold': 80,
        },
      });
      await w.openAccountsView();
      claude.setUsage(1, 30, 12);
      claude.setUsage(2, 10, 5);
      await browserSignIn(claude, 'max-1');
      await browserSignIn(claude, 'max-2');
      await signIn('Groq', 'work', GROQ_KEY);
      await signIn('DeepSeek', 'ds', DEEPSEEK_KEY);
      // Tokens through VS Code's language models: the ledger's figures for today.
      await w.runCommand('Pi Accounts Consumer: Chat With a Pi Accounts Model');
      const chatFile = join(outDir, 'chat.jsonl');
      const allow = w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
      await Promise.race([
        allow.click({ timeout: 15_000 }).catch(() => undefined),
        waitFor(() => existsSync(chatFile), 15_000).catch(() => undefined),
      ]);
      await waitFor(() => existsSync(chatFile), 60_000);
      assert.equal(JSON.parse(readFileSync(chatFile, 'utf8').trim()).text, 'Hello.');
      // max-1 crosses the threshold: it rests, max-2 takes over.
      claude.setUsage(1, 85, 40);
      await w.runCommand('Pi Accounts: Refresh Usage');
      await w.page.waitForFunction(
        () => /max-2.*in use/.test(document.querySelector('.pane-body')?.textContent ?? ''),
        null,
        { timeout: 30_000 },
      );
      // The key's balance on its row: low, so usage-based rotation picks it last.
      await w.page.waitForFunction(
        () => /ds.*\$0\.42 left/.test(document.querySelector('.pane-body')?.textContent ?? ''),
        null,
        { timeout: 30_000 },
      );
      await w.runCommand('Notifications: Clear All Notifications');
      await w.runCommand('View: Close Primary Side Bar');
      await w.runCommand('Pi Accounts: Show Usage');
      const panel = await usageFrame(
        w.page,
        (t) => /Resting until/.test(t) && /This week/.test(t) && /\$0\.42/.test(t),
      );
      const text = await panel.locator('main').textContent();
      assert.match(text, /max-1.*resting.*5h\s*85%/s);
      assert.match(text, /Groq.*work.*Today:\s*3,600\s*in,\s*1,020\s*out,\s*3 requests · This week:\s*4,620\s*tokens/s);
      assert.match(text, /DeepSeek.*ds.*\$0\.42 left — low: other accounts are picked first/s);
      // The chart: seven days, today's bar drawn, a table of the same figures for screen readers.
      assert.equal(await panel.locator('svg.chart[role="img"]').count(), 1);
      assert.equal(await panel.locator('svg.chart rect.in').count(), 7);
      const today = await panel.evaluate(() => {
        const bars = [...document.querySelectorAll('svg.chart rect.in')];
        return Number(bars.at(-1).getAttribute('height'));
      });
      assert.ok(today > 30, `today's bar is ${today} px high`);
      assert.match(await panel.locator('table.sr-only').textContent(), /3,600\s*1,020\s*3/);
      await w.page.setViewportSize({ width: 1400, height: 900 });
      await panel.locator('svg.chart').waitFor();
      mkdirSync(ARTIFACTS, { recursive: true });
      await w.page.screenshot({ path: join(ARTIFACTS, 'U19-usage-panel-week-balance.png') });
      console.log('      screenshot: test-results/host/U19-usage-panel-week-balance.png');
    } finally {
      api.closeAllConnections();
      api.close();
      await claude.close();
    }
  });
});

function linesOf(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length : 0;
}

/** The Usage panel's frame (a webview's), once it shows what `ready` looks for. */
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
