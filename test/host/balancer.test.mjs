// Host scenario for the balancer (issue 27 item 3): two pi 1.6 runs in an integrated terminal of
// the real VS Code host, both on account A, their requests held by the emulator so both are in
// flight at once. With piAccounts.rotation.mode = balancer and one request per account, A is over
// its limit: the account in use moves to B (the view, the status bar, auth.json, the log say so), the requests
// already sent stay on A, and the next pi run carries B. Every step waits for a state.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, prepareExtensions, Workbench } from './harness.mjs';
import { modelsJson, startLlmEmulator } from './llm-emulator.mjs';
import * as steps from './steps.mjs';
import { ensureNode24 } from './setup.mjs';

const KEY_A = 'sk-ant-api03-hostBalancerA-0123456789abcdef';
const KEY_B = 'sk-ant-api03-hostBalancerB-fedcba9876543210';
const PI = `${ensureNode24()} ${join(process.cwd(), 'node_modules/@earendil-works/pi-coding-agent/dist/bundle/cli.js')}`;
const RUN = `${PI} -p --no-session --model anthropic/claude-sonnet-4-5`;

describe('the balancer in a real VS Code host (code-server + Chromium)', function () {
  this.timeout(240_000);
  let extensions;
  let w;
  let emu;
  let release = () => undefined;

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX]);
  });

  afterEach(async function () {
    release();
    await steps.finish(this.currentTest, w);
    await emu?.close();
    w = undefined;
  });

  it('B3. balancer mode: two pi requests in flight on A (limit 1) move the account in use to B; the view, the status bar, auth.json and the log show it, and the next pi run carries B', async () => {
    // The emulator holds every answer until released: both requests are in flight together.
    let held = true;
    const gate = new Promise((r) => (release = () => ((held = false), r())));
    emu = await startLlmEmulator(async (key) => {
      if (held) await gate;
      return { text: key === KEY_B ? 'Answered by B.' : 'Answered by A.' };
    });
    const channel = join(mkdtempSync(join(tmpdir(), 'pi-accounts-channel-')), 'ch');
    w = await Workbench.start({
      extensionsTemplate: extensions,
      env: { PI_ACCOUNTS_CHANNEL_DIR: channel },
      files: { 'pi-agent/models.json': JSON.stringify(modelsJson(emu.base)) },
      settings: { 'piAccounts.rotation.mode': 'balancer', 'piAccounts.rotation.maxInFlightPerAccount': 1 },
    });
    await w.openAccountsView();
    await steps.signIn(w, 'Anthropic', 'A', KEY_A);
    const offer = await w.notification('pi is on this machine: connect it');
    await offer.hover();
    await offer.getByRole('button', { name: 'Connect pi' }).click();
    await w.notification('pi is connected');
    await steps.signIn(w, 'Anthropic', 'B', KEY_B);
    await steps.authJson(w, (d) => d.anthropic?.key === KEY_A);

    const started = Date.now();
    // Two pi at once in one terminal; the output is read once both ended (after the release).
    const both = w.terminalOutput(`(${RUN} "one" & ${RUN} "two" & wait)`, { timeout: 120_000 });
    await steps.waitFor(() => emu.seen.length >= 2, 90_000);
    const sent = emu.seen.map((s) => (s.key === KEY_A ? 'A' : s.key === KEY_B ? 'B' : '?')).join('');
    // The second request's start put A over its limit: B takes over while both are in flight.
    const row = (name) =>
      w.page.locator('.pane-body .monaco-list-row', { has: w.page.locator('.label-name', { hasText: name }) });
    await row(/^B$/).filter({ hasText: 'in use' }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await row(/^A$/).textContent(), /in use/);
    await w.page.locator('.statusbar-item', { hasText: 'Anthropic: B' }).first().waitFor({ timeout: 10_000 });
    await steps.authJson(w, (d) => d.anthropic?.key === KEY_B);
    await steps.waitFor(() =>
      /Active anthropic account: A → B \(A has 2 request\(s\) in flight \(limit 1\); B weighs most/.test(
        w.logs()['Pi Accounts.log'] ?? '',
      ),
    );
    const moved = Date.now() - started;
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'balancer-moves-off-busy.png');
    await w.page.screenshot({ path: shot });

    release();
    const out = await both;
    assert.match(out, /Answered by A\.[\s\S]*Answered by A\./);
    const next = await w.terminalOutput(`${RUN} "three"`, { timeout: 90_000 });
    assert.equal(next, 'Answered by B.');
    const keys = emu.seen.map((s) => (s.key === KEY_A ? 'A' : s.key === KEY_B ? 'B' : '?')).join(' ');
    assert.equal(sent, 'AA');
    assert.equal(keys, 'A A B');
    assert.ok(
      !w.logs()['Pi Accounts.log'].includes(KEY_A) && !w.logs()['Pi Accounts.log'].includes(KEY_B),
      'no key in the log',
    );
    console.log(
      `      two pi in flight on A (sent ${sent}); the account in use moved to B ${moved} ms after they started; requests by key: ${keys}; screenshot ${shot}`,
    );
  });
});
