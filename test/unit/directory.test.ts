import assert from 'node:assert/strict';
import { exportVarOf, PROVIDERS, requireProvider } from '../../src/core/providers/directory';
import { isFault } from '../../src/core/faults';
import { oauthProviders } from '../../src/core/providers/registry';

describe('provider directory', () => {
  it('has about 30 unique pi provider ids', () => {
    const ids = PROVIDERS.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.length >= 30, `only ${ids.length}`);
  });

  it('a provider has an OAuth implementation exactly when it offers a browser or device sign-in, whose id it carries', () => {
    for (const p of PROVIDERS) {
      const signsIn = p.signIn.some((k) => k !== 'apiKey');
      assert.equal(p.oauth !== undefined, signsIn, p.id);
      if (p.oauth) assert.equal(p.oauth({}).id, p.id);
      // Usage figures and a sign-in-decided host come with a sign-in.
      if (p.usage) assert.ok(signsIn, `${p.id} has a usage client but no sign-in`);
      if (p.modelBaseUrl) assert.ok(signsIn, `${p.id} has a model host but no sign-in`);
    }
  });

  it('unknown ids are a typed unknown-provider fault', () => {
    assert.throws(
      () => requireProvider('nope'),
      (e) => isFault(e, 'unknown-provider'),
    );
  });

  // The real pi (@earendil-works/pi-ai 1.6.1) decides which variable it reads; our directory must agree.
  it("agrees with pi's own env-var table for every provider", async () => {
    const { getEnvApiKey } = (await import('@earendil-works/pi-ai/compat')) as unknown as {
      getEnvApiKey(p: string): string | undefined;
    };
    const saved = { ...process.env };
    try {
      for (const p of PROVIDERS.filter((x) => !x.piExtension)) {
        for (const v of PROVIDERS.flatMap((x) => x.envVars)) delete process.env[v];
        const variable = exportVarOf(p);
        if (!variable) {
          assert.equal(getEnvApiKey(p.id), undefined, p.id);
          continue;
        }
        process.env[variable] = `value-for-${p.id}`;
        // Bedrock's key goes to the AWS SDK through the environment; pi reports only that it is set.
        const expected = p.id === 'amazon-bedrock' ? '<authenticated>' : `value-for-${p.id}`;
        assert.equal(getEnvApiKey(p.id), expected, `${p.id} via ${variable}`);
      }
    } finally {
      process.env = saved;
    }
  });
});

describe('OAuth providers by id', () => {
  it('builds each once (building one can read a file), and has none for an API-key provider', () => {
    const oauth = oauthProviders();
    assert.equal(oauth('kimi-coding'), oauth('kimi-coding'));
    assert.equal(oauth('kimi-coding')?.id, 'kimi-coding');
    assert.equal(oauth('openai'), undefined);
  });
});
