// Which of a provider's models the chat's picker shows at first; the rest stay one click away in
// Manage Models (VS Code's `isUserSelectable`).

/**
 * pi's default chat model per provider, as pi chooses it for a first start with that provider:
 * `defaultModelPerProvider` in @earendil-works/pi-coding-agent 1.6.0 dist/core/model-resolver.js
 * (not exported by the package; test/unit/llm.test.ts checks this copy against that file).
 */
export const DEFAULT_MODEL: Readonly<Record<string, string>> = {
  'amazon-bedrock': 'us.anthropic.claude-opus-5-5',
  'ant-ling': 'Ring-2.6-1T',
  anthropic: 'claude-opus-5-5',
  openai: 'gpt-6.2-sol',
  azure: 'gpt-6.2-sol',
  'openai-codex': 'gpt-6.2-sol',
  radius: 'balanced',
  nvidia: 'nvidia/nemotron-3.5-super-vl-120b-a12b',
  deepseek: 'deepseek-v4-pro',
  google: 'gemini-4-argon',
  'google-vertex': 'gemini-4-argon',
  'github-copilot': 'gpt-6.1-sol',
  openrouter: 'moonshotai/kimi-k2.7-code',
  'vercel-ai-gateway': 'zai/glm-5.3',
  xai: 'grok-4.7',
  groq: 'openai/gpt-oss-120b',
  cerebras: 'gpt-oss-120b',
  zai: 'glm-5.3',
  'zai-coding-cn': 'glm-5.3',
  mistral: 'devstral-medium-latest',
  minimax: 'MiniMax-M3',
  'minimax-cn': 'MiniMax-M3',
  moonshotai: 'kimi-k2.7-code',
  'moonshotai-cn': 'kimi-k2.7-code',
  huggingface: 'moonshotai/Kimi-K2.7-Code',
  fireworks: 'accounts/fireworks/models/kimi-k3',
  together: 'moonshotai/Kimi-K3',
  baseten: 'zai-org/GLM-5.3',
  opencode: 'kimi-k2.7-code',
  'opencode-go': 'kimi-k3.1-pro',
  'kimi-coding': 'kimi-for-coding',
  meta: 'muse-spark-1.3',
  'cloudflare-workers-ai': '@cf/moonshotai/kimi-k2.7-code',
  'cloudflare-ai-gateway': 'workers-ai/@cf/moonshotai/kimi-k2.7-code',
  'qwen-token-plan': 'qwen3.8-max',
  'qwen-token-plan-cn': 'qwen3.8-max',
  'qwen-token-plan-individual': 'qwen3.8-max',
  'qwen-token-plan-individual-cn': 'qwen3.8-max',
  xiaomi: 'mimo-v2.6-pro',
  'xiaomi-token-plan-cn': 'mimo-v2.6-pro',
  'xiaomi-token-plan-ams': 'mimo-v2.6-pro',
  'xiaomi-token-plan-sgp': 'mimo-v2.6-pro',
};

/** How many models of one provider the picker shows at first (pi's default among them). */
export const CURATED = 6;

/** The numbers in a model's name as a version ("GPT-6.2 Sol" → [6, 2]). */
const versionOf = (name: string): number[] => (/\d+(?:\.\d+)*/.exec(name)?.[0] ?? '0').split('.').map(Number);
const newer = (a: number[], b: number[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) - (a[i] ?? 0);
  return 0;
};
/** A model's line without its version ("Claude Opus 4.5" and "Claude Opus 5.5": one line). */
const lineOf = (name: string): string =>
  name
    .replace(/\(.*?\)/g, '')
    .replace(/\d+(?:\.\d+)*/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
// Aliases that move under the caller and previews are not offered first.
const NOT_FIRST = /latest|preview|experimental|deprecated/i;

/**
 * The ids shown at first: pi's default model, then the newest model of each line (by the version in
 * its name), newest lines first, up to CURATED in all.
 */
export function curated(
  models: readonly { readonly id: string; readonly name: string }[],
  preferred?: string,
): Set<string> {
  const best = new Map<string, { id: string; version: number[] }>();
  for (const m of models) {
    if (NOT_FIRST.test(m.id) || NOT_FIRST.test(m.name)) continue;
    const line = lineOf(m.name);
    const version = versionOf(m.name);
    const cur = best.get(line);
    if (!cur || newer(cur.version, version) > 0) best.set(line, { id: m.id, version });
  }
  const picked = new Set<string>();
  if (preferred && models.some((m) => m.id === preferred)) picked.add(preferred);
  for (const { id } of [...best.values()].sort((a, b) => newer(a.version, b.version))) {
    if (picked.size >= CURATED) break;
    picked.add(id);
  }
  return picked;
}
