// A key kept in the person's password manager: what the vault stores instead of the key, the
// command that reads it (run without a shell for the known tools), and the same command as pi's
// own `!command` form for auth.json (@earendil-works/pi-coding-agent 1.6.0 docs/providers.md
// "Load an API key from a command": pi runs it with the default shell, once per process).
import * as z from 'zod/mini';

const text = z.string().check(z.minLength(1), z.maxLength(500));
// No line breaks anywhere: the pi form is one shell command line.
const oneLine = text.check(z.refine((s) => !/[\r\n\0]/.test(s), 'one line'));

export const secretRefSchema = z.discriminatedUnion('tool', [
  /** 1Password: `op read op://vault/item/field` (https://developer.1password.com/docs/cli/reference/commands/read). */
  z.object({ tool: z.literal('op'), ref: oneLine.check(z.regex(/^op:\/\/[^/]+\/[^/]+\/.+$/)) }),
  /** pass (https://www.passwordstore.org/): the first line of `pass show <entry>`. */
  z.object({ tool: z.literal('pass'), entry: oneLine }),
  /** gopass (https://github.com/gopasspw/gopass): `gopass show -o <entry>` prints only the password. */
  z.object({ tool: z.literal('gopass'), entry: oneLine }),
  /** macOS Keychain: `security find-generic-password -w -s <service> [-a <account>]` (man 1 security). */
  z.object({ tool: z.literal('security'), service: oneLine, account: z.optional(oneLine) }),
  /** Bitwarden Secrets Manager: `bws secret get <id>` prints the secret as JSON (https://bitwarden.com/help/secrets-manager-cli/). */
  z.object({ tool: z.literal('bws'), id: oneLine.check(z.regex(/^[0-9a-fA-F-]{8,64}$/)) }),
  /** A command of the person's own, run by the shell like pi runs it; its standard output is the key. */
  z.object({ tool: z.literal('command'), command: oneLine }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;
export type SecretTool = SecretRef['tool'];

export interface ToolInfo {
  readonly tool: SecretTool;
  /** The program looked for on PATH (none for a command of one's own). */
  readonly program?: string;
  readonly label: string;
  /** What the person types for a reference, shown as the input's placeholder. */
  readonly placeholder: string;
  /** What unlocks it or signs in, for a locked tool's next step. */
  readonly unlock: string;
  readonly install: string;
}

export const TOOLS: readonly ToolInfo[] = [
  {
    tool: 'op',
    program: 'op',
    label: '1Password',
    placeholder: 'op://Private/Anthropic/credential',
    unlock: 'Unlock the 1Password app (or run "op signin" in a terminal and start VS Code from it)',
    install: 'Install the 1Password CLI: https://developer.1password.com/docs/cli/get-started/',
  },
  {
    tool: 'pass',
    program: 'pass',
    label: 'pass',
    placeholder: 'api/anthropic',
    unlock: 'Unlock your GPG key (run "pass show <entry>" once in a terminal so gpg-agent asks for the passphrase)',
    install: 'Install pass: https://www.passwordstore.org/',
  },
  {
    tool: 'gopass',
    program: 'gopass',
    label: 'gopass',
    placeholder: 'api/anthropic',
    unlock: 'Unlock your GPG key (run "gopass show <entry>" once in a terminal)',
    install: 'Install gopass: https://github.com/gopasspw/gopass',
  },
  {
    tool: 'security',
    program: 'security',
    label: 'macOS Keychain',
    placeholder: 'anthropic',
    unlock: 'Unlock the login keychain (Keychain Access) and allow VS Code to read the item',
    install: 'The macOS Keychain is read with /usr/bin/security, which only macOS has',
  },
  {
    tool: 'bws',
    program: 'bws',
    label: 'Bitwarden Secrets Manager',
    placeholder: 'be8e0ad8-d545-4017-a55a-b02f014d4158',
    unlock:
      'Set BWS_ACCESS_TOKEN to a valid machine-account access token in the environment VS Code starts from, then restart VS Code',
    install: 'Install the Bitwarden Secrets Manager CLI: https://bitwarden.com/help/secrets-manager-cli/',
  },
  {
    tool: 'command',
    label: 'A command of my own',
    placeholder: 'my-vault get anthropic',
    unlock: 'Run the command in a terminal to see what it needs',
    install: 'Check that the command runs in a terminal',
  },
];

export const toolInfo = (tool: SecretTool): ToolInfo => TOOLS.find((t) => t.tool === tool)!;

/** The program and its arguments; `shell` only for a command of the person's own. */
export function refCommand(
  ref: SecretRef,
): { readonly file: string; readonly args: readonly string[] } | { readonly shell: string } {
  switch (ref.tool) {
    case 'op':
      return { file: 'op', args: ['read', ref.ref] };
    case 'pass':
      return { file: 'pass', args: ['show', ref.entry] };
    case 'gopass':
      return { file: 'gopass', args: ['show', '-o', ref.entry] };
    case 'security':
      return {
        file: 'security',
        args: ['find-generic-password', '-w', '-s', ref.service, ...(ref.account ? ['-a', ref.account] : [])],
      };
    case 'bws':
      return { file: 'bws', args: ['secret', 'get', ref.id, '--output', 'json'] };
    case 'command':
      return { shell: ref.command };
  }
}

/** POSIX shell quoting: the word in single quotes, each ' as '\'' (POSIX.1-2017 XCU 2.2.2). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The same read as a shell command line, for pi's `!command` key and for the tooltip. pass prints
 * the whole entry (the key on its first line), bws prints JSON: each is cut down to the key the
 * way our reader does, with POSIX tools only (head, sed).
 */
export function piCommand(ref: SecretRef): string {
  const c = refCommand(ref);
  if ('shell' in c) return c.shell;
  const line = [c.file, ...c.args].map(shellWord).join(' ');
  if (ref.tool === 'pass') return `${line} | head -n 1`;
  // bws prints pretty JSON with one "value": "…" line; JSON escapes are left as they are (keys have none).
  if (ref.tool === 'bws') return `${line} | sed -n 's/^ *"value": *"\\(.*\\)",\\{0,1\\}$/\\1/p'`;
  return line;
}

/** Where the key is, in words: "1Password op://Private/Anthropic/credential". */
export function refLabel(ref: SecretRef): string {
  const what =
    ref.tool === 'op'
      ? ref.ref
      : ref.tool === 'pass' || ref.tool === 'gopass'
        ? ref.entry
        : ref.tool === 'security'
          ? `service "${ref.service}"${ref.account ? `, account "${ref.account}"` : ''}`
          : ref.tool === 'bws'
            ? `secret ${ref.id}`
            : ref.command;
  return `${toolInfo(ref.tool).label}: ${what}`;
}

/** The reference a person typed for `tool`, checked; a reason when it is unusable. */
export function parseRef(tool: SecretTool, raw: string): { ref: SecretRef } | { problem: string } {
  const v = raw.trim();
  const candidate =
    tool === 'op'
      ? { tool, ref: v }
      : tool === 'pass' || tool === 'gopass'
        ? { tool, entry: v }
        : tool === 'security'
          ? { tool, service: v }
          : tool === 'bws'
            ? { tool, id: v }
            : { tool, command: v };
  const r = secretRefSchema.safeParse(candidate);
  if (r.success) return { ref: r.data };
  if (!v) return { problem: 'Enter the reference.' };
  if (tool === 'op') return { problem: 'A 1Password reference looks like op://vault/item/field.' };
  if (tool === 'bws') return { problem: 'A Bitwarden secret id looks like be8e0ad8-d545-4017-a55a-b02f014d4158.' };
  return { problem: 'Use one line of at most 500 characters.' };
}
