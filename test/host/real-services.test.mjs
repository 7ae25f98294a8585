// Host scenarios for issue 12 (against the real services): what the providers' own clients do,
// done by the packaged extension in a real VS Code. Titles start with "R".
import assert from 'node:assert/strict';
import { piKey } from './pi1.mjs';
import { startCopilotEmulator } from './copilot-emulator.mjs';
import { prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

let extensions;
let w;

describe('Pi Accounts against the real services (host)', function () {
  this.timeout(240_000);

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX]);
  });

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it("R1. GitHub Copilot sign-in enables the account's models in the background, as pi's /login does", async () => {
    const emu = await startCopilotEmulator();
    try {
      w = await Workbench.start({ extensionsTemplate: extensions, env: { PI_ACCOUNTS_OAUTH_ENDPOINTS: emu.env() } });
      await w.openAccountsView();
      emu.approveOnVisit();
      const { modal } = await steps.deviceSignIn(w, 'work');
      const popup = w.page.context().waitForEvent('page');
      await modal.getByRole('button', { name: 'Copy & Open' }).click();
      await (await popup).waitForLoadState();
      await w.notification('Signed in to GitHub Copilot as "work"', 30_000);
      await steps.waitFor(() => emu.stats.policies.length === 2);
      assert.deepEqual([...emu.stats.policies].sort(), ['claude-sonnet-4.5', 'gpt-4.1']);
      assert.deepEqual(emu.stats.errors, []);
      await steps.waitFor(() =>
        /Copilot models enabled for github-copilot\/work: 2 of 2/.test(w.logs()['Pi Accounts.log'] ?? ''),
      );
      console.log(`      policy calls recorded by the Copilot emulator: ${emu.stats.policies.join(', ')}`);
    } finally {
      await emu.close();
    }
  });

  it('R2. a Claude subscription token pasted as an API key reaches terminals as ANTHROPIC_OAUTH_TOKEN and pi as is', async () => {
    const token = 'sk-ant-oat01-hostSUBSCRIPTION-0123456789abcdef';
    w = await Workbench.start({ extensionsTemplate: extensions });
    await w.openAccountsView();
    await steps.signIn(w, 'Anthropic', 'imported', token);
    await steps.authJson(w, (d) => d.anthropic?.key === token);
    assert.equal(await piKey(w.authPath, 'anthropic'), token, 'pi 1.6 reads it');
    assert.equal(await w.terminalOutput('echo "[$ANTHROPIC_OAUTH_TOKEN][$ANTHROPIC_API_KEY]"'), `[${token}][]`);
  });
});
