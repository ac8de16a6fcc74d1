import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A pass-through HTTP proxy in front of a subgraph that can be told to misbehave: answer
// normally, hang without answering, fail with HTTP 500, delay each answer, answer a GraphQL error
// of its own (a subgraph's classified failure), or pass the request on and cut the connection
// before answering (it was done, the caller cannot know). It can also record what passes through
// (headers and exact body bytes), as someone on the gateway → subgraph link could.

export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'hang' }
  | { kind: 'error' }
  | { kind: 'delay'; ms: number }
  /** HTTP 200 with `data: null` and one error carrying this code and retryable (as a subgraph classifies its failures). */
  | { kind: 'graphqlError'; code: string; retryable: boolean; message: string; path?: (string | number)[] }
  /** Pass the request on, wait for the subgraph's answer, then drop the connection instead of answering. */
  | { kind: 'dropAfterForward' };

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** Requests received so far (any mode). */
  requests: number;
  /** When set, told of every request passed on: method, path, headers and the exact body. */
  onRequest?: (request: RecordedRequest) => void;
  close(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const hanging = new Set<http.ServerResponse>();
  const proxy: FaultProxy = { url: '', mode: { kind: 'pass' }, requests: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    proxy.requests++;
    const mode = proxy.mode;
    if (mode.kind === 'hang') {
      hanging.add(res);
      return;
    }
    if (mode.kind === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure');
      return;
    }
    if (mode.kind === 'graphqlError') {
      for await (const _ of req); // read the request whole before answering
      const { code, retryable, message, path } = mode;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          data: null,
          errors: [{ message, ...(path ? { path } : {}), extensions: { code, retryable } }],
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    proxy.onRequest?.({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    if (mode.kind === 'delay') await new Promise((r) => setTimeout(r, mode.ms));
    let upstream: Response;
    try {
      upstream = await fetch(new URL(req.url ?? '/', target), {
        method: req.method,
        // End-to-end headers only: the body is re-sent whole, so its length is fetch's to set.
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k))) as Record<
          string,
          string
        >,
        body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
      });
    } catch {
      req.socket.destroy(); // the subgraph is gone: the caller sees a dropped connection, as without the proxy
      return;
    }
    if (mode.kind === 'dropAfterForward') {
      await upstream.arrayBuffer();
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}
