// The bridge's own shape of a chat request and of what streams back, between VS Code's
// language-model types (src/vscode) and each provider's wire format (one file each).

export type ChatPart =
  | { readonly type: 'text'; readonly text: string }
  /** Base64 bytes, from VS Code's LanguageModelDataPart (images only). */
  | { readonly type: 'image'; readonly data: string; readonly mimeType: string }
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
  /** Ask a model that can reason to think first (shown per the models.showThinking setting). */
  readonly thinking?: boolean;
  /** One id per conversation: providers key their prompt cache by it (Codex, OpenAI Responses, Copilot). */
  readonly sessionId?: string;
}

export type StreamEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'thinking'; readonly text: string }
  | { readonly type: 'tool_call'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'usage'; readonly input: number; readonly output: number; readonly cached?: number };

/**
 * Where and how one account's requests go. Which headers a key needs (an Anthropic `sk-ant-oat`
 * subscription token, Codex's account id, Copilot's editor headers) pi-ai decides from the key.
 */
export interface Endpoint {
  /** Only when it differs from pi's: an account's request settings or a test route (Copilot's comes from pi-ai's toAuth). */
  readonly baseUrl?: string;
  readonly key: string;
  /**
   * Set when the key is a sign-in's access token: pi-ai's `oauth.toAuth()` makes the request's auth
   * of it. Holds the sign-in's other non-secret fields (Copilot's `enterpriseUrl`, an account id).
   */
  readonly oauth?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A values account's settings (Azure resource, Vertex project, Cloudflare account…), which pi reads from its environment. */
  readonly vars?: Readonly<Record<string, string>>;
  /** The provider's stream options made of `vars` (its descriptor's `streamOptions`) for the request's model. */
  readonly options?: Readonly<Record<string, string>>;
}

/** A model as the picker shows it, from pi's registry (no secrets, plain data). */
export interface ModelSpec {
  readonly id: string;
  readonly name: string;
  readonly api: string;
  readonly baseUrl: string;
  readonly contextWindow: number;
  readonly maxTokens: number;
  readonly reasoning: boolean;
  readonly images: boolean;
  /** Shown in the chat's picker at first (a curated few); the rest are in Manage Models. */
  readonly selectable?: boolean;
  /** pi's default model of the provider. */
  readonly isDefault?: boolean;
}
