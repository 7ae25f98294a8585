import assert from 'node:assert/strict';
import { ConflictMemory, KEPT_LIMIT, LoopGuard } from '../../src/core/mirror/sync-policy';

describe('two-way sync decisions', () => {
  it('pauses following auth.json after 5 watch-triggered writes within 10 s, for a minute', () => {
    const g = new LoopGuard();
    assert.deepEqual(
      [0, 1000, 2000, 3000].map((t) => g.wrote(t)),
      [false, false, false, false],
    );
    assert.equal(g.paused(3500), false);
    assert.equal(g.wrote(4000), true, 'the fifth write in the window starts a pause');
    assert.equal(g.paused(4000 + 59_999), true);
    assert.equal(g.paused(4000 + 60_000), false);
    assert.equal(g.wrote(70_000), false, 'the count starts over after a pause');
  });

  it('does not count writes that fall out of the window', () => {
    const g = new LoopGuard();
    for (const t of [0, 11_000, 22_000, 33_000, 44_000, 55_000]) assert.equal(g.wrote(t), false);
  });

  it('asks about a foreign entry once per content, and never again after "Leave It"', async () => {
    let kept: readonly string[] = [];
    const m = new ConflictMemory({ get: () => kept, set: (v) => void (kept = v) });
    assert.equal(m.shouldAsk('anthropic', 'fp1'), true);
    assert.equal(m.shouldAsk('anthropic', 'fp1'), false, 'same content: asked already this session');
    assert.equal(m.shouldAsk('anthropic', 'fp2'), true, 'new content: asked again');
    await m.keep('fp3');
    const another = new ConflictMemory({ get: () => kept, set: (v) => void (kept = v) });
    assert.equal(another.shouldAsk('openai', 'fp3'), false, 'a kept content is not asked in another session');
  });

  it(`remembers only the last ${KEPT_LIMIT} kept contents`, async () => {
    let kept: readonly string[] = [];
    const m = new ConflictMemory({ get: () => kept, set: (v) => void (kept = v) });
    for (let i = 0; i < KEPT_LIMIT + 10; i++) await m.keep(`fp${i}`);
    assert.equal(kept.length, KEPT_LIMIT);
    assert.equal(kept[0], 'fp10');
    await m.keep(undefined);
    assert.equal(kept.length, KEPT_LIMIT, 'an entry without a fingerprint is not remembered');
  });
});
