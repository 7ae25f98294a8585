import assert from 'node:assert/strict';
import { usageBody, usagePage } from '../../src/core/usage-panel/html';
import { usageReport } from '../../src/core/usage-panel/report';
import type { AccountInfo } from '../../src/core/vault';
import { lastDays, UsageLedger } from '../../src/core/llm/ledger';

const NOW = Date.UTC(2026, 11, 6, 8, 0);
const account = (provider: string, name: string, kind: AccountInfo['kind'] = 'oauth'): AccountInfo => ({
  provider,
  name,
  kind,
  isDefault: false,
  createdAt: NOW - 1000,
  keyTail: '…abcd',
  needsSignIn: false,
  headerNames: [],
});

const report = () =>
  usageReport({
    accounts: [account('openai', 'key', 'api_key'), account('anthropic', 'max-2'), account('anthropic', 'max-1')],
    inUse: (p) => (p === 'anthropic' ? 'max-2' : 'key'),
    usage: (p, a) =>
      p !== 'anthropic'
        ? undefined
        : {
            snapshot: {
              plan: 'Max 20x',
              fetchedAt: NOW - 60_000,
              windows: [
                { label: '5h', usedPercent: a === 'max-1' ? 85 : 10, resetsAt: NOW + 3_600_000 },
                { label: '7d', usedPercent: a === 'max-1' ? 40 : 5, resetsAt: NOW + 86_400_000 },
              ],
            },
          },
    cooldown: (_p, a) => (a === 'max-1' ? NOW + 3_600_000 : undefined),
    tokens: (_p, a) => (a === 'key' ? { input: 1200, output: 300, requests: 2 } : undefined),
    now: NOW,
  });

describe('Usage panel: what it shows (issue 29)', () => {
  it('groups accounts by provider in the view order, with windows, plan, rest and health', () => {
    const r = report();
    assert.deepEqual(
      r.map((p) => [p.label, p.accounts.map((a) => a.name)]),
      [
        ['Anthropic', ['max-1', 'max-2']],
        ['OpenAI', ['key']],
      ],
    );
    const [max1, max2] = r[0].accounts;
    assert.equal(max1.health, 'resting');
    assert.equal(max1.restingUntil, NOW + 3_600_000);
    assert.equal(max2.inUse, true);
    assert.equal(max2.plan, 'Max 20x');
    assert.equal(r[1].accounts[0].tokensToday?.input, 1200);
  });

  it('draws every window as a meter screen readers can read, with its reset time', () => {
    const html = usageBody(report(), { nonce: 'n', cspSource: '', time: (t) => new Date(t).toISOString() });
    assert.match(html, /role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="85"/);
    assert.match(html, /class="fill high w85"/, 'the bar is 85 % wide');
    assert.doesNotMatch(html, /style=/, 'no style attributes: the page policy would drop them');
    assert.match(html, /max-1 \(Anthropic\): 5h window 85% used, resets 2026-12-06T09:00:00\.000Z/);
    assert.match(html, /Resting until 2026-12-06T09:00:00\.000Z/);
    assert.match(html, /OpenAI reports no usage or balance for this key\./);
    assert.match(html, /Today: <b>1,200<\/b> in, <b>300<\/b> out, 2 requests/);
    assert.match(html, /href="command:piAccounts\.useAccount\?[^"]*max-1/, 'the account not in use can be put in use');
  });

  it('escapes what it shows and allows nothing but its own nonce', () => {
    const hostile = usageReport({
      accounts: [account('anthropic', '<img src=x onerror=alert(1)>')],
      inUse: () => undefined,
      usage: () => ({ problem: { kind: 'malformed', message: '<script>alert(1)</script>', at: NOW } }),
      cooldown: () => undefined,
      tokens: () => undefined,
      now: NOW,
    });
    const page = usagePage(hostile, { nonce: 'abc', cspSource: '', time: String });
    assert.doesNotMatch(page, /<img src=x/);
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(page, /default-src 'none'; style-src 'nonce-abc'; script-src 'nonce-abc';/);
  });
});

describe('Usage panel: API-key balances', () => {
  const html = (balance: { remaining: number; total?: number; exhausted?: boolean } | undefined) =>
    usageBody(
      usageReport({
        accounts: [account('openrouter', 'or-key', 'api_key')],
        inUse: () => 'or-key',
        usage: () =>
          balance && {
            snapshot: {
              windows: [],
              fetchedAt: NOW,
              balance: { currency: 'USD', exhausted: false, detail: 'key limit', ...balance },
            },
          },
        cooldown: () => undefined,
        tokens: () => undefined,
        now: NOW,
      }),
      { nonce: 'n', cspSource: '', time: (t) => new Date(t).toISOString() },
    );

  it('shows what is left, as a meter when there is a limit; low and used up in words', () => {
    assert.match(html(undefined), /Balance not read yet\./);
    assert.match(html(undefined), /Refresh Balance/);
    const ok = html({ remaining: 3, total: 5 });
    assert.match(ok, /aria-valuenow="60" aria-label="or-key \(OpenRouter\): 60% of the balance left"/);
    assert.match(ok, /\$3\.00 left of \$5\.00 \(key limit\)/);
    assert.match(html({ remaining: 0.2, total: 5 }), /low: other accounts are picked first/);
    const out = html({ remaining: 0, total: 5, exhausted: true });
    assert.match(out, /badge no-balance">no balance</);
    assert.match(out, /used up \(\$0\.00 of \$5\.00\) \(key limit\) — disabled until you add credits/);
  });
});

describe('Usage panel: today and this week from the ledger', () => {
  it('the ledger keeps a week per account, reads its first format, and drops older days', () => {
    let saved: unknown = { 'anthropic/work': { day: '2026-12-04', input: 10, output: 5, requests: 1 } };
    let today = '2026-12-06';
    const ledger = new UsageLedger({ get: () => saved, set: (v) => void (saved = v) }, () => today);
    ledger.add('anthropic', 'work', 100, 40, 20);
    assert.deepEqual(ledger.forToday('anthropic', 'work'), { input: 100, output: 40, requests: 1, cached: 20 });
    const week = ledger.week('anthropic', 'work');
    assert.deepEqual(
      week.map((d) => [d.day, d.tokens.input]),
      [
        ['2026-11-30', 0],
        ['2026-12-01', 0],
        ['2026-12-02', 0],
        ['2026-12-03', 0],
        ['2026-12-04', 10],
        ['2026-12-05', 0],
        ['2026-12-06', 100],
      ],
    );
    today = '2026-12-12';
    ledger.add('anthropic', 'work', 1, 1);
    assert.deepEqual(Object.keys((saved as Record<string, { days: object }>)['anthropic/work'].days), [
      '2026-12-06',
      '2026-12-12',
    ]);
    const again = new UsageLedger({ get: () => saved, set: () => undefined }, () => today);
    assert.equal(again.week('anthropic', 'work')[0].tokens.input, 100, 'six days ago is still in the week');
  });

  it('draws the week as a chart with a table of the same figures for screen readers', () => {
    const days = lastDays('2026-12-06', 7);
    const html = usageBody(
      usageReport({
        accounts: [account('anthropic', 'max-1')],
        inUse: () => 'max-1',
        usage: () => undefined,
        cooldown: () => undefined,
        tokens: () => ({ input: 12_000, output: 3_400, requests: 4 }),
        week: () => days.map((day, i) => ({ day, tokens: { input: i * 1000, output: i * 200, requests: i ? 1 : 0 } })),
        now: NOW,
      }),
      { nonce: 'n', cspSource: '', time: (t) => new Date(t).toISOString() },
    );
    assert.match(
      html,
      /Today: <b>12,000<\/b> in, <b>3,400<\/b> out, 4 requests · This week: <b>25,200<\/b> tokens, 6 requests/,
    );
    assert.match(html, /<svg class="chart" role="img" aria-labelledby="t-anthropic-max-1-c"/);
    assert.match(html, /<table class="sr-only" id="t-anthropic-max-1"><caption>Tokens per day, max-1<\/caption>/);
    assert.match(html, /<th scope="row">2026-12-06<\/th><td>6,000<\/td><td>1,200<\/td><td>1<\/td>/);
    assert.match(html, /<text class="day today"[^>]*>Sun<\/text>/, 'today is the last bar, marked');
    assert.equal((html.match(/<rect class="in"/g) ?? []).length, 7);
    assert.doesNotMatch(html, /style=/);
  });
});
