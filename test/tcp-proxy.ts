import net from 'node:net';

// A TCP proxy in front of a database server that can be told to misbehave: freeze (connections
// stay open, nothing is forwarded either way: a hung database) or refuse (every connection is
// cut, new ones are closed at once: a database that is down).

export interface TcpProxy {
  host: string;
  port: number;
  /** Hold every byte in both directions from now on, connections left open. */
  freeze(): void;
  /** Deliver what was held, in order, and forward again. */
  thaw(): void;
  /** Cut every connection and close new ones at once. */
  refuse(): void;
  /** Accept and forward again. */
  restore(): void;
  /** The client's bytes held since the last freeze, as text (what the subgraph sent the database). */
  heldFromClient(): string;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let frozen = false;
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, toUpstream: [], toClient: [] };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => (frozen ? pair.toUpstream.push(d) : upstream.write(d)));
    upstream.on('data', (d: Buffer) => (frozen ? pair.toClient.push(d) : client.write(d)));
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    pairs.clear();
  };
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const p of pairs) {
        for (const d of p.toUpstream.splice(0)) p.upstream.write(d);
        for (const d of p.toClient.splice(0)) p.client.write(d);
      }
    },
    refuse() {
      refusing = true;
      cutAll();
    },
    restore() {
      refusing = false;
    },
    heldFromClient() {
      return [...pairs].map((p) => Buffer.concat(p.toUpstream).toString('latin1')).join('');
    },
    async close() {
      cutAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
