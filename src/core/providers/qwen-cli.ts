import { qwen } from '../oauth/qwen';
import type { ProviderDescriptor } from './info';

// A sign-in pi learns from an extension; pi removed its discontinued qwen-cli example in 0.71
// (@mariozechner/pi-coding-agent CHANGELOG.md, 0.71.0).
export const qwenCli: ProviderDescriptor = {
  id: 'qwen-cli',
  label: 'Qwen',
  envVars: ['QWEN_CLI_API_KEY'],
  signIn: ['device'],
  piExtension: 'an extension that registers qwen-cli (pi removed its example in 0.71)',
  oauth: (endpoints) => qwen(endpoints),
};
