// Test routes: the loopback emulators a test build sends a provider's sign-in, usage and models
// requests to (PI_ACCOUNTS_OAUTH_ENDPOINTS), checked before anything uses them.
import * as z from 'zod/mini';
import { parseJson } from '../json';
import { Fault } from '../faults';

/**
 * Test routes: endpoints for testing against local emulators. Only loopback addresses are taken,
 * so nothing (a hostile environment included) can send a token to another machine this way.
 */
const loopbackUrl = z
  .string()
  .check(
    z.refine((u) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), 'must be a loopback URL'),
  );
const testRoutesSchema = z.record(z.string(), z.record(z.string(), loopbackUrl));
export type TestRoutes = z.infer<typeof testRoutesSchema>;

export const ENDPOINTS_ENV = 'PI_ACCOUNTS_OAUTH_ENDPOINTS';

export function parseTestRoutes(raw: string | undefined): TestRoutes {
  if (!raw) return {};
  const r = testRoutesSchema.safeParse(parseJson(raw));
  if (!r.success)
    throw new Fault(
      'oauth',
      `${ENDPOINTS_ENV} is set but is not a JSON map of loopback URLs; it is ignored.`,
      `Unset ${ENDPOINTS_ENV}.`,
    );
  return r.data;
}
