import * as vscode from 'vscode';
import type { RawRotationSettings } from '../core/rotation/settings';

const config = () => vscode.workspace.getConfiguration('piAccounts');

/** The rotation settings as configured; `CachedRotationSettings` checks them. */
export const readRotationSettings = (): RawRotationSettings => ({
  mode: config().get('rotation.mode'),
  modes: config().get('rotation.overrides'),
  threshold: config().get('rotation.threshold', 80),
  maxSwitchesPerHour: config().get('rotation.maxSwitchesPerHour'),
  maxInFlightPerAccount: config().get('rotation.maxInFlightPerAccount'),
});

export const QUOTA_INTERVAL_MS = 5 * 60_000;
