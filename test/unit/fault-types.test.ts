// Typed faults (src/core/faults.ts): details per code, what may be retried, and which of pi's
// files a mirror fault is about.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detailsOf, Fault, isFault } from '../../src/core/faults';
import { updateAuthFile } from '../../src/core/mirror/auth-file';
import { withRetry } from '../../src/core/retry';
import { tempDir } from './helpers';

describe('typed faults', () => {
  it('say whether trying again may help, and withRetry follows that', async () => {
    assert.equal(new Fault('network', 'x', undefined, { host: 'h', code: 'ECONNRESET' }).retryable, true);
    assert.equal(new Fault('changed-meanwhile', 'x').retryable, true);
    assert.equal(new Fault('needs-sign-in', 'x').retryable, false);
    let calls = 0;
    const fail = (code: 'changed-meanwhile' | 'denied') => () => {
      calls++;
      return Promise.reject(new Fault(code, 'x'));
    };
    const sleep = async () => undefined;
    await assert.rejects(withRetry(fail('changed-meanwhile'), { attempts: 3, sleep }), (e) => isFault(e));
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(withRetry(fail('denied'), { attempts: 3, sleep }), (e) => isFault(e, 'denied'));
    assert.equal(calls, 1);
  });

  it('hand out details only for their own code', () => {
    const f = new Fault('not-found', 'x', undefined, { signIn: 'anthropic' });
    assert.deepEqual(detailsOf(f, 'not-found'), { signIn: 'anthropic' });
    assert.equal(detailsOf(f, 'network'), undefined);
  });

  it('a corrupt models.json is named as models.json, not auth.json, so the right file opens', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const file of ['auth.json', 'models.json'] as const) {
        const path = join(dir, file);
        writeFileSync(path, '{ not json');
        await assert.rejects(
          updateAuthFile(path, () => false),
          (e) =>
            isFault(e, 'mirror-corrupt') &&
            e.message.startsWith(`pi's ${file} (`) &&
            detailsOf(e, 'mirror-corrupt')?.file === file &&
            detailsOf(e, 'mirror-corrupt')?.path === path,
        );
      }
    } finally {
      cleanup();
    }
  });
});
