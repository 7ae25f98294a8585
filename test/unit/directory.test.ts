import assert from 'node:assert/strict';
import {
  exportVarOf,
  NOT_SERVED,
  PROVIDERS,
  requireProvider,
  strayAdditions,
} from '../../src/core/providers/directory';
import { PI_AI_VERSION, PI_PROVIDERS } from '../../src/core/providers/pi-registry';
import { isFault } from '../../src/core/faults';
import { oauthProviders } from '../../src/core/providers/registry';

describe('provider directory', () => {
  it('has unique ids', () => {
    const ids = PROVIDERS.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  // pi-ai 1.x is the provider layer: its runtime registry is the list of providers. The build
  // writes it to pi-registry.json; this fails when pi-ai has a provider the directory has not
  // decided on (served, or in NOT_SERVED with the reason), or when the file is stale.
  it("has a decision for every provider in pi-ai's registry, read from the installed pi-ai", async () => {
    const { readPiRegistry } = (await import(
      // eslint-disable-next-line @typescript-eslint/ban-ts-comment
      // @ts-ignore: a build script, plain JavaScript
      '../../../scripts/pi-registry.mjs'
    )) as { readPiRegistry(): Promise<{ piAi: string; providers: unknown[] }> };
    const live = await readPiRegistry();
    assert.deepEqual(
      { piAi: PI_AI_VERSION, providers: PI_PROVIDERS },
      live,
      'src/core/providers/pi-registry.json is stale: run `node esbuild.mjs`',
    );
    const served = new Set(PROVIDERS.map((p) => p.id));
    for (const { id } of PI_PROVIDERS)
      assert.ok(served.has(id) !== NOT_SERVED.has(id), `${id}: served, or not served with a reason (NOT_SERVED)`);
    assert.deepEqual(strayAdditions(), [], 'additions for ids pi-ai no longer has');
    assert.equal(PI_PROVIDERS.length, 43, `pi-ai ${PI_AI_VERSION}`);
  });

  it("takes names, key variables and sign-ins from pi-ai's registry", () => {
    for (const f of PI_PROVIDERS) {
      const p = requireProvider(f.id);
      assert.equal(p.label, f.name);
      assert.deepEqual(p.envVars, f.keyVars);
      assert.equal(p.signIn.includes('apiKey'), f.apiKey?.login === true, f.id);
      assert.equal(p.pi?.oauth?.loginLabel, f.oauth?.loginLabel);
    }
    assert.equal(requireProvider('azure').label, 'Azure');
    for (const id of ['ant-ling', 'baseten', 'meta', 'nvidia', 'qwen-token-plan', 'radius', 'together', 'typesafe'])
      assert.ok(requireProvider(id).signIn.includes('apiKey'), id);
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

  it("Radius and ChatGPT Plus/Pro: pi-ai's login asks first (the browser or a device code), and the picker says both", async () => {
    const { builtinProviders } = await import('@earendil-works/pi-ai/providers/all');
    for (const id of ['radius', 'openai-codex']) {
      const auth = builtinProviders().find((p) => p.id === id)?.auth.oauth;
      const cancel = new AbortController();
      let options: string[] = [];
      // pi-ai's own login, unmodified: its first question is recorded, then the person presses Escape.
      await assert.rejects(
        auth!.login({
          signal: cancel.signal,
          prompt: async (p) => {
            if (p.type === 'select') options = p.options.map((o) => o.label);
            cancel.abort();
            throw new Error('Escape');
          },
          notify: () => undefined,
        }),
      );
      assert.ok(options.some((o) => /browser/i.test(o)) && options.some((o) => /device/i.test(o)), id);
      const d = requireProvider(id);
      assert.deepEqual(
        d.signIn.filter((k) => k !== 'apiKey'),
        ['browser'],
        id,
      );
      assert.match(d.signInHints?.browser ?? '', /the browser or a device code/, id);
    }
  });

  it('unknown ids are a typed unknown-provider fault', () => {
    assert.throws(
      () => requireProvider('nope'),
      (e) => isFault(e, 'unknown-provider'),
    );
  });

  // The real pi decides which variable it reads; the variable we export must be one its
  // api-key resolve() takes the key from (@earendil-works/pi-ai 1.x Provider.auth.apiKey).
  it("exports each provider's key under a variable pi-ai 1.x resolves it from", async () => {
    const { builtinProviders } = await import('@earendil-works/pi-ai/providers/all');
    const signal = new AbortController().signal;
    for (const provider of builtinProviders()) {
      const p = requireProvider(provider.id);
      const variable = exportVarOf(p);
      if (!variable) {
        assert.equal(provider.auth.apiKey, undefined, p.id);
        continue;
      }
      const facts = PI_PROVIDERS.find((f) => f.id === p.id)!;
      const set = (n: string) => n === variable || facts.valueVars.includes(n);
      const ctx = {
        env: async (n: string) => (set(n) ? `value-for-${p.id}` : undefined),
        fileExists: async () => false,
      };
      const r = await provider.auth.apiKey!.resolve({ ctx, credential: undefined, signal });
      assert.equal(r?.source, variable, `${p.id} via ${variable}`);
    }
  });
});

describe('OAuth providers by id', () => {
  it('builds each once (building one can read a file), and has none for an API-key provider', () => {
    const oauth = oauthProviders();
    assert.equal(oauth('kimi-coding'), oauth('kimi-coding'));
    assert.equal(oauth('kimi-coding')?.id, 'kimi-coding');
    assert.equal(oauth('openai')?.id, 'openai', "ChatGPT's sign-in on openai (pi-ai 1.x)");
    assert.equal(oauth('groq'), undefined);
  });
});
