import assert from 'node:assert/strict';
import {
  accountNameProblem,
  apiKeyProblem,
  keyTail,
  requireAccountName,
  requireApiKey,
} from '../../src/core/credentials';
import { isFault } from '../../src/core/faults';

describe('credentials: key and account-name rules', () => {
  const badKeys: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['abcde', /too short/],
    ['sk-1234567890123456', /too short/],
    ['your-api-key-goes-here-please', /placeholder/],
    ['YOUR_API_KEY_0000000000000000', /placeholder/],
    ['sk-xxxxxxxxxxxxxxxxxxxxxxxx', /placeholder/],
    ['<paste-your-anthropic-key-here>', /placeholder/],
    ['sk-...', /placeholder/],
    ['sk-ant-api03-abc...xyz0123456789', /placeholder/],
    ['sk-ant-api03 abcdefghijklmnopqrstu', /spaces/],
    ['sk-ant-api03-abcdefghij\nklmnopqrstu', /spaces/],
    ['!cat-the-anthropic-key-file-please', /start with "!"/],
  ];
  for (const [key, why] of badKeys) {
    it(`rejects ${JSON.stringify(key)}`, () => {
      const problem = apiKeyProblem(key);
      assert.ok(problem, 'expected a problem');
      assert.match(problem, why);
      assert.ok(!problem.includes(key.trim()) || key.trim().length < 8, 'the message must not echo the key');
    });
  }

  const goodKeys = [
    'sk-ant-api03-AAAAbbbbCCCCddddEEEEffff1111',
    'gsk_0123456789abcdefghijklmnop',
    'AIzaSyD-0123456789abcdefghijklmnop',
    '  sk-proj-0123456789abcdefghijKLMNOP\n',
  ];
  for (const key of goodKeys) {
    it(`accepts ${JSON.stringify(key.trim().slice(0, 10))}…`, () => assert.equal(apiKeyProblem(key), undefined));
  }

  it('trims a pasted key and raises a typed invalid-key fault', () => {
    assert.equal(
      requireApiKey('  sk-proj-0123456789abcdefghijKLMNOP\n', 'OpenAI'),
      'sk-proj-0123456789abcdefghijKLMNOP',
    );
    assert.throws(
      () => requireApiKey('short', 'OpenAI'),
      (e) => isFault(e, 'invalid-key') && /OpenAI key was not stored/.test(e.message),
    );
    assert.throws(
      () => requireApiKey(42, 'OpenAI'),
      (e) => isFault(e, 'invalid-key'),
    );
  });

  const names: [string, boolean][] = [
    ['default', true],
    ['work', true],
    ['team_2-prod', true],
    ['a'.repeat(50), true],
    ['a'.repeat(51), false],
    ['', false],
    ['with space', false],
    ['dots.are.out', false],
    ['ümlaut', false],
    ['../etc', false],
  ];
  for (const [name, ok] of names) {
    it(`account name ${JSON.stringify(name.length > 12 ? `${name.slice(0, 6)}…(${name.length})` : name)} is ${ok ? 'valid' : 'invalid'}`, () => {
      assert.equal(accountNameProblem(name) === undefined, ok);
      if (!ok)
        assert.throws(
          () => requireAccountName(name),
          (e) => isFault(e, 'invalid-account'),
        );
    });
  }

  it('shows only the last four characters of a key', () => {
    assert.equal(keyTail('sk-ant-api03-AAAAbbbbCCCCddddEEEEffff1111'), '…1111');
    assert.equal(keyTail('short'), '…');
  });
});
