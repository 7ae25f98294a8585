// `npm test`: lint, format and layer check, unit tests, then the real-host scenarios; ends with one plain summary line.
import { spawn } from 'node:child_process';

function run(script) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => {
      const count = (word) =>
        [...out.matchAll(new RegExp(`^\\s*(\\d+) ${word}`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
      resolve({ code: code ?? 1, passed: count('passing'), failed: count('failing') });
    });
  });
}

const results = [];
for (const script of ['lint', 'test:unit', 'test:host']) {
  const r = await run(script);
  results.push(r);
  if (r.code !== 0) break; // the host suite is slow: no point once the core is broken
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + results.filter((r) => r.code !== 0 && r.failed === 0).length;
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
