import type { LoginUi, SignInInteraction } from './provider';

/**
 * Our own flows (Qwen, Kilo, Cline: sign-ins pi-ai does not ship) drawn through the same
 * interaction as pi-ai's, so the editor has one way to show a sign-in: the browser address is an
 * `auth_url`, the paste box a `manual_code` prompt withdrawn when the loopback wins, the device
 * code a `device_code` event.
 */
export function loginUiOf(interaction: SignInInteraction): LoginUi {
  return {
    signal: interaction.signal,
    openBrowser: async (url) => interaction.notify({ type: 'auth_url', url }),
    // pi-ai's flows race the paste box with their callback server wherever the editor runs; ours too.
    loopbackReachable: async () => true,
    pasteCode: (message, withdraw) =>
      interaction.prompt({
        type: 'manual_code',
        message,
        placeholder: 'code, code#state, or the address the browser shows',
        signal: AbortSignal.any([interaction.signal, withdraw]),
      }),
    showDeviceCode: async (code) =>
      interaction.notify({
        type: 'device_code',
        userCode: code.userCode,
        verificationUri: code.verificationUriComplete ?? code.verificationUri,
        intervalSeconds: code.interval,
        expiresInSeconds: code.expiresIn,
      }),
    progress: (message) => interaction.notify({ type: 'progress', message }),
  };
}
