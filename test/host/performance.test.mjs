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
    // Logs reach disk a little after the fact: poll rather than read once. One activation on a
    // shared 2-core machine can be slowed by anything else running; the best of three window
    // loads is what activate() itself costs.
    const times = () => [...(w.logs()['Pi Accounts.log'] ?? '').matchAll(/Activated in ([\d.]+) ms/g)].map((m) => Number(m[1]));
    await waitFor(() => times().length >= 1);
    for (let load = 2; load <= 3; load++) {
      await w.runCommand('Developer: Reload Window');
      await waitFor(() => times().length >= load, 60_000);
    }
    const ms = Math.min(...times());
    console.log(`      activate(): ${times().join(', ')} ms in 3 window loads, best ${ms} ms (Pi Accounts log; goal < ${ACTIVATE_GOAL_MS} ms)`);
    assert.ok(ms > 0 && ms < ACTIVATE_GOAL_MS, `activate() took ${ms} ms at best`);
  });
});
