// A loopback HTTP proxy that does not open tunnels: it drops the connection at once ('drop'),
// reads the CONNECT and closes ('cut'), or reads it and never answers ('stall'). What it saw is
// counted, so a test can tell one attempt from a retry loop.
import { createServer, type AddressInfo, type Socket } from 'node:net';

export type ProxyBehaviour = 'drop' | 'cut' | 'stall';

export async function hostileProxy(behaviour: ProxyBehaviour) {
  /** `unanswered`: CONNECTs read and never answered whose connection is still open. */
  const seen = { connections: 0, connects: 0, open: 0, unanswered: 0, at: [] as number[] };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    seen.connections++;
    seen.open++;
    seen.at.push(Date.now());
    sockets.add(socket);
    socket.on('close', () => (seen.open--, sockets.delete(socket)));
    socket.on('error', () => undefined);
    if (behaviour === 'drop') return void socket.destroy();
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const connect = /^CONNECT /.test(head);
      head = '';
      if (!connect) return void socket.destroy();
      seen.connects++;
      if (behaviour === 'cut') return void socket.destroy();
      // 'stall': the CONNECT is read and never answered.
      seen.unanswered++;
      socket.once('close', () => seen.unanswered--);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}
