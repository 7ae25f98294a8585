import assert from 'node:assert/strict';
import { Redactor } from '../../src/core/redact';
import { KEY_A } from './helpers';

describe('redact: the one redaction helper', () => {
  it('removes every known secret, wherever it appears', () => {
    const r = new Redactor();
    const secret = 'q9Zr2LmN8vX4kP0wT7yB3cD6';
    r.setSecrets([secret]);
    const out = r.redact(`key=${secret} again:${secret}.`);
    assert.ok(!out.includes(secret));
    assert.equal(out, 'key=[redacted] again:[redacted].');
  });

  it('masks token shapes it was never told about', () => {
    const r = new Redactor();
    const samples = [
      KEY_A,
      'ghp_0123456789abcdefghijABCDEFGHIJ',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_0123456789',
      'gsk_0123456789abcdefghij',
      'AIzaSyD-0123456789abcdefghijklmnop',
    ];
    for (const s of samples) assert.ok(!r.redact(`got ${s} back`).includes(s), s);
    assert.equal(r.redact('Authorization: Bearer abcdefghijklmnop'), 'Authorization: Bearer [redacted]');
    assert.equal(r.redact('{"key": "whatever-it-is"}'), '{"key": "[redacted]"}');
    // pi-ai 1.x errors carry the server's answer as body=…; (any token shape, here an opaque one).
    assert.equal(
      r.redact('Token exchange failed. url=https://x/t; body=opaque-rt-abc123; details=SyntaxError'),
      'Token exchange failed. url=https://x/t; body=[redacted]; details=SyntaxError',
    );
  });

  it('leaves ordinary text alone and ignores too-short secrets', () => {
    const r = new Redactor();
    r.setSecrets(['abc']);
    assert.equal(
      r.redact('Signed in: anthropic/work (api key …1111), default.'),
      'Signed in: anthropic/work (api key …1111), default.',
    );
    // Found by the host secrets audit: "token" is also a word.
    assert.equal(
      r.redact('anthropic/max: token refreshed; valid until 2026-11-23T11:36:33Z.'),
      'anthropic/max: token refreshed; valid until 2026-11-23T11:36:33Z.',
    );
    assert.equal(r.redact('Authorization: token gho_x9y8z7w6v5u4t3s2r1q0'), 'Authorization: token [redacted]');
    assert.equal(r.redact('Authorization: token 0123456789abcdef0123'), 'Authorization: token [redacted]');
  });

  it('forgets secrets that were removed', () => {
    const r = new Redactor();
    r.setSecrets(['first-secret-value']);
    r.setSecrets(['second-secret-value']);
    assert.equal(r.redact('first-secret-value'), 'first-secret-value');
    assert.equal(r.redact('second-secret-value'), '[redacted]');
  });
});
