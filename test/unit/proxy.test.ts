// VS Code's proxy settings against a loopback proxy (forwarding and CONNECT tunnels, optional
// Basic authentication): http.proxy, http.noProxy / NO_PROXY, proxy authentication and
// http.proxyStrictSSL, through the same `http` calls every request of the extension makes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { isFault } from '../../src/core/faults';
import { getJson } from '../../src/core/http';
import { proxyOptions, type ProxySettings } from '../../src/core/proxy';

const fixtures = resolve(__dirname, '../../../test/unit/fixtures');
const listen = async (server: Server) => (
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r)),
  (server.address() as AddressInfo).port
);
const answer = (name: string) => (_req: IncomingMessage, res: import('node:http').ServerResponse) => (
  res.writeHead(200, { 'content-type': 'application/json' }),
  res.end(JSON.stringify({ from: name }))
);

/** A loopback proxy: forwards absolute-URI requests, tunnels CONNECT; with `credentials`, demands them. */
async function loopbackProxy(credentials?: string) {
  const seen: { how: 'forward' | 'connect'; target: string; auth?: string }[] = [];
  const allowed = (auth: string | undefined) =>
    !credentials || auth === `Basic ${Buffer.from(credentials).toString('base64')}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url!);
    seen.push({ how: 'forward', target: url.host, auth: req.headers['proxy-authorization'] });
    if (!allowed(req.headers['proxy-authorization']))
      return void (res.writeHead(407, { 'proxy-authenticate': 'Basic' }), res.end());
    const out = forward(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: req.headers },
      (r) => (res.writeHead(r.statusCode!, r.headers), r.pipe(res)),
    );
    req.pipe(out);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push({ how: 'connect', target: req.url!, auth: req.headers['proxy-authorization'] });
    if (!allowed(req.headers['proxy-authorization']))
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
    const [host, port] = req.url!.split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))),
  };
}

describe('proxy settings against a loopback proxy', () => {
  let plain: Server;
  let other: Server;
  let secure: Server;
  let ports: { plain: number; other: number; secure: number };
  const settings = (o: Partial<ProxySettings>): ProxySettings => ({ proxy: '', noProxy: [], strictSSL: true, ...o });

  before(async () => {
    plain = createServer(answer('plain'));
    other = createServer(answer('other'));
    secure = createHttpsServer(
      {
        key: readFileSync(join(fixtures, 'loopback-key.pem')),
        cert: readFileSync(join(fixtures, 'loopback-cert.pem')),
      },
      answer('secure'),
    );
    ports = { plain: await listen(plain), other: await listen(other), secure: await listen(secure) };
  });
  after(() => {
    for (const s of [plain, other, secure]) (s.closeAllConnections(), s.close());
  });

  it('http.proxy: requests go through the proxy; none configured and none in the environment: no dispatcher', async () => {
    const proxy = await loopbackProxy();
    try {
      const r = await getJson(`http://127.0.0.1:${ports.plain}/x`, proxyOptions(settings({ proxy: proxy.url }), {}));
      assert.deepEqual(r.json, { from: 'plain' });
      assert.deepEqual(
        proxy.seen.map((s) => s.target.replace(/^http:\/\//, '')),
        [`127.0.0.1:${ports.plain}`],
      );
      assert.equal(proxyOptions(settings({}), {}), undefined);
      assert.ok(
        proxyOptions(settings({}), { HTTPS_PROXY: proxy.url }),
        'HTTPS_PROXY from the environment when http.proxy is empty',
      );
    } finally {
      await proxy.close();
    }
  });

  it('http.noProxy and NO_PROXY: listed hosts are reached directly, others through the proxy', async () => {
    const proxy = await loopbackProxy();
    try {
      for (const options of [
        proxyOptions(settings({ proxy: proxy.url, noProxy: [`127.0.0.1:${ports.plain}`] }), {}),
        proxyOptions(settings({ proxy: proxy.url }), { NO_PROXY: `127.0.0.1:${ports.plain}` }),
      ]) {
        proxy.seen.length = 0;
        assert.deepEqual((await getJson(`http://127.0.0.1:${ports.plain}/`, options)).json, { from: 'plain' });
        assert.deepEqual((await getJson(`http://127.0.0.1:${ports.other}/`, options)).json, { from: 'other' });
        assert.deepEqual(
          proxy.seen.map((s) => s.target),
          [`127.0.0.1:${ports.other}`],
        );
      }
    } finally {
      await proxy.close();
    }
  });

  it('proxy authentication: credentials in http.proxy or http.proxyAuthorization are sent; without them, a network fault', async () => {
    const proxy = await loopbackProxy('ann:s3cret word');
    try {
      const target = `http://127.0.0.1:${ports.plain}/`;
      const withUrl = proxy.url.replace('http://', 'http://ann:s3cret%20word@');
      assert.deepEqual((await getJson(target, proxyOptions(settings({ proxy: withUrl }), {}))).json, { from: 'plain' });
      const header = `Basic ${Buffer.from('ann:s3cret word').toString('base64')}`;
      assert.deepEqual(
        (await getJson(target, proxyOptions(settings({ proxy: proxy.url, authorization: header }), {}))).json,
        { from: 'plain' },
      );
      await assert.rejects(getJson(target, proxyOptions(settings({ proxy: proxy.url }), {})), (e) =>
        isFault(e, 'network'),
      );
      assert.deepEqual(
        proxy.seen.map((s) => s.auth),
        [header, header, undefined],
      );
    } finally {
      await proxy.close();
    }
  });

  it('http.proxyStrictSSL: a self-signed server behind the proxy is refused when strict, reached when not', async () => {
    const proxy = await loopbackProxy();
    try {
      const target = `https://127.0.0.1:${ports.secure}/`;
      await assert.rejects(getJson(target, proxyOptions(settings({ proxy: proxy.url, strictSSL: true }), {})), (e) =>
        isFault(e, 'network'),
      );
      assert.deepEqual(
        (await getJson(target, proxyOptions(settings({ proxy: proxy.url, strictSSL: false }), {}))).json,
        { from: 'secure' },
      );
      assert.deepEqual(
        proxy.seen.map((s) => [s.how, s.target]),
        [
          ['connect', `127.0.0.1:${ports.secure}`],
          ['connect', `127.0.0.1:${ports.secure}`],
        ],
      );
    } finally {
      await proxy.close();
    }
  });
});
