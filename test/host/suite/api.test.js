// What other extensions, keybindings and tasks see: the commands with argument objects,
// typed faults for bad input, and the effect on pi's auth.json. Uses only the public API.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');

const run = (id, args) => vscode.commands.executeCommand(id, args);
const KEY = 'sk-proj-inhost-0123456789abcdefghijk';
const KEY2 = 'sk-proj-inhost-second-9876543210zyx';

function authPath() {
  const dir = process.env.PI_CODING_AGENT_DIR || path.join(os.homedir(), '.pi', 'agent');
  return path.join(dir, 'auth.json');
}

async function authJson(ready) {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      const data = JSON.parse(fs.readFileSync(authPath(), 'utf8'));
      if (ready(data)) return data;
    } catch {
      // not written yet
    }
    if (Date.now() > deadline) throw new Error('auth.json never reached the expected state');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Pi Accounts commands with argument objects (in the extension host)', () => {
  before(async () => {
    await vscode.extensions.getExtension('pi-accounts.pi-accounts').activate();
  });

  it('signs in without prompts and returns the account, never the key', async () => {
    const account = await run('piAccounts.signIn', { provider: 'openai', account: 'api', key: KEY });
    assert.strictEqual(account.provider, 'openai');
    assert.strictEqual(account.name, 'api');
    assert.strictEqual(account.isDefault, true);
    assert.ok(!JSON.stringify(account).includes(KEY));
    await authJson((d) => d.openai && d.openai.key === KEY);
  });

  it('rejects bad input with a typed fault and stores nothing', async () => {
    const cases = [
      [{ provider: 'openai', account: 'short', key: 'abcde' }, /too short/],
      [{ provider: 'openai', account: 'placeholder', key: 'your-api-key-0000000000' }, /placeholder/],
      [{ provider: 'nope', account: 'x', key: KEY2 }, /not a provider/],
      [{ provider: 'openai', account: 'bad name', key: KEY2 }, /Invalid account name/],
      [{ provider: 'openai', account: 'api', key: KEY2 }, /already has an account named "api"/],
      [{ provider: 42 }, /arguments it does not understand/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(run('piAccounts.signIn', args), message, JSON.stringify(args));
    }
    const data = await authJson(() => true);
    assert.deepStrictEqual(Object.keys(data), ['openai']);
    assert.strictEqual(data.openai.key, KEY);
  });

  it('sets the default and signs out by argument, and auth.json follows', async () => {
    await run('piAccounts.signIn', { provider: 'openai', account: 'second', key: KEY2 });
    await run('piAccounts.setDefault', { provider: 'openai', account: 'second' });
    await authJson((d) => d.openai && d.openai.key === KEY2);
    await assert.rejects(
      run('piAccounts.setDefault', { provider: 'openai', account: 'ghost' }),
      /no account named "ghost"/,
    );
    await run('piAccounts.signOut', { provider: 'openai', account: 'second' });
    await authJson((d) => d.openai && d.openai.key === KEY); // the remaining account became default
    await run('piAccounts.signOut', { provider: 'openai', confirm: false });
    await authJson((d) => !d.openai);
  });

  it('several values and per-account overrides by argument: checked, stored, auth.json gets the key and its values (pi 1.x env)', async () => {
    const CF = '0123456789abcdef0123456789abcdef';
    await assert.rejects(
      run('piAccounts.signIn', {
        provider: 'cloudflare-workers-ai',
        account: 'cf',
        values: { CLOUDFLARE_API_KEY: KEY2, CLOUDFLARE_ACCOUNT_ID: 'not-an-id' },
      }),
      /Account id/,
    );
    await run('piAccounts.signIn', {
      provider: 'cloudflare-workers-ai',
      account: 'cf',
      values: { CLOUDFLARE_API_KEY: KEY2, CLOUDFLARE_ACCOUNT_ID: `https://dash.cloudflare.com/${CF}/home` },
    });
    const data = await authJson((d) => d['cloudflare-workers-ai']);
    assert.deepStrictEqual(data['cloudflare-workers-ai'], {
      type: 'api_key',
      key: KEY2,
      env: { CLOUDFLARE_ACCOUNT_ID: CF },
    });
    await assert.rejects(
      run('piAccounts.setOverrides', {
        provider: 'cloudflare-workers-ai',
        account: 'cf',
        baseUrl: 'http://plain.example.com',
      }),
      /https/,
    );
    await assert.rejects(
      run('piAccounts.setOverrides', {
        provider: 'cloudflare-workers-ai',
        account: 'cf',
        baseUrl: '',
        headers: { Authorization: 'x' },
      }),
      /cannot be overridden/,
    );
    await run('piAccounts.setOverrides', {
      provider: 'cloudflare-workers-ai',
      account: 'cf',
      baseUrl: 'https://gw.example.com/v1',
      headers: { 'X-Team': 'core' },
    });
    await run('piAccounts.signOut', { provider: 'cloudflare-workers-ai', confirm: false });
    await authJson((d) => !d['cloudflare-workers-ai']);
  });
});
