// A remote window (issue 28 item 4): the extension runs where pi and auth.json are, the browser on
// another machine. code-server is itself such a window (remoteName set, asExternalUri answers with
// its /proxy/<port>/ path, which no provider accepts as a redirect); the browser is made unable to
// reach this machine's loopback callback ports by resolving `localhost` to nothing
// (--host-resolver-rules), as a browser on the person's laptop cannot reach localhost:53692 on a
// remote box. Page routes cannot stand in for that: Chromium follows the provider's 302 to the
// callback without asking them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startAnthropicEmulator } from './anthropic-emulator.mjs';
import { startChatGptAuthEmulator } from './chatgpt-auth-emulator.mjs';
import { ARTIFACTS, prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

let extensions;
let w;

describe('A remote window signs in without workarounds (real VS Code host)', function () {
  this.timeout(240_000);

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it('RW1. a browser that cannot reach the remote loopback: a Claude and a ChatGPT sign-in complete by paste, the paste box says why at once; the view names the machine whose auth.json it writes', async () => {
    const claude = await startAnthropicEmulator();
    const chatgpt = await startChatGptAuthEmulator();
    try {
      const started = Date.now();
      const routes = { ...JSON.parse(claude.env()), ...chatgpt.routes() };
      w = await Workbench.start({
        extensionsTemplate: extensions,
        env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify(routes) },
        browserArgs: ['--host-resolver-rules=MAP localhost ~NOTFOUND'],
      });
      mkdirSync(ARTIFACTS, { recursive: true });
      // What the browser could not reach: the address it ends on, as its address bar shows it.
      const unreachable = [];
      w.page.context().on('requestfailed', (r) => unreachable.push(r.url()));
      await w.openAccountsView();
      const sidebar = w.page.locator('.part.sidebar');
      const host = hostname();
      // No account yet: the view keeps its Sign In button (a message line would hide it).
      await w.page.locator('.welcome-view-content a.monaco-button', { hasText: 'Sign In' }).waitFor();

      const signIns = [
        { pick: ['Claude Pro/Max', 'sign in with the browser'], account: 'max-1', port: 53692 },
        { pick: ['openai-codex', 'ChatGPT Plus/Pro'], account: 'chatgpt', port: 1455 },
      ];
      const took = [];
      for (const s of signIns) {
        const t0 = Date.now();
        await w.runCommand('Pi Accounts: Sign In…');
        await w.answer(s.pick[0], { pick: s.pick[1] });
        await steps.waitForStep(w, 2);
        await w.answer(s.account);
        await steps.waitForStep(w, 3);
        const popup = w.page.context().waitForEvent('page');
        await w.answer('', { pick: 'Browser login' }); // pi-ai's own question
        const page = await popup;
        // The paste box is open at once and says pasting is the way back, naming the machine.
        const box = w.page.locator('.quick-input-widget');
        await box.locator('.quick-input-message', { hasText: `This window runs on ${host} (remote:` }).waitFor();
        assert.match(await w.quickInputTitle(), /\(3\/3\)/);
        await steps.waitFor(() => unreachable.some((u) => u.startsWith(`http://localhost:${s.port}/`)));
        const address = unreachable.find((u) => u.startsWith(`http://localhost:${s.port}/`));
        await w.page.screenshot({ path: join(ARTIFACTS, `remote-${s.account}-paste-box.png`) });
        await w.answer(address);
        await w.notification(`as "${s.account}"`, 30_000);
        took.push(`${s.account} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        await page.close();
      }

      const auth = await steps.authJson(w, (d) => d.anthropic && d['openai-codex']);
      assert.equal(auth.anthropic.access, claude.tokenOf(1));
      assert.equal(auth['openai-codex'].access, chatgpt.tokenOf(1));
      assert.equal(auth['openai-codex'].accountId, 'acct-host-1');
      assert.deepEqual([claude.stats.errors, chatgpt.stats.errors], [[], []]);
      const log = w.logs()['Pi Accounts.log'] ?? '';
      for (const port of [53692, 1455])
        assert.match(
          log,
          new RegExp(
            `Sign-in callback http://localhost:${port} in a remote window \\(\\S+\\): VS Code forwards it to http://127\\.0\\.0\\.1:${w.port}/proxy/${port}/; same port not kept`,
          ),
        );
      assert.ok(!log.includes(claude.tokenOf(1)) && !log.includes(chatgpt.tokenOf(1)), 'no token in the log');
      // The companion's channel is on the machine the extension host runs on, beside pi.
      const channel = /Listening for pi on (\S+)\./.exec(log)?.[1];
      assert.ok(channel && existsSync(channel), `the channel is a socket on this machine: ${channel}`);
      await w.treeRow('chatgpt').waitFor();
      // The view names the machine: this host, the auth.json pi reads there, VS Code's remote name.
      await sidebar.locator(`text=Writes ${host}:${w.authPath} (remote: `).waitFor();
      await w.page.screenshot({ path: join(ARTIFACTS, 'remote-view-machine.png') });
      const machineLine = await sidebar.locator('text=/Writes .*auth\\.json/').first().textContent();
      console.log(
        `      ${machineLine.trim()}; sign-ins by paste: ${took.join(', ')} (scenario ${((Date.now() - started) / 1000).toFixed(1)} s with the workbench's start); screenshots test-results/host/remote-max-1-paste-box.png, remote-chatgpt-paste-box.png, remote-view-machine.png`,
      );
    } finally {
      await claude.close();
      await chatgpt.close();
    }
  });
});
