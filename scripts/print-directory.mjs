// `npm run directory`: the provider directory as a table (id, sign-in kinds, env vars, usage).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const out = resolve(import.meta.dirname, '../out/src/core');
const { PROVIDERS } = require(join(out, 'providers/directory.js'));
const { usageClient } = require(join(out, 'usage-service/usage-service.js'));
const { oauthProvider } = require(join(out, 'providers/registry.js'));

const rows = PROVIDERS.map((p) => [
  p.id,
  p.signIn
    .map((k) =>
      k === 'apiKey' && p.forms
        ? `values (${p.forms.map((f) => f.label).join(' / ')})`
        : k === 'apiKey'
          ? 'api key'
          : k,
    )
    .join(', '),
  [
    ...new Set([
      ...p.envVars,
      ...(p.forms ?? []).flatMap((f) => [f.key?.variable, ...f.fields.map((x) => x.variable)]).filter(Boolean),
    ]),
  ].join(' ') || '—',
  usageClient(p.id) ? 'yes' : '—',
  oauthProvider(p.id) ? 'yes' : '—',
  p.piExtension ? `needs ${p.piExtension}` : '',
]);
const head = ['provider id', 'sign-in', 'env vars', 'usage', 'refresh', 'pi'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
