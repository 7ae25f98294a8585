// src/vscode/faults-ui.ts with a small fake of vscode: the buttons a fault's typed details call
// for, and what they run.
import { answers, calls, reset } from './vscode-fake';
import assert from 'node:assert/strict';
import { aborted, Fault } from '../../src/core/faults';
import { networkFault } from '../../src/core/network-words';
import { Redactor } from '../../src/core/redact';
import { faultActions, showFault } from '../../src/vscode/faults-ui';
import type { Log } from '../../src/vscode/log';
import { quiet } from './window';

const titles = (f: Fault, retry?: () => unknown) => faultActions(f, retry).map((a) => a.title);

describe('faults-ui (src/vscode/faults-ui.ts)', () => {
  beforeEach(reset);

  it('offers Try Again for what may pass on its own, and proxy settings where a proxy may be in the way', () => {
    const retry = () => undefined;
    assert.deepEqual(titles(networkFault('api.anthropic.com', 'ENOTFOUND'), retry), [
      'Try Again',
      'Open Proxy Settings',
    ]);
    assert.deepEqual(titles(networkFault('api.anthropic.com', 'UND_ERR_BODY_TIMEOUT'), retry), ['Try Again']);
    assert.deepEqual(titles(new Fault('changed-meanwhile', 'x'), retry), ['Try Again']);
    assert.deepEqual(titles(new Fault('denied', 'x'), retry), []);
  });

  it('opens the pi file a mirror fault is about, through the command that warns first', async () => {
    for (const file of ['auth.json', 'models.json'] as const) {
      const f = new Fault('mirror-corrupt', 'x', undefined, { file, path: `/tmp/${file}` });
      const [open] = faultActions(f);
      assert.equal(open?.title, `Open ${file}`);
      await open?.run();
    }
    assert.deepEqual(calls.commands, [
      { command: 'piAccounts.openAuthFile', args: [{ file: 'auth.json' }] },
      { command: 'piAccounts.openAuthFile', args: [{ file: 'models.json' }] },
    ]);
  });

  it('signs in again to the account a refused sign-in names; signs in where nothing exists yet', async () => {
    const again = faultActions(new Fault('needs-sign-in', 'x', undefined, { provider: 'anthropic', account: 'work' }));
    assert.deepEqual(
      again.map((a) => a.title),
      ['Sign In Again'],
    );
    await again[0]?.run();
    const first = faultActions(new Fault('not-found', 'x', undefined, { signIn: 'any' }));
    await first[0]?.run();
    assert.deepEqual(calls.commands, [
      { command: 'piAccounts.signInAgain', args: [{ provider: 'anthropic', account: 'work' }] },
      { command: 'piAccounts.signIn', args: [undefined] },
    ]);
  });

  it('shows a fault once, redacted, with Show Log last; a cancel shows nothing', async () => {
    const redactor = new Redactor();
    redactor.setSecrets(['sk-ant-api03-SECRETSECRET']);
    let shown = 0;
    const log: Log = { ...quiet, redactor, show: () => void shown++ };
    await showFault(aborted(), log);
    assert.equal(calls.errors.length, 0);
    answers.error = 'Show Log';
    await showFault(new Fault('denied', 'The key sk-ant-api03-SECRETSECRET was refused.'), log);
    assert.equal(calls.errors.length, 1);
    assert.ok(!calls.errors[0].message.includes('SECRETSECRET'), calls.errors[0].message);
    assert.deepEqual(calls.errors[0].items, ['Show Log']);
    assert.equal(shown, 1);
  });
});
