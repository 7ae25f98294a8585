// Kilo: a custom device authorization (not RFC 8628): POST creates a code, GET polls it; the
// token never expires on its own, so there is no refresh endpoint and pi-multi-auth stores it
// as both access and refresh with a year's lifetime. Facts: pi-multi-auth 0.7.0
// (github.com/MasuRii/pi-multi-auth), its Kilo OAuth provider.
import * as z from 'zod/mini';
import { aborted, Fault } from '../faults';
import { getJson, postJson, type HttpOptions } from '../http';
import { abortableSleep, type DeviceCode } from '../oauth/device';
import type { OAuthProvider, SignInInteraction } from '../oauth/provider';
import { loginUiOf } from '../oauth/interaction';
import type { ProviderDescriptor } from './info';

export const KILO = { api: 'https://api.kilo.ai', pollMs: 3000 };
export const KILO_HEADERS = { 'X-KILOCODE-EDITORNAME': 'Pi' };
const YEAR = 365 * 24 * 60 * 60 * 1000;

const codeSchema = z.object({
  code: z.string().check(z.minLength(1)),
  verificationUrl: z.string(),
  expiresIn: z.number(),
});
const pollSchema = z.object({ status: z.optional(z.string()), token: z.optional(z.string()) });

export function kiloOAuth(endpoints: Partial<typeof KILO> = {}, now = Date.now): OAuthProvider {
  const e = { ...KILO, ...endpoints };
  return {
    id: 'kilo',
    async login(interaction: SignInInteraction, http?: HttpOptions) {
      const ui = loginUiOf(interaction);
      const opts = { ...http, signal: ui.signal, headers: KILO_HEADERS };
      const res = await postJson(`${e.api}/api/device-auth/codes`, undefined, opts);
      if (res.status === 429)
        throw new Fault(
          'oauth',
          'Kilo has too many sign-ins waiting for this machine (429).',
          'Finish or let the other sign-ins expire, then try again.',
        );
      const parsed = codeSchema.safeParse(res.json);
      if (res.status >= 300 || !parsed.success)
        throw new Fault(
          res.status >= 500 ? 'network' : 'oauth',
          `Could not start the Kilo sign-in: the server answered ${res.status}.`,
          'Try again in a moment.',
        );
      const code: DeviceCode = {
        deviceCode: parsed.data.code,
        userCode: parsed.data.code,
        verificationUri: parsed.data.verificationUrl,
        expiresIn: parsed.data.expiresIn,
        interval: e.pollMs / 1000,
      };
      await ui.showDeviceCode(code);
      const deadline = now() + code.expiresIn * 1000;
      for (;;) {
        await abortableSleep(e.pollMs, ui.signal);
        if (ui.signal.aborted) throw aborted();
        if (now() >= deadline) throw expired(code.userCode);
        const poll = await getJson(`${e.api}/api/device-auth/codes/${encodeURIComponent(code.deviceCode)}`, {
          ...opts,
          timeoutMs: 15_000,
        });
        if (poll.status === 202) continue;
        if (poll.status === 403)
          throw new Fault(
            'denied',
            'The Kilo sign-in was declined in the browser.',
            'Start the sign-in again and approve access.',
          );
        if (poll.status === 410) throw expired(code.userCode);
        const body = pollSchema.safeParse(poll.json);
        if (poll.status >= 500 || !body.success)
          throw new Fault(
            poll.status >= 500 ? 'network' : 'oauth',
            `The Kilo sign-in failed: the server answered ${poll.status}.`,
            'Start the sign-in again.',
          );
        if (body.data.token)
          return {
            type: 'oauth',
            access: body.data.token,
            refresh: body.data.token,
            expires: now() + YEAR,
            provider: 'kilo',
          };
        if (body.data.status === 'denied')
          throw new Fault(
            'denied',
            'The Kilo sign-in was declined in the browser.',
            'Start the sign-in again and approve access.',
          );
        if (body.data.status === 'expired') throw expired(code.userCode);
      }
    },
    // Nothing to refresh: the token is valid until it is not, and then only a new sign-in helps.
    async refresh(credential) {
      if (credential.expires > now()) return credential;
      throw new Fault(
        'needs-sign-in',
        'The Kilo sign-in has expired.',
        'Sign in to Kilo again; the account is kept until you do.',
      );
    },
    apiKey: (credential) => credential.access,
    sameAccount: (ours, candidate) => ours.access === candidate.access,
  };
}

function expired(code: string): Fault {
  return new Fault('expired', `The Kilo code ${code} expired before it was approved.`, 'Start the sign-in again.');
}

/** Kilo's device sign-in; pi learns the provider from the pi-multi-auth extension. */
export const kilo: ProviderDescriptor = {
  id: 'kilo',
  label: 'Kilo',
  envVars: [],
  signIn: ['device'],
  piExtension: 'pi-multi-auth',
  oauth: (endpoints) => kiloOAuth(endpoints),
};
