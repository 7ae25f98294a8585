// pi 1.x (@earendil-works/pi-coding-agent 1.6.0, the interop reference) for the host scenarios:
// the key its own ModelRuntime resolves from an auth.json. The host suite runs on Node 24
// (test/host/run.mjs): pi 1.x needs Node >= 22.19.
export async function piKey(authPath, provider) {
  process.env.PI_OFFLINE = '1';
  const { ModelRuntime } = await import('@earendil-works/pi-coding-agent');
  const runtime = await ModelRuntime.create({ authPath, modelsPath: null, refreshOnCreate: false });
  return (await runtime.getAuth(provider))?.auth.apiKey;
}
