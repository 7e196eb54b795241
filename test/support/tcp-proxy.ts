// A TCP proxy between a process under test and PostgreSQL or Redis, so a test can cause an
// outage for that process alone: `cut()` closes the listener and destroys every open
// connection (new connections are refused, as when the server is down); `restore()` listens
// again on the same port. The machine's own servers are never touched.
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (the same after a restore). */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export interface ProxyTarget {
  host: string;
  port: number;
}

export function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  return startProxy(() => ({ host: targetHost, port: targetPort }));
}

/**
 * A load balancer in front of several servers: each new connection goes to the next target in
 * turn (the first to targets[0]), as a DNS name or TCP balancer over replicas would.
 */
export function startRoundRobinTcpProxy(targets: ProxyTarget[]): Promise<TcpProxy> {
  let next = 0;
  return startProxy(() => targets[next++ % targets.length]);
}

async function startProxy(target: () => ProxyTarget): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const newServer = (): Server =>
    createServer((client) => {
      const { host, port } = target();
      const upstream = connect(port, host);
      track(client);
      track(upstream);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });

  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  let server: Server | undefined = newServer();
  const port = await listen(server, 0);

  const cut = async () => {
    const closing = server;
    server = undefined;
    if (!closing) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    async restore() {
      if (server) return;
      const next = newServer();
      await listen(next, port);
      server = next;
    },
    close: cut,
  };
}
