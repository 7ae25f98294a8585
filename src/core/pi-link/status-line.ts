import { MIN_PI_VERSION, olderThan, type LinkStatus } from './server';

/**
 * The Accounts view's line about pi: how many pi processes are connected and which pi versions
 * (from each companion's hello), a warning with the next step when one is older than
 * MIN_PI_VERSION, and the last report. Undefined when there is nothing to say.
 */
export function piStatusLine(
  s: LinkStatus,
  installed: boolean,
  at: (t: number) => string = (t) => new Date(t).toLocaleTimeString(),
): string | undefined {
  const failure = s.lastFailure
    ? ` · ${at(s.lastFailure.at)}: ${s.lastFailure.provider} ${s.lastFailure.status} → ${s.lastFailure.summary}`
    : '';
  const last = s.last ? ` · last report ${at(s.last.at)}${failure}` : '';
  const old = s.piVersions.filter((v) => v !== 'unknown' && olderThan(v));
  const versions = s.piVersions.length ? `, pi ${s.piVersions.join(', ')}` : '';
  const warn = old.length ? ` · pi ${old.join(', ')} is older than ${MIN_PI_VERSION}: update pi` : '';
  const live = s.pids.length
    ? `pi connected (${s.pids.length} process${s.pids.length === 1 ? '' : 'es'}${versions})${warn}`
    : installed
      ? 'pi companion installed, no pi running'
      : undefined;
  return live ? `${live}${last}` : undefined;
}
