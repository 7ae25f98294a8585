import assert from 'node:assert/strict';
import { runSoak } from './soak';

describe('pi concurrency soak (short; `npm run bench` runs it for 60 s)', function () {
  this.timeout(120_000);
  it('4 pi processes and the extension on one auth.json: 0 lost updates, 0 invalid_grant, the file parses', async () => {
    const f = await runSoak({ seconds: Number(process.env.SOAK_SECONDS ?? 6) });
    console.log(`      ${f.seconds} s: ${f.piOps} pi operations (${f.piLockRetries} lock-busy retries), ${f.extensionOps} extension operations, ${f.refreshes} refreshes; lost updates ${f.lostUpdates}, invalid_grant ${f.invalidGrant}; pi's own: reloads failed ${JSON.stringify(f.piReloadFailures)}, writes kept in memory only ${f.piUnpersisted}`);
    for (const l of f.lost) console.log(`      lost: ${l.entry} (${l.writer}) expected ${l.expected ?? '(absent)'}, auth.json has ${l.actual ?? '(absent)'}${l.last ? `; pi's last operation on it: ${JSON.stringify(l.last)}` : ''}`);
    assert.equal(f.fileParses, true);
    assert.equal(f.lostUpdates, 0);
    assert.equal(f.invalidGrant, 0);
    assert.equal(f.tokensAgree, true, 'auth.json and the vault end with the same tokens');
  });
});
