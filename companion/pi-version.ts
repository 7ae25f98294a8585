// Which pi the companion runs in, for the hello: the version in the package.json of pi's own
// package (@earendil-works/pi-coding-agent, or @mariozechner/pi-coding-agent up to 0.73.1),
// found upwards from the script pi was started with. Undefined when pi runs from a single-file
// binary or the script is not inside that package.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function piVersion(script = process.argv[1]): string | undefined {
  try {
    let dir = dirname(realpathSync(script ?? ''));
    for (let i = 0; i < 6; i++) {
      try {
        const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (typeof p.name === 'string' && /(^|\/)pi-coding-agent$/.test(p.name) && typeof p.version === 'string')
          return p.version.slice(0, 40);
      } catch {
        // no package.json here: one folder up
      }
      dir = dirname(dir);
    }
  } catch {
    // no script path
  }
  return undefined;
}
