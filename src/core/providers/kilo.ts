import { kilo as signIn } from '../oauth/kilo';
import type { ProviderDescriptor } from './info';

/** Kilo's device sign-in; pi learns the provider from the pi-multi-auth extension. */
export const kilo: ProviderDescriptor = {
  id: 'kilo',
  label: 'Kilo',
  envVars: [],
  signIn: ['device'],
  piExtension: 'pi-multi-auth',
  oauth: (endpoints) => signIn(endpoints),
};
