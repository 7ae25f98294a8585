// Host scenarios "M" (issue 15): every account is a model. The packaged .vsix in a real VS Code;
// another extension (test/host/fixtures/consumer) lists Pi Accounts' models with vscode.lm and
// runs a tool-call round trip with each provider, against the loopback model emulators.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codexToken, startModelEmulator } from '../emulators/models.mjs';
import { ARTIFACTS, packageConsumer, prepareExtensions, Workbench } from './harness.mjs';
import { VSIX, finish, waitFor } from './steps.mjs';

let extensions;
let w;

const lines = (file) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('Every account is a model (real VS Code host)', function () {
  this.timeout(240_000);

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([VSIX, packageConsumer()]);
  });

  afterEach(async function () {
    await finish(this.currentTest, w);
    w = undefined;
  });

  it('M1. models of four providers (API keys, a ChatGPT subscription, a Copilot sign-in) in vscode.lm; each completes a tool-call round trip', async () => {
    const emu = await startModelEmulator();
    try {
      const day = Date.now() + 24 * 3_600_000;
      // pi's auth.json as pi's /login leaves it; Pi Accounts offers to import it on first start.
      const auth = {
        anthropic: { type: 'api_key', key: 'sk-ant-api03-hostModels-0123456789abcdef' },
        google: { type: 'api_key', key: 'AIzaSyHostModels0123456789abcdefghij' },
        'openai-codex': {
          type: 'oauth',
          access: codexToken('acct-host-1'),
          refresh: 'rt_host_codex_0123456789',
          expires: day,
          accountId: 'acct-host-1',
        },
        'github-copilot': {
          type: 'oauth',
          refresh: 'ghu_hostCopilot0123456789',
          access: `tid=host;exp=${Math.floor(day / 1000)};proxy-ep=proxy.individual.githubcopilot.com;sku=free`,
          expires: day,
        },
      };
      const paths = { anthropic: '', google: '/v1beta', 'openai-codex': '/backend-api', 'github-copilot': '/copilot' };
      const endpoints = Object.fromEntries(
        Object.entries(paths).map(([p, suffix]) => [p, { models: `${emu.base}${suffix}` }]),
      );
      const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
      const wanted = [
        'anthropic/claude-sonnet-5-5',
        'openai-codex/gpt-6.2-sol',
        'github-copilot/kimi-k3',
        'google/gemini-2.5-flash',
      ];
      w = await Workbench.start({
        extensionsTemplate: extensions,
        files: { 'pi-agent/auth.json': JSON.stringify(auth, null, 2) },
        env: {
          PI_CONSUMER_OUT: outDir,
          PI_CONSUMER_MODELS: wanted.join(','),
          PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify(endpoints),
        },
        // The ChatGPT and Copilot sign-ins serve other extensions only with this on (off by default).
        settings: { 'chat.disableAIFeatures': false, 'piAccounts.models.subscriptionSignIns': true },
      });
      const offer = await w.notification("pi's auth.json has credentials for", 60_000);
      await offer.getByRole('button', { name: 'Import…' }).click();
      await w.answer(''); // every credential is picked; Enter imports them
      await w.notification('Imported 4 accounts from pi');

      await w.runCommand('Pi Accounts Consumer: Tool Round Trip With Each Provider');
      const toolsFile = join(outDir, 'tools.jsonl');
      // VS Code asks once whether the extension may use these models.
      const allow = w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
      await Promise.race([
        allow.click({ timeout: 20_000 }).catch(() => undefined),
        waitFor(() => existsSync(toolsFile), 20_000).catch(() => undefined),
      ]);
      await waitFor(() => lines(toolsFile).length >= wanted.length, 90_000);

      const models = lines(join(outDir, 'models.jsonl'))[0];
      const families = new Set(models.map((m) => m.family));
      for (const p of Object.keys(auth)) assert.ok(families.has(p), `${p} serves models: ${[...families]}`);
      assert.ok(models.every((m) => m.vendor === 'pi-accounts'));
      const results = lines(toolsFile);
      for (const r of results) {
        assert.equal(r.error, undefined, `${r.model}: ${r.error}`);
        assert.equal(r.text, 'Checking the weather in Oslo — °C?', r.model);
        assert.deepEqual(r.calls, [{ name: 'weather', input: { city: 'Oslo' } }], r.model);
        assert.equal(r.final, 'It is 12 °C in Oslo.', `${r.model}: the tool result went back`);
      }
      const codex = emu.seen.find((s) => s.path === '/backend-api/codex/responses');
      assert.equal(
        codex.headers['chatgpt-account-id'],
        'acct-host-1',
        'the ChatGPT account id reached the Codex backend',
      );
      assert.match(
        String(emu.seen.find((s) => s.path.startsWith('/copilot')).headers.authorization),
        /^Bearer tid=host;/,
      );
      const log = w.logs()['Pi Accounts.log'] ?? '';
      const loaded = /Loaded pi's model layer in (\d+) ms/.exec(log)?.[1];
      console.log(
        `      ${models.length} models from ${families.size} providers; pi's model layer loaded in ${loaded} ms; time to first part per provider: ${results.map((r) => `${r.model.split('/')[0]} ${r.firstMs} ms`).join(', ')}`,
      );
    } finally {
      await emu.close();
    }
  });
  it('M2. another extension gets a vscode.LanguageModelError with a code per failure class; one request per refusal; the rest until resets_at; one cache key over two turns; no Cloudflare listing', async () => {
    const emu = await startModelEmulator();
    try {
      const day = Date.now() + 24 * 3_600_000;
      const GROQ = 'gsk_hostFailures0123456789abcdef';
      const CLAUDE = 'sk-ant-api03-hostLimited-0123456789abcdef';
      const CODEX = codexToken('acct-host-2');
      const auth = {
        groq: { type: 'api_key', key: GROQ },
        anthropic: { type: 'api_key', key: CLAUDE },
        'openai-codex': {
          type: 'oauth',
          access: CODEX,
          refresh: 'rt_host_codex_2',
          expires: day,
          accountId: 'acct-host-2',
        },
        'cloudflare-workers-ai': {
          type: 'api_key',
          key: 'cf-host-0123456789abcdef0123456789abcdef',
          env: { CLOUDFLARE_ACCOUNT_ID: '0123456789abcdef0123456789abcdef' },
        },
      };
      const paths = { groq: '/v1', anthropic: '', 'openai-codex': '/backend-api', 'cloudflare-workers-ai': '/cf' };
      const endpoints = Object.fromEntries(
        Object.entries(paths).map(([p, suffix]) => [p, { models: `${emu.base}${suffix}` }]),
      );
      const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
      w = await Workbench.start({
        extensionsTemplate: extensions,
        files: { 'pi-agent/auth.json': JSON.stringify(auth, null, 2) },
        env: { PI_CONSUMER_OUT: outDir, PI_ACCOUNTS_OAUTH_ENDPOINTS: JSON.stringify(endpoints) },
        // The ChatGPT sign-in serves other extensions only with this on (off by default).
        settings: { 'chat.disableAIFeatures': false, 'piAccounts.models.subscriptionSignIns': true },
      });
      const offer = await w.notification("pi's auth.json has credentials for", 60_000);
      await offer.getByRole('button', { name: 'Import…' }).click();
      await w.answer('');
      await w.notification('Imported');

      const file = join(outDir, 'requests.jsonl');
      const run = async (plan) => {
        const before = lines(file).length;
        writeFileSync(join(outDir, 'plan.json'), JSON.stringify(plan));
        await w.runCommand('Pi Accounts Consumer: Run the Planned Requests');
        const allow = w.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
        await Promise.race([
          allow.click({ timeout: 15_000 }).catch(() => undefined),
          waitFor(() => lines(file).length > before, 15_000).catch(() => undefined),
        ]);
        await waitFor(() => lines(file).length >= before + plan.length, 90_000);
        return lines(file).slice(before);
      };
      const codexModel = 'openai-codex/gpt-6.2-sol';
      const first = 'Plan a trip to Oslo.';
      const turns = await run([
        { label: 'turn 1', model: codexModel, turns: [first] },
        {
          label: 'turn 2',
          model: codexModel,
          turns: [first, 'Checking the weather in Oslo — °C?', 'And the weather?'],
        },
      ]);
      for (const t of turns) assert.equal(t.ok, true, `${t.label}: ${t.message}`);
      const codexSeen = emu.seen.filter((r) => r.path === '/backend-api/codex/responses');
      const keys = codexSeen.map((r) => r.body.prompt_cache_key);
      assert.equal(keys.length, 2);
      assert.ok(keys[0] && keys[0] === keys[1], `one cache key over two turns: ${keys}`);

      // The failure classes, in order, as the emulators answer them.
      const groqAnswers = [
        [
          '400',
          400,
          { body: { error: { message: "Unsupported value: 'temperature' does not support 0.3" } } },
          'BadRequest',
        ],
        ['403', 403, { body: { error: { message: 'Access denied for this model' } } }, 'NoPermissions'],
        ['404', 404, { body: { error: { message: 'The model `x` does not exist' } } }, 'NotFound'],
        ['500', 500, { body: { error: { message: 'Internal server error' } } }, 'ServerError'],
        ['503', 503, { body: { error: { message: 'Service unavailable' } } }, 'ServerError'],
        [
          '200 HTML',
          200,
          { raw: '<!doctype html><title>Log in to the Wi-Fi</title>', contentType: 'text/html' },
          'InvalidResponse',
        ],
        ['200 JSON', 200, { raw: '{"object":"list","data":[]}', contentType: 'application/json' }, 'InvalidResponse'],
        ['401', 401, { body: { error: { message: 'Invalid API Key' } } }, 'NoPermissions'],
      ];
      for (const [, status, extra] of groqAnswers) emu.answer(GROQ, status, extra);
      emu.answer(CLAUDE, 429, {
        headers: { 'retry-after': '30' },
        body: {
          type: 'error',
          error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
        },
      });
      const resetsAt = Math.floor(Date.now() / 1000) + 3 * 3600;
      emu.answer(CODEX, 429, {
        body: {
          error: {
            type: 'usage_limit_reached',
            message: 'The usage limit has been reached',
            plan_type: 'plus',
            resets_at: resetsAt,
          },
        },
      });
      const before = emu.seen.length;
      const plan = [
        ...groqAnswers.map(([label]) => ({ label, model: 'groq/openai/gpt-oss-120b', turns: ['Hello'] })),
        { label: '429', model: 'anthropic/claude-opus-5-5', turns: ['Hello'] },
        { label: '429 usage limit', model: codexModel, turns: ['Hello'] },
      ];
      const results = await run(plan);
      const expected = new Map([
        ...groqAnswers.map(([l, , , c]) => [l, c]),
        ['429', 'Blocked'],
        ['429 usage limit', 'Blocked'],
      ]);
      const table = [];
      for (const r of results) console.log(`      ${r.label}: ${r.name} ${r.code} ${r.message}`);
      for (const r of results) {
        assert.equal(r.ok, false, `${r.label} failed`);
        assert.equal(r.isLanguageModelError, true, `${r.label}: instanceof vscode.LanguageModelError (${r.name})`);
        assert.equal(r.code, expected.get(r.label), `${r.label}: code`);
        // The caller's stack is VS Code's own (where the host rebuilt the error); none of ours reaches it.
        assert.doesNotMatch(
          r.stack,
          /dist\/(extension|pi-ai)\.js|pi-accounts[^/\n]*\/dist\//,
          `${r.label}: none of our frames`,
        );
        if (r.label === '400') assert.doesNotMatch(r.message, /Try again in a moment/);
        table.push(`| ${r.label} | ${r.name} | ${r.code} | ${r.ms} ms | ${r.message.replace(/\|/g, '/')} |`);
      }
      const sent = emu.seen.slice(before);
      const perKey = (key) =>
        sent.filter(
          (r) => r.method === 'POST' && String(r.headers.authorization ?? r.headers['x-api-key']).includes(key),
        ).length;
      assert.equal(perKey(GROQ), groqAnswers.length, 'one request per failure');
      assert.equal(perKey(CLAUDE), 1, 'one request to the rate-limited account');
      assert.equal(perKey(CODEX), 1, 'one request to the usage-limited account');
      const log = w.logs()['Pi Accounts.log'] ?? '';
      const until = /openai-codex\/[^:]+: .*resting until (\S+Z)/.exec(log)?.[1];
      assert.ok(until, 'the rest is logged');
      const drift = Math.abs(Date.parse(until) - resetsAt * 1000);
      assert.ok(drift < 2000, `the rest ends at resets_at (${until}, ${drift} ms off)`);
      // Cloudflare Workers AI: the listing is never requested (its URL has the account placeholder).
      assert.equal(emu.seen.filter((r) => r.path.startsWith('/cf')).length, 0, 'no Cloudflare model listing');

      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(
        join(ARTIFACTS, 'M2.requests.md'),
        [
          '| failure | error name | code | time | message |',
          '|---|---|---|---|---|',
          ...table,
          '',
          `requests: groq ${perKey(GROQ)} for ${groqAnswers.length} failures; anthropic 429: ${perKey(CLAUDE)}; codex usage limit: ${perKey(CODEX)}`,
          `rest until ${until} against resets_at ${new Date(resetsAt * 1000).toISOString()}`,
          `prompt_cache_key on both turns: ${keys[0]}`,
          '',
          'Codex turn 2 as sent:',
          '```json',
          JSON.stringify(
            {
              path: codexSeen[1].path,
              headers: {
                'chatgpt-account-id': codexSeen[1].headers['chatgpt-account-id'],
                session_id: codexSeen[1].headers.session_id,
              },
              body: { ...codexSeen[1].body, input: `[${codexSeen[1].body.input.length} items]` },
            },
            null,
            2,
          ),
          '```',
        ].join('\n'),
      );
      console.log(
        `      ${table.length} failure classes, each a LanguageModelError with its code; see ${join(ARTIFACTS, 'M2.requests.md')}`,
      );
      for (const row of table) console.log(`      ${row}`);
    } finally {
      await emu.close();
    }
  });
  it("M3. the catalog's first screen: pi's default model first, a curated few in the chat's model picker, the rest in Manage Models (screenshots)", async () => {
    const day = Date.now() + 24 * 3_600_000;
    const auth = {
      anthropic: { type: 'api_key', key: 'sk-ant-api03-hostPicker-0123456789abcdef' },
      openai: { type: 'api_key', key: 'sk-proj-hostPicker-0123456789abcdefghijkl' },
      'openai-codex': {
        type: 'oauth',
        access: codexToken('acct-host-3'),
        refresh: 'rt_host_codex_3',
        expires: day,
        accountId: 'acct-host-3',
      },
    };
    const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
    w = await Workbench.start({
      extensionsTemplate: extensions,
      files: { 'pi-agent/auth.json': JSON.stringify(auth, null, 2) },
      env: { PI_CONSUMER_OUT: outDir, PI_CONSUMER_MODELS: '' },
      settings: { 'chat.disableAIFeatures': false },
    });
    const offer = await w.notification("pi's auth.json has credentials for", 60_000);
    await offer.getByRole('button', { name: 'Import…' }).click();
    await w.answer('');
    await w.notification('Imported');
    await w.runCommand('Pi Accounts Consumer: Tool Round Trip With Each Provider');
    await waitFor(() => lines(join(outDir, 'models.jsonl')).length > 0, 60_000);
    const models = lines(join(outDir, 'models.jsonl'))[0];
    const anthropic = models.filter((m) => m.family === 'anthropic');
    assert.equal(anthropic[0].id, 'anthropic/claude-opus-5-5', "pi's default model first");
    assert.ok(!models.some((m) => /\(latest\)/.test(m.name)), 'no (latest) twins');
    assert.ok(models.every((m) => m.maxInputTokens > 0));

    // The chat's model picker, as a person opens it: the model in use, then "Other Models".
    const p = w.page;
    await p.keyboard.press('Escape');
    await p.keyboard.press('Control+Alt+I');
    const current = p.locator('.model-picker-name').first();
    await current.waitFor({ timeout: 30_000 });
    await current.click();
    const rows = p.locator('.chat-model-picker-dropdown .monaco-list-row');
    await rows.filter({ hasText: 'Other Models' }).click();
    await rows.nth(3).waitFor({ timeout: 20_000 });
    await p.mouse.move(5, 5); // no hover card over the list
    mkdirSync(ARTIFACTS, { recursive: true });
    await p.screenshot({ path: join(ARTIFACTS, 'M3.chat-picker.png') });
    const picker = (await rows.allInnerTexts()).map((t) => t.split('\n')).filter(([name, detail]) => name && detail);
    const names = picker.map(([name]) => name);
    const of = (label) => picker.filter(([, detail]) => detail.startsWith(`${label} ·`)).map(([name]) => name);
    assert.equal(new Set(names).size, names.length, `no model twice in the picker: ${names}`);
    assert.ok(of('Anthropic').includes('Claude Opus 5.5'), "pi's default Anthropic model in the picker");
    assert.ok(of('OpenAI').includes('GPT-6.2 Sol'), "pi's default OpenAI model in the picker");
    for (const label of ['Anthropic', 'OpenAI']) assert.ok(of(label).length <= 6, `a curated few of ${label}`);
    assert.ok(!names.some((n) => /latest|preview/i.test(n)), 'no aliases or previews');
    assert.ok(
      names.every((n) => models.some((m) => m.name === n)),
      'every row is a Pi Accounts model',
    );
    console.log(
      `      chat picker: ${names.length} models (Anthropic ${of('Anthropic').length} of ${anthropic.length}, OpenAI ${of('OpenAI').length} of ${models.filter((m) => m.family === 'openai').length}); chat's model: ${await current.innerText()}; rows: ${names.join(', ')}; screenshot ${join(ARTIFACTS, 'M3.chat-picker.png')}`,
    );
    await p.keyboard.press('Escape');

    await w.runCommand('Manage Language Models');
    await w.page.getByText('Claude Opus 5.5').first().waitFor({ timeout: 20_000 });
    await w.page.screenshot({ path: join(ARTIFACTS, 'M3.manage-models.png') });
    console.log(
      `      ${models.length} models; first of Anthropic: ${anthropic[0].name}; screenshot ${join(ARTIFACTS, 'M3.manage-models.png')}`,
    );
  });

  it('M4. subscription sign-ins (ChatGPT, Copilot) are not offered to other extensions by default; API keys are; the setting (with the terms linked) brings them', async () => {
    const day = Date.now() + 24 * 3_600_000;
    const auth = {
      anthropic: { type: 'api_key', key: 'sk-ant-api03-hostDefault-0123456789abcdef' },
      'openai-codex': {
        type: 'oauth',
        access: codexToken('acct-host-4'),
        refresh: 'rt_host_codex_4',
        expires: day,
        accountId: 'acct-host-4',
      },
      'github-copilot': {
        type: 'oauth',
        refresh: 'ghu_hostCopilot4',
        access: `tid=host4;exp=${Math.floor(day / 1000)};proxy-ep=proxy.individual.githubcopilot.com;sku=free`,
        expires: day,
      },
    };
    const outDir = mkdtempSync(join(tmpdir(), 'pi-consumer-out-'));
    w = await Workbench.start({
      extensionsTemplate: extensions,
      files: { 'pi-agent/auth.json': JSON.stringify(auth, null, 2) },
      env: { PI_CONSUMER_OUT: outDir, PI_CONSUMER_MODELS: '' },
      settings: { 'chat.disableAIFeatures': false },
    });
    const offer = await w.notification("pi's auth.json has credentials for", 60_000);
    await offer.getByRole('button', { name: 'Import…' }).click();
    await w.answer('');
    await w.notification('Imported 3 accounts from pi');
    const listing = async (n) => {
      await w.runCommand('Pi Accounts Consumer: Tool Round Trip With Each Provider');
      await waitFor(() => lines(join(outDir, 'models.jsonl')).length >= n, 60_000);
      return new Set(lines(join(outDir, 'models.jsonl'))[n - 1].map((m) => m.family));
    };
    const byDefault = await listing(1);
    assert.deepEqual([...byDefault], ['anthropic'], 'the API key only');

    // The setting, as a person finds it: its description links the providers' terms.
    await w.runCommand('Preferences: Open Settings (UI)');
    await w.page.locator('.settings-editor .suggest-input-container').click();
    await w.page.keyboard.type('piAccounts.models.subscriptionSignIns');
    const item = w.page.locator('.setting-item-contents', { hasText: 'Subscription Sign Ins' }).first();
    await item.waitFor({ timeout: 20_000 });
    for (const terms of ['Anthropic', 'OpenAI', 'GitHub Copilot'])
      await item.locator('.setting-item-markdown a', { hasText: terms }).first().waitFor({ timeout: 5_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await w.page.screenshot({ path: join(ARTIFACTS, 'M4.subscription-setting.png') });
    await item.locator('.setting-value-checkbox').click();
    await waitFor(() =>
      /"piAccounts\.models\.subscriptionSignIns": true/.test(
        readFileSync(join(w.userData, 'User', 'settings.json'), 'utf8'),
      ),
    );
    await w.page.keyboard.press('Escape');
    const on = await listing(2);
    assert.deepEqual([...on].sort(), ['anthropic', 'github-copilot', 'openai-codex']);
    console.log(
      `      by default: ${[...byDefault].join(', ')}; with the setting on: ${[...on].sort().join(', ')}; screenshot ${join(ARTIFACTS, 'M4.subscription-setting.png')}`,
    );
  });
});
