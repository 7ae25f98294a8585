// pi-ai 1.x is the provider layer: which providers exist, their names, the variables pi reads
// for their keys and which sign-ins they offer come from its runtime registry
// (`builtinProviders()` in @earendil-works/pi-ai/providers/all), written at every build to
// src/core/providers/pi-registry.json. The extension reads that file at activation instead of
// loading pi-ai and its model catalogs; a new pi-ai release that adds a provider reaches the
// directory with a dependency bump and a build, no code.
import { readFileSync, writeFileSync } from 'node:fs';

export const REGISTRY_PATH = 'src/core/providers/pi-registry.json';

/**
 * The variables a provider's key is read from, in pi's order: the names its api-key `resolve()`
 * asks for when nothing is set, kept where setting that one name alone is what resolves it
 * (the rest are provider values such as CLOUDFLARE_ACCOUNT_ID, or ambient sources).
 */
async function keyVariables(apiKey) {
  if (!apiKey) return { keyVars: [], valueVars: [] };
  const signal = new AbortController().signal;
  const run = async (env) => {
    const asked = [];
    const ctx = { env: async (name) => (asked.push(name), env(name)), fileExists: async () => false };
    const result = await apiKey.resolve({ ctx, credential: undefined, signal }).catch(() => undefined);
    return { asked, result };
  };
  const { asked } = await run(() => undefined);
  // With every variable set, the values resolve() hands on beside the key (`env`).
  const { result: all } = await run(() => 'x');
  const valueVars = Object.keys(all?.env ?? {});
  const keyVars = [];
  for (const name of asked.filter((n) => !valueVars.includes(n))) {
    const { result } = await run((n) => (n === name || valueVars.includes(n) ? 'x' : undefined));
    if (result?.source === name) keyVars.push(name);
  }
  return { keyVars, valueVars };
}

export async function readPiRegistry() {
  const { builtinProviders } = await import('@earendil-works/pi-ai/providers/all');
  const { version } = JSON.parse(readFileSync('node_modules/@earendil-works/pi-ai/package.json', 'utf8'));
  const providers = [];
  for (const p of builtinProviders()) {
    const { apiKey, oauth } = p.auth;
    providers.push({
      id: p.id,
      name: p.name,
      ...(await keyVariables(apiKey)),
      ...(apiKey ? { apiKey: { name: apiKey.name, login: typeof apiKey.login === 'function' } } : {}),
      ...(oauth
        ? {
            oauth: {
              name: oauth.name,
              subscription: oauth.isSubscription === true,
              ...(oauth.loginLabel ? { loginLabel: oauth.loginLabel } : {}),
            },
          }
        : {}),
    });
  }
  return { piAi: version, providers };
}

/**
 * Rewrites the registry file when pi-ai's registry differs from it; returns whether it did.
 * With `check` (CI) it throws instead: the committed file must be the one built.
 */
export async function syncPiRegistry({ path = REGISTRY_PATH, check = false } = {}) {
  const text = `${JSON.stringify(await readPiRegistry(), null, 2)}\n`;
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // first build
  }
  if (old.replace(/\r\n/g, '\n') === text) return false;
  if (check) throw new Error(`${path} differs from pi-ai's registry. Run \`npm run build\` and commit ${path}.`);
  writeFileSync(path, text);
  return true;
}
