// `npm run bench` (part 3): the pi concurrency soak for 60 s (SOAK_SECONDS to change it).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { lostLine, piOwnLine, runSoak } = require(join(resolve(import.meta.dirname, '../out'), 'test/unit/soak.js'));
const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const f = await runSoak({ seconds, piProcesses: 4 });
console.log(
  `pi concurrency soak, ${f.seconds} s on loopback: ${f.piProcesses} pi processes (pi 1.6's real credential store: set, remove, refresh) + the extension's vault, mirror and resolver`,
);
console.log(
  `  operations: pi ${f.piOps} (lock-busy retries ${f.piLockRetries}), extension ${f.extensionOps}; token refreshes ${f.refreshes}`,
);
console.log(
  `  lost updates ${f.lostUpdates}, invalid_grant ${f.invalidGrant}, final file parses: ${f.fileParses ? 'yes' : 'NO'}, auth.json and vault agree: ${f.tokensAgree ? 'yes' : 'NO'}`,
);
console.log(`  ${piOwnLine(f)}`);
for (const l of f.lost) console.log(`  ${lostLine(l)}`);
if (f.lostUpdates || f.invalidGrant || !f.fileParses || !f.tokensAgree) process.exit(1);
