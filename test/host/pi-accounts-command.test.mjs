// Host scenario for pi's `/accounts` (issue 27 item 6): pi 1.6's own terminal UI runs in an
// integrated terminal of the real VS Code host; the person types /accounts, picks B in pi's list,
// and the window switches (the view, auth.json), pi's footer follows, and pi's next request
// carries B. Everything is read from the terminal's text (the DOM renderer) and waited for.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, prepareExtensions, Workbench } from './harness.mjs';
import { modelsJson, startLlmEmulator } from './llm-emulator.mjs';
import * as steps from './steps.mjs';
import { ensureNode24 } from './setup.mjs';

const KEY_A = 'sk-ant-api03-hostAccountsA-0123456789abcdef';
const KEY_B = 'sk-ant-api03-hostAccountsB-fedcba9876543210';
const PI = `${ensureNode24()} ${join(process.cwd(), 'node_modules/@earendil-works/pi-coding-agent/dist/bundle/cli.js')}`;

/** The active terminal's text as xterm's DOM renderer shows it (rows run together). */
const terminalText = (w) =>
  w.page.evaluate(() => document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent ?? '');

async function terminalShows(w, pattern, timeout = 30_000) {
  await w.page.waitForFunction(
    ([source, flags]) =>
      new RegExp(source, flags).test(document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent ?? ''),
    [pattern.source, pattern.flags],
    { timeout },
  );
}

describe("pi's /accounts in a real VS Code host (code-server + Chromium)", function () {
  this.timeout(240_000);
  let extensions;
  let w;
  let emu;

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    await emu?.close();
    w = undefined;
  });

  it("A1. pi in an integrated terminal: /accounts lists A (in use) and B, choosing B switches the view, auth.json and pi's footer, and pi's next request carries B", async () => {
    emu = await startLlmEmulator((key) => ({ text: key === KEY_B ? 'Answered by B.' : 'Answered by A.' }));
    const channel = join(mkdtempSync(join(tmpdir(), 'pi-accounts-channel-')), 'ch');
    w = await Workbench.start({
      extensionsTemplate: extensions,
      env: { PI_ACCOUNTS_CHANNEL_DIR: channel },
      files: { 'pi-agent/models.json': JSON.stringify(modelsJson(emu.base)) },
    });
    await w.openAccountsView();
    await steps.signIn(w, 'Anthropic', 'A', KEY_A);
    const offer = await w.notification('pi is on this machine: connect it');
    await offer.hover();
    await offer.getByRole('button', { name: 'Connect pi' }).click();
    await w.notification('pi is connected');
    await steps.signIn(w, 'Anthropic', 'B', KEY_B);
    await steps.authJson(w, (d) => d.anthropic?.key === KEY_A);

    // pi's interactive UI in a new integrated terminal, once the shell shows its prompt.
    await w.runCommand('Terminal: Create New Terminal');
    await w.page.locator('.terminal-wrapper.active .xterm').waitFor({ timeout: 30_000 });
    await terminalShows(w, /[$#]\s*$/);
    await w.page.locator('.terminal-wrapper.active .xterm').click();
    await w.page.keyboard.type(`PI_OFFLINE=1 ${PI} --no-session --model anthropic/claude-sonnet-4-5\n`);
    // The footer once the companion reached the window: A, the first of two.
    await terminalShows(w, /🔑 A 1\/2/, 60_000);

    const started = Date.now();
    await w.page.keyboard.type('/accounts');
    await terminalShows(w, /→ accounts/); // pi's command completion offers it
    await w.page.keyboard.press('Enter');
    await terminalShows(w, /Anthropic accounts \(Pi Accounts\): choose one to use/);
    const list = await terminalText(w);
    assert.match(list, /● A · in use/);
    assert.match(list, /○ B/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await w.page.screenshot({ path: join(ARTIFACTS, 'companion-pi-accounts-list.png') });
    await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('Enter');
    await terminalShows(w, /now using "B"/);
    await terminalShows(w, /🔑 B 2\/2/);
    const switchedMs = Date.now() - started;
    await steps.authJson(w, (d) => d.anthropic?.key === KEY_B);
    // The view follows: B's row says "in use".
    await w.page
      .locator('.pane-body .monaco-list-row', {
        has: w.page.locator('.label-name', { hasText: /^B$/ }),
        hasText: 'in use',
      })
      .waitFor({ timeout: 20_000 });

    // pi's next request carries B.
    await w.page.keyboard.type('Say hi\n');
    await terminalShows(w, /Answered by B\./, 60_000);
    assert.equal(emu.seen.at(-1)?.key, KEY_B);
    assert.ok(!emu.seen.some((s) => s.key === KEY_A), 'no request went out with A after the switch');
    await steps.waitFor(() => /pi \d+ \/accounts: anthropic → B/.test(w.logs()['Pi Accounts.log'] ?? ''));

    const shot = join(ARTIFACTS, 'companion-pi-accounts-command.png');
    await w.page.screenshot({ path: shot });
    console.log(
      `      /accounts → B: pi's footer on B ${switchedMs} ms after typing it; requests: ${emu.seen.length} with B; screenshot ${shot}`,
    );
  });
});
