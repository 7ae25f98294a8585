// `npm run test:host`: makes sure the host is installed (cached), then runs the scenarios of
// every test/host/*.test.mjs (mocha expands the glob).
import { spawnSync } from 'node:child_process';
import { ensureHost, ensureNode24 } from './setup.mjs';

const started = Date.now();
ensureHost();
// On Node 24: the scenarios read auth.json with pi 1.x, which needs Node >= 22.19.
const r = spawnSync(
  ensureNode24(),
  [
    'node_modules/mocha/bin/mocha.js',
    '--no-config',
    '--timeout',
    '240000',
    'test/host/*.test.mjs',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
console.log(`host suite wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
