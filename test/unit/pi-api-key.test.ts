import assert from 'node:assert/strict';
import type { AuthPrompt } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };
import { aborted, isFault } from '../../src/core/faults';
import type { SignInInteraction } from '../../src/core/oauth/provider';
import { piApiKeyLogin } from '../../src/core/pi-auth/api-key';
import { PROVIDERS } from '../../src/core/providers/directory';
import { Vault } from '../../src/core/vault';
import { MemorySecretStore } from './helpers';

/** A person at the editor, scripted: answers the prompts in turn; `undefined` is Escape (the box closes and the sign-in ends). */
function person(answers: (string | undefined)[]) {
  const cancel = new AbortController();
  const prompts: AuthPrompt[] = [];
  const interaction: SignInInteraction = {
    signal: cancel.signal,
    prompt: async (p) => {
      prompts.push(p);
      const a = answers.shift();
      if (a === undefined) {
        // As the editor's interaction does on Escape (src/vscode/sign-in-flow.ts).
        cancel.abort();
        throw aborted();
      }
      return a;
    },
    notify: () => undefined,
  };
  return { interaction, prompts };
}

/** The Sign In command's order: the login first, the vault only once it resolved. */
async function signIn(vault: Vault, id: string, answers: (string | undefined)[]) {
  const p = person(answers);
  const credential = await piApiKeyLogin(id, id, p.interaction);
  await vault.add(id, 'default', credential);
  return p.prompts;
}

describe("API-key sign-ins through pi-ai's own auth.apiKey.login (@earendil-works/pi-ai, unmodified)", () => {
  let vault: Vault;
  beforeEach(async () => {
    vault = new Vault(new MemorySecretStore());
    await vault.load();
  });

  it("every pi-ai provider with an API-key login offers it; the directory knows which (pi's 'apiKey.login')", async () => {
    const { builtinProviders } = await import('@earendil-works/pi-ai/providers/all');
    const withLogin = builtinProviders()
      .filter((p) => p.auth.apiKey?.login)
      .map((p) => p.id)
      .sort();
    const ours = PROVIDERS.filter((p) => p.pi?.apiKeyLogin)
      .map((p) => p.id)
      .sort();
    assert.deepEqual(ours, withLogin);
    console.log(`      ${withLogin.length} of pi-ai's ${builtinProviders().length} providers have an API-key login`);
  });

  it("Groq: pi-ai's secret prompt, the key stored as our api_key credential", async () => {
    const prompts = await signIn(vault, 'groq', ['  gsk_live_0123456789abcdefghijklmn  ']);
    assert.deepEqual(
      prompts.map((p) => [p.type, p.message]),
      [['secret', 'Enter Groq API key']],
    );
    assert.deepEqual(vault.credential('groq', 'default'), {
      type: 'api_key',
      key: 'gsk_live_0123456789abcdefghijklmn',
    });
  });

  it("Cloudflare Workers AI: pi-ai's key and account id prompts; the id travels as the credential's env", async () => {
    const prompts = await signIn(vault, 'cloudflare-workers-ai', ['cf-key-0123456789abcdefghij', 'a'.repeat(32)]);
    assert.deepEqual(
      prompts.map((p) => p.type),
      ['secret', 'text'],
    );
    assert.deepEqual(vault.credential('cloudflare-workers-ai', 'default'), {
      type: 'api_key',
      key: 'cf-key-0123456789abcdefghij',
      env: { CLOUDFLARE_ACCOUNT_ID: 'a'.repeat(32) },
    });
  });

  it('Escape at any step stores nothing: the first prompt, or the second of two', async () => {
    await assert.rejects(signIn(vault, 'groq', [undefined]), (e) => isFault(e, 'aborted'));
    await assert.rejects(signIn(vault, 'cloudflare-workers-ai', ['cf-key-0123456789abcdefghij', undefined]), (e) =>
      isFault(e, 'aborted'),
    );
    assert.deepEqual(vault.accounts(), []);
  });

  it('what pi-ai hands back passes our key check: a placeholder, a "!" command or an empty key is refused, nothing stored', async () => {
    for (const key of ['your-api-key-here', '!cat ~/.ssh/id_rsa', '']) {
      await assert.rejects(signIn(vault, 'openai', [key]), (e) => isFault(e, 'invalid-key'));
    }
    assert.deepEqual(vault.accounts(), []);
  });

  it("a provider without pi-ai's API-key login (ours: Kilo) is a typed fault with a next step", async () => {
    await assert.rejects(piApiKeyLogin('kilo', 'Kilo', person(['x']).interaction), (e) =>
      isFault(e, 'unknown-provider'),
    );
  });
});
