// The browser step of a sign-in (issue 29 item 7, issue 22): Cancel on VS Code's own "open the
// external website?" question, in the real host.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAnthropicEmulator } from './anthropic-emulator.mjs';
import { ARTIFACTS, prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

let extensions;
let w;

describe('The browser step of a sign-in (real VS Code host)', function () {
  this.timeout(240_000);

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it('B1. Cancel on "open the external website?" during the Claude sign-in: nothing copied unasked, no "could not open"; the paste box (3/3) at once, with Copy Sign-In Link', async () => {
    const emu = await startAnthropicEmulator();
    try {
      // Only the token endpoint on loopback: the sign-in page stays claude.ai's, which VS Code
      // asks about before opening (a loopback address is trusted and opens without asking).
      const routes = { anthropic: { tokenUrl: `${emu.base}/v1/oauth/token` } };
      w = await Workbench.start({
        extensionsTemplate: extensions,
        env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify(routes) },
      });
      await w.openAccountsView();
      mkdirSync(ARTIFACTS, { recursive: true });
      const clipboard = () => w.page.evaluate(() => navigator.clipboard.readText());
      await w.page.evaluate(() => navigator.clipboard.writeText('what the person copied before'));
      await w.runCommand('Pi Accounts: Sign In…');
      await w.answer('Claude Pro/Max', { pick: 'sign in with the browser' });
      await steps.waitForStep(w, 2);
      await w.answer('max-1');
      await steps.waitForStep(w, 3);
      await w.answer('', { pick: 'Browser login' });
      const dialog = w.page.locator('.monaco-dialog-box', { hasText: /open the external website/i });
      await dialog.waitFor();
      await w.page.screenshot({ path: join(ARTIFACTS, 'B1-open-external-question.png') });
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      // The paste box is there at once, numbered like the other steps, with the link as a button.
      const box = w.page.locator('.quick-input-widget');
      // code-server is a remote window whose forward of the callback changes its port: the box says
      // pasting is the way back (issue 28 item 4); a local window keeps pi-ai's own words.
      await box
        .locator('.quick-input-message', {
          hasText: /paste the authorization code|This window runs on .* paste it here/,
        })
        .waitFor();
      assert.match(await w.quickInputTitle(), /Sign In to Claude Pro\/Max \(3\/3\)/);
      const copy = box.locator('a[aria-label="Copy Sign-In Link"]').first();
      await copy.waitFor();
      assert.equal(await clipboard(), 'what the person copied before', 'nothing was copied unasked');
      const toasts = await w.page.locator('.notification-toast').allTextContents();
      assert.ok(
        !toasts.some((t) => /could not|not opened|clipboard/i.test(t)),
        `no message says the browser failed: ${JSON.stringify(toasts)}`,
      );
      await w.page.screenshot({ path: join(ARTIFACTS, 'B1-cancelled-paste-box.png') });
      await copy.click();
      // Polls the clipboard (a state, read through the page) until the link is there.
      for (let tries = 0; !/^https:\/\/claude\.ai\/oauth\/authorize\?/.test(await clipboard()); tries++) {
        if (tries > 100) throw new Error(`the link never reached the clipboard: ${await clipboard()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await box.locator('.quick-input-message', { hasText: 'The sign-in link is on the clipboard' }).waitFor();
      await w.page.screenshot({ path: join(ARTIFACTS, 'B1-link-copied.png') });
      // Escape there ends the sign-in, and nothing is stored.
      await w.page.keyboard.press('Escape');
      await w.page.locator('.notification-toast', { hasText: 'Signing in to' }).waitFor({ state: 'hidden' });
      assert.equal(emu.stats.tokens, 0, 'no code was exchanged');
      assert.equal(existsSync(w.authPath), false, 'a cancelled sign-in stores nothing');
      await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();
      console.log(
        '      screenshots test-results/host/B1-open-external-question.png, B1-cancelled-paste-box.png, B1-link-copied.png',
      );
    } finally {
      await emu.close();
    }
  });

  it("B2. the picker says what a sign-in really offers: Radius and ChatGPT Plus/Pro ask pi-ai's question first (the browser or a device code)", async () => {
    w = await Workbench.start({ extensionsTemplate: extensions });
    mkdirSync(ARTIFACTS, { recursive: true });
    await w.runCommand('Pi Accounts: Sign In…');
    const rows = w.page.locator('.quick-input-list .monaco-list-row');
    const row = (label) => rows.filter({ has: w.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
    await w.page.locator('.quick-input-widget input').fill('radius');
    await row('Radius').first().waitFor();
    const radius = await row('Radius').allTextContents();
    assert.ok(
      radius.some((t) => /sign in with the browser or a device code/.test(t)),
      `Radius offers both: ${JSON.stringify(radius)}`,
    );
    assert.ok(!radius.some((t) => /sign in with a device code$/m.test(t)), 'not labelled device only');
    await w.page.screenshot({ path: join(ARTIFACTS, 'B2-radius-sign-in-ways.png') });
    await w.page.locator('.quick-input-widget input').fill('openai-codex');
    await row('OpenAI \\(ChatGPT Plus/Pro\\)').first().waitFor();
    assert.match(
      (await row('OpenAI \\(ChatGPT Plus/Pro\\)').allTextContents()).join('\n'),
      /the browser or a device code/,
    );
    await w.page.keyboard.press('Escape');
    console.log('      screenshot test-results/host/B2-radius-sign-in-ways.png');
  });
});
