import type { LockedRun } from '../refresh-lock';
import type { InUseAccounts } from '../rotation/rotation';
import { withFileLock } from './auth-file';
import { refreshedByPi, type AuthMirror } from './auth-mirror';

/**
 * The account the mirror writes (the active one) refreshes under pi's auth.json lock, handing the
 * step the entry pi may have refreshed; any other account (or all, with the mirror off) under a
 * private lock file, so two windows still never refresh at once.
 */
export function lockedRun(o: {
  mirror: () => AuthMirror | undefined;
  privateLock: string;
  inUse: InUseAccounts;
}): LockedRun {
  return (provider, account, step) => {
    const mirror = o.mirror();
    if (mirror && o.inUse.inUse(provider)?.name === account) {
      return mirror.underLock(provider, account, (piVersion) =>
        step((current, impl) => refreshedByPi(current, piVersion, impl)),
      );
    }
    return withFileLock(o.privateLock, async () => (await step(() => undefined)).result);
  };
}
