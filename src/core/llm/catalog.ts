// Which providers the language-model bridge serves, in which wire format, at which base URL,
// and a small built-in list of models each (ids as the providers name them; limits are the
// documented context windows, rounded down). Base URLs: providers.md §2 (pi's models).
export type WireFormat = 'anthropic' | 'openai';

export interface CatalogModel {
  readonly id: string;
  readonly name: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly tools: boolean;
}

export interface CatalogProvider {
  readonly wire: WireFormat;
  readonly baseUrl: string;
  readonly models: readonly CatalogModel[];
}

const m = (id: string, name: string, maxInputTokens: number, maxOutputTokens = 8192, tools = true): CatalogModel => ({ id, name, maxInputTokens, maxOutputTokens, tools });

export const CATALOG: Readonly<Record<string, CatalogProvider>> = {
  anthropic: { wire: 'anthropic', baseUrl: 'https://api.anthropic.com', models: [m('claude-sonnet-4-5', 'Claude Sonnet 4.5', 200_000, 64_000), m('claude-opus-4-1', 'Claude Opus 4.1', 200_000, 32_000), m('claude-haiku-4-5', 'Claude Haiku 4.5', 200_000, 64_000)] },
  openai: { wire: 'openai', baseUrl: 'https://api.openai.com/v1', models: [m('gpt-5', 'GPT-5', 272_000, 128_000), m('gpt-5-mini', 'GPT-5 mini', 272_000, 128_000), m('gpt-4.1', 'GPT-4.1', 1_000_000, 32_768)] },
  openrouter: { wire: 'openai', baseUrl: 'https://openrouter.ai/api/v1', models: [m('openrouter/auto', 'OpenRouter Auto', 128_000)] },
  groq: { wire: 'openai', baseUrl: 'https://api.groq.com/openai/v1', models: [m('llama-3.3-70b-versatile', 'Llama 3.3 70B (Groq)', 128_000, 32_768)] },
  mistral: { wire: 'openai', baseUrl: 'https://api.mistral.ai/v1', models: [m('mistral-large-latest', 'Mistral Large', 128_000), m('codestral-latest', 'Codestral', 256_000)] },
  xai: { wire: 'openai', baseUrl: 'https://api.x.ai/v1', models: [m('grok-4', 'Grok 4', 256_000)] },
  cerebras: { wire: 'openai', baseUrl: 'https://api.cerebras.ai/v1', models: [m('llama-3.3-70b', 'Llama 3.3 70B (Cerebras)', 64_000)] },
  deepseek: { wire: 'openai', baseUrl: 'https://api.deepseek.com/v1', models: [m('deepseek-chat', 'DeepSeek Chat', 128_000), m('deepseek-reasoner', 'DeepSeek Reasoner', 128_000, 8192, false)] },
  fireworks: { wire: 'openai', baseUrl: 'https://api.fireworks.ai/inference/v1', models: [m('accounts/fireworks/models/llama-v3p3-70b-instruct', 'Llama 3.3 70B (Fireworks)', 128_000)] },
  huggingface: { wire: 'openai', baseUrl: 'https://router.huggingface.co/v1', models: [m('openai/gpt-oss-120b', 'gpt-oss-120b (Hugging Face)', 128_000)] },
};

/** A rough token count (about 4 characters per token), which is all the picker needs. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);
