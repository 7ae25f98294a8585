// The companion's pins (companion/sticky.ts) as pure state, and the reload message they read
// (src/core/pi-link/protocol.ts): which answers and which reloads keep a session on its key.
import assert from 'node:assert/strict';
import { Pins } from '../../companion/sticky';
import { fingerprint, MAX_USABLE, toPiSchema } from '../../src/core/pi-link/protocol';
import { KEY_A, KEY_B } from './helpers';

describe('sticky sessions: the pins (companion/sticky.ts)', () => {
  it('a success pins the key; 401/402/403/429 end the pin; a request’s own fault (400) and 5xx keep it', () => {
    const p = new Pins();
    p.answered('anthropic', KEY_A, 200);
    assert.equal(p.keyFor('anthropic'), KEY_A);
    for (const status of [400, 500, 529]) {
      p.answered('anthropic', KEY_A, status);
      assert.equal(p.keyFor('anthropic'), KEY_A, `after ${status}`);
    }
    for (const status of [401, 402, 403, 429]) {
      p.answered('anthropic', KEY_A, 200);
      p.answered('anthropic', KEY_A, status);
      assert.equal(p.keyFor('anthropic'), undefined, `after ${status}`);
    }
  });

  it('a soft reload keeps the pins whose keys are usable; any other reload ends them all', () => {
    const p = new Pins();
    p.answered('anthropic', KEY_A, 200);
    p.answered('openai', KEY_B, 200);
    p.reloaded({ soft: true, usable: [fingerprint(KEY_A), fingerprint(KEY_B)] });
    assert.equal(p.size, 2);
    p.reloaded({ soft: true, usable: [fingerprint(KEY_A)] }); // B rests
    assert.deepEqual([p.keyFor('anthropic'), p.keyFor('openai')], [KEY_A, undefined]);
    p.reloaded({ soft: true }); // soft, but no list: nothing is known usable
    assert.equal(p.size, 0);
    p.answered('anthropic', KEY_A, 200);
    p.reloaded(undefined); // by hand, or the answer to this pi's own failure
    assert.equal(p.size, 0);
  });

  it('the reload message: an older window’s bare reload still parses, the list is bounded, no key fits in it', () => {
    assert.ok(toPiSchema.safeParse({ v: 1, type: 'reload' }).success);
    assert.ok(toPiSchema.safeParse({ v: 1, type: 'reload', soft: true, usable: [fingerprint(KEY_A)] }).success);
    assert.ok(!toPiSchema.safeParse({ v: 1, type: 'reload', soft: true, usable: [KEY_A] }).success);
    const many = Array.from({ length: MAX_USABLE + 1 }, () => fingerprint(KEY_A));
    assert.ok(!toPiSchema.safeParse({ v: 1, type: 'reload', soft: true, usable: many }).success);
  });
});
