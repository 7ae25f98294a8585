// Host scenarios "M" (issue 15): every account is a model. The packaged .vsix in a real VS Code;
// another extension (test/host/fixtures/consumer) lists Pi Accounts' models with vscode.lm and
// runs a tool-call round trip with each provider, against the loopback model emulators.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codexToken, startModelEmulator } from '../emulators/models.mjs';
import { packageConsumer, prepareExtensions, Workbench } from './harness.mjs';
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
        'anthropic/claude-sonnet-4-5',
        'openai-codex/gpt-5.1',
        'github-copilot/gpt-4.1',
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
        settings: { 'chat.disableAIFeatures': false },
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
});
