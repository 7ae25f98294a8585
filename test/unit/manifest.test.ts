import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from '../../src/core/providers/directory';

// VS Code reads the authentication providers from package.json before the extension runs, so
// that list is hand-kept; this keeps it in step with the provider directory.
// https://code.visualstudio.com/api/references/contribution-points#contributes.authentication
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { authentication: { id: string; label: string }[] };
};

describe('package.json agrees with the provider directory', () => {
  it('declares one authentication provider per provider, in the same order, named after it', () => {
    const declared = manifest.contributes.authentication;
    assert.deepEqual(
      declared.map((a) => a.id),
      PROVIDERS.map((p) => `pi-${p.id}`),
    );
    for (const [i, p] of PROVIDERS.entries()) assert.ok(declared[i].label.startsWith(p.label), `${declared[i].label} names ${p.label}`);
  });
});
