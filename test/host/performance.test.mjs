// Host scenarios on performance (issue 17): figures the real extension host reports.
import assert from 'node:assert/strict';
import { prepareExtensions, Workbench } from './harness.mjs';
import { VSIX, finish, waitFor } from './steps.mjs';

const ACTIVATE_GOAL_MS = 15;

describe('Pi Accounts performance in a real VS Code host (code-server + Chromium)', function () {
  this.timeout(240_000);
  let extensions;
  let w;

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([VSIX]);
  });

  afterEach(async function () {
    await finish(this.currentTest, w);
    w = undefined;
  });

  it(`P1. activate() takes less than ${ACTIVATE_GOAL_MS} ms, as logged by the extension in the real host`, async () => {
    w = await Workbench.start({ extensionsTemplate: extensions });
    await w.openAccountsView();
    // Logs reach disk a little after the fact: poll rather than read once.
    await waitFor(() => /Activated in [\d.]+ ms/.test(w.logs()['Pi Accounts.log'] ?? ''));
    const ms = Number(/Activated in ([\d.]+) ms/.exec(w.logs()['Pi Accounts.log'])[1]);
    console.log(`      activate(): ${ms} ms (Pi Accounts log; goal < ${ACTIVATE_GOAL_MS} ms)`);
    assert.ok(ms > 0 && ms < ACTIVATE_GOAL_MS, `activate() took ${ms} ms`);
  });
});
