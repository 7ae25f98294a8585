// API-key balances (src/core/usage/balance.ts) against loopback emulators of each provider's
// documented endpoint, which refuse a wrong key (401) as the real ones do; and what the balance
// does to rotation: used up disables the account until the person acts, low is picked last.
import assert from 'node:assert/strict';
import { Accounts } from '../../src/core/accounts';
import type { Logger } from '../../src/core/log';
import { decide, pickPercent } from '../../src/core/rotation/policy';
import {
  deepseekBalance,
  describeBalance,
  isLowBalance,
  moonshotBalance,
  openrouterBalance,
  type BalanceClient,
} from '../../src/core/usage/balance';
import { UsageError, type UsageSnapshot } from '../../src/core/usage/usage-client';
import { balanceClient } from '../../src/core/usage-service/usage-service';
import { emulator, type Seen } from './emulator';
import { MemorySecretStore } from './helpers';

const NOW = 1_800_000_000_000;
const GOOD = 'sk-good-0123456789abcdef';

/** The provider's own refusal of a key it does not know, as its docs and users show it. */
const REFUSALS = {
  deepseek: {
    error: {
      message: 'Authentication Fails, Your api key: ****cdef is invalid',
      type: 'authentication_error',
      code: 'invalid_request_error',
    },
  },
  moonshot: { error: { message: 'Invalid Authentication', type: 'invalid_authentication_error' } },
  openrouter: { error: { message: 'User not found.', code: 401 } },
};

/** One documented GET endpoint: the right path and a bearer key, or the provider's 401. */
async function endpoint(path: string, refusal: unknown, answer: (r: Seen) => unknown) {
  return emulator((r) => {
    if (r.method !== 'GET' || r.path !== path) return { status: 404, json: { error: { message: 'Not Found' } } };
    if (r.headers.authorization !== `Bearer ${GOOD}`) return { status: 401, json: refusal };
    return { json: answer(r) };
  });
}

const refused = async (client: BalanceClient) =>
  assert.rejects(client.fetch('sk-wrong'), (e) => e instanceof UsageError && e.problem === 'unauthorized');

describe('API-key balances against emulators of their documented endpoints', () => {
  it('DeepSeek: GET /user/balance; USD first; is_available false is used up; a wrong key is refused', async () => {
    let body: unknown = {
      is_available: true,
      balance_infos: [
        { currency: 'CNY', total_balance: '110.00', granted_balance: '10.00', topped_up_balance: '100.00' },
        { currency: 'USD', total_balance: '4.20', granted_balance: '0.00', topped_up_balance: '4.20' },
      ],
    };
    const em = await endpoint('/user/balance', REFUSALS.deepseek, () => body);
    const client = deepseekBalance({ base: em.base, now: () => NOW });
    assert.deepEqual(await client.fetch(GOOD), {
      windows: [],
      balance: { remaining: 4.2, currency: 'USD', exhausted: false, detail: undefined },
      fetchedAt: NOW,
    });
    body = {
      is_available: false,
      balance_infos: [{ currency: 'CNY', total_balance: '0.00', granted_balance: '0.00', topped_up_balance: '0.00' }],
    };
    const empty = await client.fetch(GOOD);
    assert.equal(empty.balance?.exhausted, true);
    assert.equal(describeBalance(empty.balance), 'used up (¥0.00)');
    await refused(client);
    body = { balance: 3 };
    await assert.rejects(client.fetch(GOOD), (e) => e instanceof UsageError && e.problem === 'malformed');
    await em.close();
  });

  it('Moonshot: GET /v1/users/me/balance; available_balance ≤ 0 is used up; USD on .ai, CNY on .cn', async () => {
    let available = 49.58894;
    const em = await endpoint('/v1/users/me/balance', REFUSALS.moonshot, () => ({
      code: 0,
      data: { available_balance: available, voucher_balance: 46.58893, cash_balance: available - 46.58893 },
      scode: '0x0',
      status: true,
    }));
    const intl = await moonshotBalance({ base: `${em.base}/v1`, now: () => NOW }).fetch(GOOD);
    assert.equal(intl.balance?.currency, 'USD');
    assert.equal(intl.balance?.remaining, 49.58894);
    assert.equal(describeBalance(intl.balance), '$49.59 left ($46.59 in vouchers)');
    const cn = balanceClient('moonshotai-cn', `${em.base}/v1`)!;
    assert.equal(cn.provider, 'moonshotai-cn');
    assert.equal((await cn.fetch(GOOD)).balance?.currency, 'CNY');
    available = -0.5;
    assert.equal((await cn.fetch(GOOD)).balance?.exhausted, true);
    await refused(cn);
    await em.close();
  });

  it('OpenRouter: the key’s limit from /key; without one the credits, and none for an inference key', async () => {
    let limit: number | null = 5;
    let management = false;
    const em = await emulator((r) => {
      if (r.headers.authorization !== `Bearer ${GOOD}`) return { status: 401, json: REFUSALS.openrouter };
      if (r.path === '/api/v1/key')
        return {
          json: {
            data: {
              label: 'sk-or-v1-au7...890',
              limit,
              limit_remaining: limit === null ? null : 0.1,
              limit_reset: null,
              usage: 4.9,
              usage_daily: 0.2,
              is_free_tier: false,
              is_management_key: management,
            },
          },
        };
      // Credits need a management key (https://openrouter.ai/docs/api/api-reference/credits/get-credits).
      if (r.path === '/api/v1/credits')
        return management
          ? { json: { data: { total_credits: 100.5, total_usage: 25.75 } } }
          : { status: 403, json: { error: { message: 'Only management keys can perform this operation', code: 403 } } };
      return { status: 404, json: { error: { message: 'Not Found', code: 404 } } };
    });
    const client = openrouterBalance({ base: `${em.base}/api/v1`, now: () => NOW });
    const capped = await client.fetch(GOOD);
    assert.deepEqual(capped.balance, {
      remaining: 0.1,
      currency: 'USD',
      exhausted: false,
      total: 5,
      detail: 'key limit',
    });
    assert.equal(isLowBalance(capped.balance), true, 'a tenth of the limit is low');
    limit = null;
    assert.deepEqual(await client.fetch(GOOD), { windows: [], fetchedAt: NOW }, 'an inference key: no balance');
    management = true;
    assert.deepEqual((await client.fetch(GOOD)).balance, {
      remaining: 74.75,
      currency: 'USD',
      exhausted: false,
      total: 100.5,
      detail: 'credits',
    });
    await refused(client);
    assert.deepEqual(
      em.seen.map((s) => s.path),
      ['/api/v1/key', '/api/v1/key', '/api/v1/credits', '/api/v1/key', '/api/v1/credits', '/api/v1/key'],
    );
    await em.close();
  });

  it('a low balance is picked after the others; a used-up one counts as full', () => {
    const usage = (remaining: number, o: { total?: number; exhausted?: boolean } = {}): UsageSnapshot => ({
      windows: [],
      fetchedAt: NOW,
      balance: { remaining, currency: 'USD', exhausted: o.exhausted ?? remaining <= 0, total: o.total },
    });
    assert.equal(pickPercent(usage(50)), 0);
    assert.equal(pickPercent(usage(0.5)), 90);
    assert.equal(pickPercent(usage(0, { exhausted: true })), 100);
    assert.equal(pickPercent(usage(40, { total: 100 })), 60);
    const d = decide(
      'usage-based',
      90,
      [
        { name: 'low', isDefault: true, usage: usage(0.4), cooldownUntil: NOW + 1000 },
        { name: 'rich', isDefault: false, usage: usage(30) },
        { name: 'lowish', isDefault: false, usage: usage(0.6) },
      ],
      'low',
      NOW,
    );
    assert.equal(d.inUse, 'rich');
  });
});

describe('balances in the usage service and rotation (src/core/accounts.ts)', () => {
  const quiet: Logger = {
    trace: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };

  it('a used-up balance disables the key until you act ("no balance"); credits again free it', async () => {
    let available = 0;
    const em = await endpoint('/user/balance', REFUSALS.deepseek, () => ({
      is_available: available > 0,
      balance_infos: [
        {
          currency: 'USD',
          total_balance: available.toFixed(2),
          granted_balance: '0.00',
          topped_up_balance: available.toFixed(2),
        },
      ],
    }));
    const accounts = new Accounts({
      store: new MemorySecretStore(),
      log: quiet,
      settings: { mode: () => 'usage-based', threshold: () => 90 },
      oauth: () => undefined,
      usage: {
        client: () => undefined,
        balance: (p) => (p === 'deepseek' ? deepseekBalance({ base: em.base }) : undefined),
        quietMs: 60_000,
      },
      refreshLock: () => async (_p, _a, step) => (await step(() => undefined)).result,
    });
    await accounts.load();
    await accounts.vault.add('deepseek', 'empty', { type: 'api_key', key: GOOD });
    await accounts.vault.add('deepseek', 'proxied', { type: 'api_key', key: 'sk-proxy' });
    await accounts.vault.setRequest('deepseek', 'proxied', { baseUrl: 'https://proxy.example/v1' });
    assert.deepEqual(
      accounts.usage.targets('deepseek'),
      [{ provider: 'deepseek', account: 'empty' }],
      'a key with its own base URL is not sent to DeepSeek',
    );
    const notices: string[] = [];
    accounts.rotation.onDidChange((c) => c.notice && notices.push(c.notice));
    await accounts.usage.refresh({ force: true });
    assert.deepEqual(accounts.rotation.holdOf('deepseek', 'empty'), {
      reason: 'the balance is used up',
      cause: 'no-balance',
      action:
        'Add credits on the provider\'s billing page, then choose "Use This Account" in the Accounts view to use it again.',
    });
    assert.equal(accounts.rotation.inUse('deepseek')?.name, 'proxied', 'rotation moves off the empty key');
    await accounts.usage.refresh({ force: true });
    assert.equal(notices.length, 1, 'told once, not on every read');
    available = 12;
    await accounts.usage.refresh({ force: true });
    assert.equal(accounts.rotation.holdOf('deepseek', 'empty'), undefined);
    assert.equal(accounts.usage.entry('deepseek', 'empty')?.snapshot?.balance?.remaining, 12);
    assert.ok(
      em.seen.every((s) => s.headers.authorization === `Bearer ${GOOD}`),
      'only the key of the account read',
    );
    accounts.dispose();
    await em.close();
  });
});
