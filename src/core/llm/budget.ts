// The input budget VS Code is told (`maxInputTokens`) and the output a request asks for. pi's
// catalog has models whose context window is no larger than their output limit (openai/gpt-4:
// 8192 and 8192): "context minus output" would leave 0. The output reserve is therefore at most a
// quarter of the window, so input and output always fit and the input budget is always usable.

/** The most a request asks for, as pi-ai's streamSimple caps it (simple-options.js). */
export const MAX_OUTPUT = 32_000;
/** A window for a model that names none (an id only the provider's own list has). */
const UNKNOWN_WINDOW = 32_768;

export function budgetOf(m: { readonly contextWindow: number; readonly maxTokens: number }): {
  maxInputTokens: number;
  maxOutputTokens: number;
} {
  const window = Number.isFinite(m.contextWindow) && m.contextWindow > 0 ? Math.floor(m.contextWindow) : UNKNOWN_WINDOW;
  const limit = Number.isFinite(m.maxTokens) && m.maxTokens > 0 ? Math.floor(m.maxTokens) : MAX_OUTPUT;
  const output = Math.max(1, Math.min(limit, MAX_OUTPUT, Math.floor(window / 4)));
  return { maxInputTokens: Math.max(1, window - output), maxOutputTokens: output };
}
