// Transport failures say in words what could not be reached and why, keep the code for the UI's
// actions, and never show a bare code such as ECONNREFUSED.
import { detailsOf } from '../../src/core/faults';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isFault } from '../../src/core/faults';
import { getJson } from '../../src/core/http';
import { networkFault } from '../../src/core/network-words';

const CODES = [
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'CERT_HAS_EXPIRED',
  'SELF_SIGNED_CERT_IN_CHAIN',
];

describe('network faults in words', () => {
  for (const code of CODES) {
    it(`${code}: words, no code in the message, code kept in details`, () => {
      const f = networkFault('api.anthropic.com', code);
      assert.equal(f.code, 'network');
      assert.match(f.message, /^Could not reach api\.anthropic\.com: [a-z]/);
      assert.ok(!f.message.includes(code), f.message);
      assert.equal(detailsOf(f, 'network')?.code, code);
      assert.ok(f.nextStep);
    });
  }

  it('a proxy is suggested for name lookups and refused connections, not for an answer that stopped', () => {
    assert.equal(detailsOf(networkFault('h', 'ENOTFOUND'), 'network')?.proxy, 'maybe');
    assert.match(networkFault('h', 'ENOTFOUND').nextStep ?? '', /http\.proxy/);
    assert.equal(detailsOf(networkFault('h', 'UND_ERR_BODY_TIMEOUT'), 'network')?.proxy, undefined);
  });

  it('an unknown code still reads as words', () => {
    const f = networkFault('h', 'EWHATEVER');
    assert.match(f.message, /the connection failed/);
  });

  it('a refused loopback port becomes words through http()', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    await assert.rejects(
      getJson(`http://127.0.0.1:${port}/v1/models?key=SECRET`),
      (e) =>
        isFault(e, 'network') &&
        /refused the connection/.test(e.message) &&
        !/ECONNREFUSED|SECRET/.test(e.message) &&
        e.details.code === 'ECONNREFUSED',
    );
  });
});
