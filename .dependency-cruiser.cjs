// The layers of Pi Accounts, checked by `npm run lint` (dependency-cruiser,
// https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md). A module may
// import its own layer and the layers below it, never one above, and no import cycle is allowed.
// From the bottom:
//   basics     src/core/*.ts helpers every layer uses (faults, events, json, redact, http, …)
//   sign-in    src/core/oauth (PKCE, loopback, paste, device grant, tokens, test routes),
//              src/core/pi-auth (pi-ai's own logins and refresh behind our interface), src/core/usage
//              (usage snapshots and the HTTP clients that read them), src/core/credentials.ts
//   providers  src/core/providers: one descriptor per provider, the directory, the registry;
//              src/core/words.ts: how accounts and providers are named and ordered for people
//   accounts   the accounts object and its routing, vault, rotation, resolver, refresh, key checks,
//              usage service, the outlet contracts, diagnostics (the probe for a provider's own reason)
//   outlets    what carries accounts out of the core: mirror (pi's files), pi-link, llm, terminals,
//              the usage panel's report
//   vscode     src/vscode: adapters, the only place `vscode` is imported
//   root       src/extension.ts composes everything
// The companion (companion/) runs inside pi: it may use the basics and pi-link's protocol only.
const layers = [
  {
    name: 'basics',
    path: '^src/core/(events|faults|json|log|redact|retry|http|undici|proxy|network-words|process-alive|secret-store|secret-ref|secret-reader|secret-cache|time-bounds)\\.ts$',
  },
  { name: 'sign-in', path: '^src/core/(oauth/|pi-auth/|usage/|credentials\\.ts$)' },
  { name: 'providers', path: '^src/core/providers/|^src/core/words\\.ts$' },
  {
    name: 'accounts',
    path: '^src/core/(accounts|account-sync|routing|renamed-providers|credential-store|vault|resolver|keep-fresh|refresh-lock|key-check|diagnostics|env-import|request-settings|outlet)\\.ts$|^src/core/(rotation|usage-service)/',
  },
  { name: 'outlets', path: '^src/core/(mirror|pi-link|llm|usage-panel)/|^src/core/terminal-env\\.ts$' },
  { name: 'vscode', path: '^src/vscode/' },
  { name: 'root', path: '^src/extension\\.ts$' },
];

const upward = layers.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.name} may not import ${layers
    .slice(i + 1)
    .map((l) => l.name)
    .join(', ')}`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: layers.slice(i + 1).map((l) => l.path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'every-core-file-has-a-layer',
      comment: 'a new file under src/core must be given a layer in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/core/', pathNot: layers.slice(0, 5).map((l) => l.path) },
      to: {},
    },
    {
      name: 'every-imported-core-file-has-a-layer',
      comment: 'a file under src/core that others import must be given a layer in .dependency-cruiser.cjs',
      severity: 'error',
      from: {},
      to: { path: '^src/core/', pathNot: layers.slice(0, 5).map((l) => l.path) },
    },
    {
      name: 'no-vscode-below-adapters',
      comment: 'only src/vscode and src/extension.ts import vscode',
      severity: 'error',
      from: { path: '^(src/core|companion)/' },
      to: { path: '^(vscode$|node_modules/@types/vscode/)' },
    },
    {
      name: 'companion-stays-small',
      comment: 'the companion runs inside pi: basics and the pi-link protocol only',
      severity: 'error',
      from: { path: '^companion/' },
      to: { path: '^src/', pathNot: [layers[0].path, '^src/core/pi-link/(protocol|channel-dir)\\.ts$'] },
    },
    ...upward,
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist)/' },
  },
};
