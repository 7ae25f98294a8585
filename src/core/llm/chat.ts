// The bridge's own shape of a chat request and of what streams back, between VS Code's
// language-model types (src/vscode) and each provider's wire format (one file each).

export type ChatPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_call'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'tool_result'; readonly callId: string; readonly content: string };

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly parts: readonly ChatPart[];
}

export interface ChatTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: object;
}

export interface ChatRequest {
  readonly model: string;
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ChatTool[];
  readonly maxTokens: number;
}

export type StreamEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'thinking'; readonly text: string }
  | { readonly type: 'tool_call'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'usage'; readonly input: number; readonly output: number };

/** Where and how one account's requests go. */
export interface Endpoint {
  readonly baseUrl: string;
  readonly key: string;
  /** Anthropic subscription (OAuth) tokens need Claude Code's headers and system line. */
  readonly oauth?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Parses a tool call's streamed JSON arguments; a model that sends broken JSON gets it back raw. */
export function parseToolInput(json: string): unknown {
  if (!json.trim()) return {};
  try {
    return JSON.parse(json);
  } catch {
    return { _raw: json };
  }
}
