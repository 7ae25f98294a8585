// The logger port. The vscode adapter sends every line through redact() before it leaves.
export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
