import { cline as signIn } from '../oauth/cline';
import type { ProviderDescriptor } from './info';

/** Cline's browser sign-in; pi learns the provider from the pi-multi-auth extension. */
export const cline: ProviderDescriptor = {
  id: 'cline',
  label: 'Cline',
  envVars: [],
  signIn: ['browser'],
  piExtension: 'pi-multi-auth',
  oauth: (endpoints) => signIn(endpoints),
};
