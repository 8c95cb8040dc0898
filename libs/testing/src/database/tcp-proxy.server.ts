import { connect, createServer, type Socket } from 'node:net';

export type TcpProxyPauseMode =
  /** New connections are reset at once, like a server that is down. */
  | 'refuse'
  /** New connections are accepted but get no bytes until `resume()`, like a black-holed network. */
  | 'hold';

export interface TcpProxy {
  host: string;
  port: number;
  /** `url` with its host and port pointed at the proxy. */
  urlFor(url: string): string;
  /** Resets every open connection, then refuses or holds new ones. */
  pause(mode?: TcpProxyPauseMode): void;
  /** Forwards again; held connections are connected through. */
  resume(): void;
  close(): Promise<void>;
}

/**
 * A real TCP proxy on a loopback port, so a test can take a dependency away (and bring it back)
 * underneath a real client without mocking it.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let paused: TcpProxyPauseMode | undefined;
  const links = new Set<{ client: Socket; upstream: Socket }>();
  const held = new Set<Socket>();

  const forward = (client: Socket): void => {
    const upstream = connect({ host: targetHost, port: targetPort });
    const link = { client, upstream };
    links.add(link);
    const cut = (): void => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = createServer((client) => {
    client.setNoDelay(true);
    if (paused === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (paused === 'hold') {
      held.add(client);
      client.on('error', () => undefined).once('close', () => held.delete(client));
      return;
    }
    forward(client);
  });

  const host = '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
  const port = address.port;

  return {
    host,
    port,
    urlFor: (url) => {
      const u = new URL(url);
      u.hostname = host;
      u.port = String(port);
      return u.toString();
    },
    pause: (mode = 'refuse') => {
      paused = mode;
      for (const { client, upstream } of links) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      links.clear();
    },
    resume: () => {
      paused = undefined;
      for (const client of held) forward(client);
      held.clear();
    },
    close: async () => {
      for (const { client, upstream } of links) {
        client.destroy();
        upstream.destroy();
      }
      for (const client of held) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
