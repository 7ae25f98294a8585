// Values as pi 1.x reads them (keys in auth.json, headers in models.json): what we escape reads
// back as the literal, checked against our reading and, for samples, pi 1.6's own resolver.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { escapePiValue, readPiValue } from '../../src/core/mirror/pi-values';
import { olderThan } from '../../src/core/pi-link/server';

// pi's resolver module, the one its auth storage and models.json headers use (not a package export).
const piResolver = async () =>
  (await import(
    pathToFileURL(
      join(__dirname, '../../../node_modules/@earendil-works/pi-coding-agent/dist/core/resolve-config-value.js'),
    ).href
  )) as { resolveConfigValue(v: string, env?: Record<string, string>): string | undefined };

describe("pi 1.x's value syntax ($NAME, $$, !command) and versions", () => {
  it('any literal, escaped, reads back as itself', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        assert.deepEqual(readPiValue(escapePiValue(s)), { kind: 'literal', value: s });
      }),
    );
  });

  it('reads references and commands the way pi 1.6 does', async () => {
    const pi = await piResolver();
    const env = { A_B: 'x' };
    for (const raw of ['plain', 'BARE_NAME', '$A_B', '${A_B}-y', 'a$$b', '$!x', 'tail$', '${bad name}', '$-x']) {
      const ours = readPiValue(raw);
      const theirs = pi.resolveConfigValue(raw, env);
      if (ours.kind === 'literal') assert.equal(theirs, ours.value, raw);
      else assert.deepEqual([ours.kind, theirs], ['env', raw.includes('A_B') ? theirs : undefined], raw);
    }
    assert.equal(readPiValue('!cmd').kind, 'command');
  });

  it("any literal, escaped, is what pi 1.6's own resolver makes of it (keys in auth.json, headers in models.json)", async () => {
    const pi = await piResolver();
    fc.assert(
      // The characters pi's syntax gives a meaning to, and others around them.
      fc.property(fc.string({ unit: fc.constantFrom('$', '!', '{', '}', 'A', '_', '1', '-', ' ', 'é', '😀') }), (s) => {
        assert.equal(pi.resolveConfigValue(escapePiValue(s), { HOME: '/h', A: 'x' }), s);
      }),
      { numRuns: 1000 },
    );
  });

  it('tells a pi older than 1.0.3', () => {
    assert.deepEqual(
      ['0.73.1', '0.99.2', '1.0.2', '1.0.3', '1.6.0', '2.0.0-beta.1'].map((v) => olderThan(v)),
      [true, true, true, false, false, false],
    );
  });
});
