import assert from 'node:assert/strict';
import { accountTitle, inViewOrder, noUsageFigures, withArticle } from '../../src/core/words';

describe('words: how accounts are named and ordered in what a person reads (issue 29)', () => {
  it('names an account "Provider / name", never by its ids', () => {
    assert.equal(accountTitle('openai', 'default'), 'OpenAI / default');
    assert.equal(accountTitle('github-copilot', 'work'), 'GitHub Copilot / work');
  });

  it('puts "an" before a vowel and "a" before a consonant', () => {
    assert.equal(withArticle('anthropic'), 'an Anthropic');
    assert.equal(withArticle('openai'), 'an OpenAI');
    assert.equal(withArticle('groq'), 'a Groq');
  });

  it("sorts accounts in the view's order: providers by label, then names; creation order does not matter", () => {
    const made = [
      { provider: 'openai', name: 'b' },
      { provider: 'anthropic', name: 'zeta' },
      { provider: 'anthropic', name: 'alpha' },
      { provider: 'groq', name: 'a' },
    ];
    assert.deepEqual(
      inViewOrder(made).map((a) => `${a.provider}/${a.name}`),
      ['anthropic/alpha', 'anthropic/zeta', 'groq/a', 'openai/b'],
    );
    assert.equal(made[0].name, 'b', 'the input is left as it was');
  });

  it('says plainly that there are no usage figures, without a double negative', () => {
    const all = noUsageFigures();
    assert.match(all, /^No usage figures to read: API keys have none\./);
    assert.doesNotMatch(all, /None of your accounts have no/);
    assert.match(
      noUsageFigures({ provider: 'anthropic' }),
      /^Anthropic: no usage figures to read, API keys have none\./,
    );
    assert.match(noUsageFigures({ provider: 'openai', account: 'work' }), /^OpenAI \/ work: no usage figures to read/);
  });
});
