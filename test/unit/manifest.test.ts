import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from '../../src/core/providers/directory';
import { sharedVariables } from '../../src/core/terminal-env';

// VS Code reads the authentication providers and settings from package.json before the extension
// runs; scripts/manifest.mjs writes their provider lists from the directory at every build, and
// this checks the package.json that ships agrees.
// https://code.visualstudio.com/api/references/contribution-points#contributes.authentication
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: {
    authentication: { id: string; label: string }[];
    configuration: { properties: Record<string, { properties?: Record<string, { enum: string[] }> }> };
  };
};

describe('package.json agrees with the provider directory', () => {
  it('declares one authentication provider per provider, in the same order, named after it', () => {
    const declared = manifest.contributes.authentication;
    assert.deepEqual(
      declared.map((a) => a.id),
      PROVIDERS.map((p) => `pi-${p.id}`),
    );
    for (const [i, p] of PROVIDERS.entries())
      assert.ok(declared[i].label.startsWith(p.label), `${declared[i].label} names ${p.label}`);
  });

  it('offers, for each variable two providers read, exactly those providers as choices', () => {
    const choices =
      manifest.contributes.configuration.properties['piAccounts.terminal.sharedVariables'].properties ?? {};
    assert.deepEqual(Object.fromEntries(Object.entries(choices).map(([v, c]) => [v, c.enum])), sharedVariables());
  });
});
