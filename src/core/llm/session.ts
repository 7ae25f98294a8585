import { createHash } from 'node:crypto';
import type { ChatMessage } from './chat';

/**
 * One id per conversation, for the providers' prompt caches (pi-ai's `sessionId`) and for keeping a
 * conversation with its account. VS Code hands a provider the whole conversation each turn and no
 * id of it, so the id is derived from how the conversation began: the system prompt and the first
 * user message, which every later turn repeats unchanged.
 */
export function sessionIdOf(system: string | undefined, messages: readonly ChatMessage[]): string | undefined {
  const first = messages.find((m) => m.role === 'user');
  if (!first) return undefined;
  const h = createHash('sha256')
    .update('pi-accounts-session\n')
    .update(system ?? '')
    .update('\0');
  for (const p of first.parts)
    h.update(p.type === 'text' ? p.text : p.type === 'image' ? p.data : JSON.stringify(p)).update('\0');
  const x = h.digest('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
