import * as vscode from 'vscode';
import { describe } from '../core/faults';
import type { Log } from './log';
import { SUBSCRIPTION_SETTING, type ModelBridge } from '../core/llm/model-bridge';
import type { ModelList } from '../core/llm/model-list';
import type { ChatMessage, ChatPart, ChatRequest } from '../core/llm/chat';
import { budgetOf, MAX_OUTPUT } from '../core/llm/budget';
import { callerCode } from '../core/llm/errors';
import { sessionIdOf } from '../core/llm/session';
import { requireProvider } from '../core/providers/directory';
import type { Outlet } from '../core/outlet';

export const VENDOR = 'pi-accounts';

type ModelInfo = vscode.LanguageModelChatInformation & {
  readonly provider: string;
  readonly modelId: string;
  readonly isUserSelectable?: boolean;
};

/**
 * The signed-in accounts as models in VS Code's picker and `vscode.lm`: one entry per model of
 * each provider with a usable account, served through the model bridge (account in use, rotation).
 */
export class PiLanguageModels implements Outlet, vscode.LanguageModelChatProvider<ModelInfo> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;

  constructor(
    private readonly bridge: ModelBridge,
    private readonly list: ModelList,
    private readonly log: Log,
    private readonly showThinking: () => boolean,
  ) {}

  /** Call when accounts, rotation or settings changed. */
  sync(): void {
    this.changed.fire();
  }

  async provideLanguageModelChatInformation(
    options: vscode.PrepareLanguageModelChatModelOptions,
  ): Promise<ModelInfo[]> {
    const models: ModelInfo[] = [];
    let catalog: Awaited<ReturnType<ModelBridge['models']>> = {};
    try {
      catalog = await this.bridge.models();
    } catch (e) {
      this.log.error(`Language models: ${describe(e)}`);
    }
    for (const [provider, builtIn] of Object.entries(catalog)) {
      const accounts = this.bridge.candidates(provider);
      if (!accounts.length) continue;
      this.updateList(provider, builtIn, accounts[0]);
      const label = requireProvider(provider).label;
      for (const m of this.list.models(provider, builtIn)) {
        const budget = budgetOf(m);
        models.push({
          id: `${provider}/${m.id}`,
          name: m.name,
          family: provider,
          version: m.id,
          detail: `${label} · ${accounts[0]}`,
          tooltip: `${m.name} through Pi Accounts, with the ${label} account "${accounts[0]}"${accounts.length > 1 ? ` (${accounts.length - 1} more to rotate to)` : ''}.`,
          ...budget,
          capabilities: { toolCalling: true, imageInput: m.images },
          // A curated few in the picker, the rest in Manage Models (newer than @types/vscode 1.104:
          // passed through by the host; see README "Language models").
          isUserSelectable: m.selectable ?? true,
          provider,
          modelId: m.id,
        });
      }
    }
    const held = this.bridge.heldBack();
    if (!models.length && !options.silent && held.length) {
      const names = held.map((p) => requireProvider(p).label).join(', ');
      const choice = await vscode.window.showInformationMessage(
        `Your ${names} sign-ins are subscriptions: Pi Accounts offers their models to other extensions only once you turn that on. Read the provider's terms first (the setting links them).`,
        'Open Setting',
      );
      if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', SUBSCRIPTION_SETTING);
    } else if (!models.length && !options.silent) {
      const choice = await vscode.window.showInformationMessage(
        'Sign in to a provider (Anthropic, OpenAI, ChatGPT, GitHub Copilot, Google…) to use its models through Pi Accounts.',
        'Sign In…',
      );
      if (choice) await vscode.commands.executeCommand('piAccounts.signIn');
    }
    return models;
  }

  /** In the background: the provider's own model list, at most daily; the picker updates if it changed. */
  private updateList(provider: string, builtIn: Parameters<ModelList['models']>[1], account: string): void {
    void this.bridge
      .endpoint(provider, account)
      .then((e) => this.list.refresh(provider, builtIn, e.baseUrl, e.key, this.bridge.httpOptions()))
      .then((changed) => changed && this.sync())
      .catch((e: unknown) => this.log.warn(`Model list of ${provider}: ${describe(e)}`));
  }

  async provideLanguageModelChatResponse(
    model: ModelInfo,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    const system = messages
      .filter(isSystem)
      .flatMap((m) => toChatMessage(m).parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])));
    const turns = messages.filter((m) => !isSystem(m)).map(toChatMessage);
    const systemText = system.length ? system.join('\n\n') : undefined;
    const sessionId = sessionIdOf(systemText, turns);
    const request: ChatRequest = {
      model: model.modelId,
      ...(systemText ? { system: systemText } : {}),
      messages: turns,
      tools: options.tools?.map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema ?? { type: 'object', properties: {} },
      })),
      maxTokens: Math.min(model.maxOutputTokens, MAX_OUTPUT),
      thinking: this.showThinking(),
      ...(sessionId ? { sessionId } : {}),
    };
    try {
      for await (const ev of this.bridge.chat(model.provider, request, abort.signal)) {
        if (ev.type === 'text') progress.report(new vscode.LanguageModelTextPart(ev.text));
        else if (ev.type === 'thinking' && this.showThinking())
          progress.report(new vscode.LanguageModelTextPart(ev.text));
        else if (ev.type === 'tool_call')
          progress.report(new vscode.LanguageModelToolCallPart(ev.id, ev.name, ev.input ?? {}));
      }
    } catch (e) {
      if (token.isCancellationRequested) return;
      // What other extensions receive passes the redactor: a provider's 401 may echo the key.
      const text = this.log.redactor.describe(e);
      this.log.error(`Language model ${model.id}: ${text}`);
      throw callerError(callerCode(e), text);
    } finally {
      sub.dispose();
    }
  }

  async provideTokenCount(_model: ModelInfo, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    return estimateTokens(
      typeof text === 'string'
        ? text
        : toChatMessage(text)
            .parts.map((p) => (p.type === 'text' ? p.text : JSON.stringify(p)))
            .join(''),
    );
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * A failure as the caller's `vscode.LanguageModelError` with its code (the extension host passes on
 * only errors of that name, with name, message and code), and no stack with install paths in it.
 */
function callerError(code: ReturnType<typeof callerCode>, text: string): vscode.LanguageModelError {
  const E = vscode.LanguageModelError;
  const err =
    code === 'NoPermissions'
      ? E.NoPermissions(text)
      : code === 'Blocked'
        ? E.Blocked(text)
        : code === 'NotFound'
          ? E.NotFound(text)
          : // The constructor's code argument is the host's (extHostTypes.ts) but not in vscode.d.ts.
            new (E as unknown as new (message: string, code: string) => vscode.LanguageModelError)(text, code);
  err.stack = `LanguageModelError: ${text}`;
  return err;
}

/** A rough token count (about 4 characters per token), which is all the picker needs. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

// The System role (3) and LanguageModelDataPart are newer than the @types/vscode this extension
// builds against (1.104); VS Code's chat sends them, so they are recognised by shape.
const isSystem = (m: vscode.LanguageModelChatRequestMessage) => (m.role as number) === 3;
const isImage = (p: unknown): p is { mimeType: string; data: Uint8Array } =>
  typeof p === 'object' &&
  p !== null &&
  typeof (p as { mimeType?: unknown }).mimeType === 'string' &&
  (p as { mimeType: string }).mimeType.startsWith('image/') &&
  (p as { data?: unknown }).data instanceof Uint8Array;

function toChatMessage(m: vscode.LanguageModelChatRequestMessage): ChatMessage {
  const parts: ChatPart[] = [];
  for (const p of m.content) {
    if (p instanceof vscode.LanguageModelTextPart) parts.push({ type: 'text', text: p.value });
    else if (isImage(p))
      parts.push({ type: 'image', mimeType: p.mimeType, data: Buffer.from(p.data).toString('base64') });
    else if (p instanceof vscode.LanguageModelToolCallPart)
      parts.push({ type: 'tool_call', id: p.callId, name: p.name, input: p.input });
    else if (p instanceof vscode.LanguageModelToolResultPart)
      parts.push({
        type: 'tool_result',
        callId: p.callId,
        content: p.content
          .map((c) => (c instanceof vscode.LanguageModelTextPart ? c.value : JSON.stringify(c)))
          .join(''),
      });
  }
  return { role: m.role === vscode.LanguageModelChatMessageRole.Assistant ? 'assistant' : 'user', parts };
}
