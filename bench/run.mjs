// `npm run bench`: every bench in turn, each printing its figures against their goals (ratios
// against pi measured in the same run where pi does the same thing); fails if any goal is missed,
// after all have run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureNode24 } from '../test/host/setup.mjs';

// pi 1.x, which the benches compare with, needs Node >= 22.19 (scripts/node24.mjs).
const [major, minor] = process.versions.node.split('.').map(Number);
const node = major > 22 || (major === 22 && minor >= 19) ? process.execPath : ensureNode24();

const benches = ['keys.mjs', 'auth-file.mjs', 'bundle.mjs', 'companion.mjs', 'refresh.mjs', 'quota.mjs', 'soak.mjs'];
const failed = benches.filter(
  (b) => spawnSync(node, [join(import.meta.dirname, b)], { stdio: 'inherit' }).status !== 0,
);
console.log(failed.length ? `\nMissed goals in: ${failed.join(', ')}` : '\nEvery goal met.');
process.exitCode = failed.length ? 1 : 0;
