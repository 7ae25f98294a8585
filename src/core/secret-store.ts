import type { Disposable } from './events';

/** The port over VS Code's SecretStorage (or an in-memory map in unit tests). */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Fires for changes made by any window, this one included. */
  onDidChange(listener: (key: string) => void): Disposable;
}
