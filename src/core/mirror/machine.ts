/**
 * Which machine's auth.json the window writes. In a remote window the extension runs where pi
 * is (package.json extensionKind "workspace"), so the file is on the remote host, not on the
 * laptop the window is drawn on: the view says so, with VS Code's name for the remote
 * (`vscode.env.remoteName`: "ssh-remote", "dev-container", "codespaces", …).
 */
export interface Machine {
  /** os.hostname() of the extension host. */
  readonly host: string;
  /** vscode.env.remoteName; undefined in a local window. */
  readonly remoteName?: string;
  /** The auth.json the mirror writes. */
  readonly authPath: string;
  /** The home directory, shown as ~. */
  readonly home?: string;
}

export interface MachineWords {
  /** Beside the view's title: short. Undefined in a local window (the file is on this computer). */
  readonly description?: string;
  /** One line for the view's message and the log. */
  readonly line: string;
}

export function machineWords(m: Machine): MachineWords {
  const path = m.home && m.authPath.startsWith(`${m.home}/`) ? `~${m.authPath.slice(m.home.length)}` : m.authPath;
  if (!m.remoteName) return { line: `pi's auth.json: ${path} on this computer (${m.host})` };
  return {
    description: `${m.host} (remote: ${m.remoteName})`,
    line: `Writes ${m.host}:${path} (remote: ${m.remoteName})`,
  };
}
