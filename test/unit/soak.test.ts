import assert from 'node:assert/strict';
import { lostLine, piOwnLine, runSoak } from './soak';

describe('pi concurrency soak (short; `npm run bench` runs it for 60 s)', function () {
  this.timeout(120_000);
  for (const pi of ['1', '0.73'] as const)
    it(`4 pi ${pi === '1' ? '1.6' : '0.73.1'} processes and the extension on one auth.json: 0 lost updates, 0 invalid_grant, the file parses`, async () => {
      const f = await runSoak({ seconds: Number(process.env.SOAK_SECONDS ?? 6), pi });
      console.log(
        `      ${f.seconds} s: ${f.piOps} pi operations (${f.piLockRetries} lock-busy retries), ${f.extensionOps} extension operations, ${f.refreshes} refreshes; lost updates ${f.lostUpdates}, invalid_grant ${f.invalidGrant}; ${piOwnLine(f)}`,
      );
      for (const l of f.lost) console.log(`      ${lostLine(l)}`);
      assert.equal(f.fileParses, true);
      assert.equal(f.lostUpdates, 0);
      assert.equal(f.invalidGrant, 0);
      assert.equal(f.tokensAgree, true, 'auth.json and the vault end with the same tokens');
    });
});
