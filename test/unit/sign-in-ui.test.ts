// src/vscode/sign-in-ui.ts with a small fake of vscode: the palette's sign-in steps (provider and
// way, account name, key or form), what each step accepts, and Escape at any step storing nothing.
import { answers, calls, memento, reset, type InputBox } from './vscode-fake';
import assert from 'node:assert/strict';
import { isFault } from '../../src/core/faults';
import { Vault } from '../../src/core/vault';
import { askKey, promptSignIn, RecentProviders } from '../../src/vscode/sign-in-ui';
import { requireProvider } from '../../src/core/providers/directory';
import { KEY_A, KEY_OPENAI, MemorySecretStore } from './helpers';

const KEY_GROQ = 'gsk_0123456789abcdefghijKLMNOPqrst';

async function setUp() {
  const vault = new Vault(new MemorySecretStore());
  await vault.load();
  return { vault, recent: new RecentProviders(memento()) };
}

/** Runs `body` with the provider's variables unset (VS Code may have been started with them). */
async function withoutEnv<T>(names: readonly string[], body: () => Promise<T>, set: Record<string, string> = {}) {
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) Reflect.deleteProperty(process.env, n);
  Object.assign(process.env, set);
  try {
    return await body();
  } finally {
    for (const n of names) {
      const v = saved[n];
      if (v === undefined) Reflect.deleteProperty(process.env, n);
      else process.env[n] = v;
    }
  }
}

describe('sign-in steps (src/vscode/sign-in-ui.ts)', () => {
  beforeEach(reset);

  it('a provider with one way: no provider step; the name is offered as "default", then pi-ai\'s own key sign-in', async () => {
    const { vault, recent } = await setUp();
    answers.inputs.push('default');
    // The key is asked by pi-ai's auth.apiKey.login (sign-in-flow.ts, our key box), after this.
    // No password manager on PATH (with one, its lock button is offered too).
    const req = await withoutEnv(['GROQ_API_KEY', 'PATH'], () => promptSignIn(vault, recent, 'groq'), {
      PATH: '/nonexistent',
    });
    assert.deepEqual(req, { kind: 'piKey', provider: 'groq', account: 'default', managers: [] });
    assert.equal(calls.picks.length, 0);
    assert.equal(calls.inputs[0].value, 'default');
    assert.equal(calls.inputs[0].title, 'Pi Accounts: Sign In to Groq (2/3)');
  });

  it('the provider step: recent providers first, one item per way, accounts counted per way', async () => {
    const { vault, recent } = await setUp();
    await vault.add('anthropic', 'work', { type: 'api_key', key: KEY_A });
    await recent.touch('anthropic');
    answers.pick = (items) => items.find((i) => i.label === 'Claude Pro/Max');
    answers.inputs.push('max');
    const req = await promptSignIn(vault, recent);
    assert.deepEqual(req, { kind: 'browser', provider: 'anthropic', account: 'max' });
    const items = calls.picks[0].items;
    assert.deepEqual(
      items.slice(0, 4).map((i) => i.label),
      ['recently used', 'Anthropic', 'Claude Pro/Max', 'all providers'],
    );
    assert.equal(items[1].detail, '1 account signed in', 'the API key is counted under the API key item');
    assert.equal(items[2].detail, undefined, 'and not under the browser sign-in');
    assert.equal(items.filter((i) => i.label === 'Anthropic').length, 1, 'not listed twice');
  });

  it('the name step refuses a taken or malformed name, and offers no "default" when it is taken', async () => {
    const { vault, recent } = await setUp();
    await vault.add('anthropic', 'default', { type: 'api_key', key: KEY_A });
    answers.pick = (items) => items.find((i) => i.label === 'Claude Pro/Max');
    answers.inputs.push('second');
    await promptSignIn(vault, recent, 'anthropic');
    const name = calls.inputs[0];
    assert.equal(name.value, '');
    assert.equal(name.validateInput?.('default'), 'Anthropic already has an account named "default".');
    assert.ok(name.validateInput?.('has space'));
    assert.equal(name.validateInput?.('second'), undefined);
    assert.equal(calls.picks[0].title, 'Pi Accounts: Sign In to Anthropic (1/3)');
  });

  it('Escape at any step is a cancel', async () => {
    const { vault, recent } = await setUp();
    await assert.rejects(promptSignIn(vault, recent), (e) => isFault(e, 'aborted'));
    await assert.rejects(promptSignIn(vault, recent, 'groq'), (e) => isFault(e, 'aborted'));
    answers.box = (b) => b.hide();
    await assert.rejects(askKey(requireProvider('groq')), (e) => isFault(e, 'aborted'));
    assert.deepEqual(vault.accounts(), [], 'nothing stored');
  });

  it('the key box: Enter on nothing says why; a malformed key is refused; another provider’s shape only warns', async () => {
    let box: InputBox | undefined;
    answers.box = (b) => {
      box = b;
      b.accept();
      assert.equal(b.validationMessage, 'Paste the key first, or press Escape to cancel.');
      b.type('sk-with space inside 0123456789');
      b.accept();
      assert.equal(b.validationMessage, 'The key contains spaces or line breaks: paste just the key.');
      b.type(KEY_OPENAI);
      assert.deepEqual(b.validationMessage, {
        message: 'This looks like an OpenAI key (sk-proj-…), not a Groq key. It can still be saved.',
        severity: 2,
      });
      b.press(); // the key page
      b.accept();
    };
    const key = await askKey(requireProvider('groq'));
    assert.equal(key, KEY_OPENAI);
    assert.equal(box?.password, true);
    assert.equal(box?.disposed, true);
    assert.deepEqual(calls.opened, [requireProvider('groq').keyUrl]);
  });

  it('a key VS Code was started with is offered instead of typing', async () => {
    const { vault, recent } = await setUp();
    answers.inputs.push('default');
    answers.pick = (items) => items.find((i) => i.label.includes('$GROQ_API_KEY'));
    const req = await withoutEnv(['GROQ_API_KEY'], () => promptSignIn(vault, recent, 'groq'), {
      GROQ_API_KEY: KEY_GROQ,
    });
    assert.deepEqual(req, { kind: 'apiKey', provider: 'groq', account: 'default', key: KEY_GROQ });
    assert.equal(calls.picks[0].items[0].description, '…qrst');
  });

  it('a provider of several values: the form is chosen, each value asked, secrets hidden', async () => {
    const { vault, recent } = await setUp();
    const forms = requireProvider('amazon-bedrock').forms ?? [];
    const form = forms[0];
    answers.inputs.push('aws');
    answers.pick = (items) => items.find((i) => i.label === form.label);
    const fields = [...(form.key ? [form.key] : []), ...form.fields];
    answers.inputs.push(...fields.map((f) => (f.secret ? KEY_GROQ : (f.placeholder ?? 'value'))));
    const req = await withoutEnv(requireProvider('amazon-bedrock').envVars, () =>
      promptSignIn(vault, recent, 'amazon-bedrock'),
    );
    assert.equal(req.kind, 'form');
    assert.equal(calls.picks[0].items.length, forms.length);
    assert.deepEqual(
      calls.inputs.slice(1).map((i) => i.password ?? false),
      fields.map((f) => f.secret ?? false),
    );
  });
});
