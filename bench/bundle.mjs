// `npm run bench` (bundle): the minified activation bundle's size and how long a cold `require`
// of it takes, each in a fresh process (median and best of several: the machine is shared).
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { check, median } from './ratio.mjs';

const root = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'ignore' });
const bundle = join(root, 'dist/extension.js');
const kb = statSync(bundle).size / 1000;
const times = Array.from({ length: RUNS }, () =>
  Number(execFileSync(process.execPath, [join(root, 'bench/fixtures/cold-require.cjs'), bundle], { encoding: 'utf8' })),
);
console.log(
  `activation bundle: dist/extension.js ${kb.toFixed(1)} KB minified (undici: dist/undici.js ${(statSync(join(root, 'dist/undici.js')).size / 1000).toFixed(1)} KB, loaded on the first request)`,
);
check('dist/extension.js (KB)', kb, '≤', 300);
console.log(
  `  cold require, ${RUNS} fresh processes: median ${median(times).toFixed(1)} ms, best ${Math.min(...times).toFixed(1)} ms`,
);
check('cold require, median (ms)', median(times), '≤', 40);
const deferred = Array.from({ length: RUNS }, () =>
  Number(
    execFileSync(process.execPath, [join(root, 'bench/fixtures/cold-require.cjs'), join(root, 'dist/undici.js')], {
      encoding: 'utf8',
    }),
  ),
);
console.log(
  `  for scale, in the same run: a cold require of the deferred dist/undici.js alone, median ${median(deferred).toFixed(1)} ms`,
);
