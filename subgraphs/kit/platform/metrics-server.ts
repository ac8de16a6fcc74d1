import http from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';
import type { Registry } from 'prom-client';

// The internal listener: GET /metrics (and on the gateway GET /health/subgraphs) on a port of its
// own (METRICS_PORT), so the public port a load balancer or ingress forwards never serves them.

/** Paths that exist only on the internal listener; the public port answers 404 for them. */
export const INTERNAL_ONLY_PATHS = ['/metrics', '/health/subgraphs'];

/** 9400 beside the gateway's 4000, 9401 beside the national subgraph's 4001, and so on. */
const METRICS_PORT_OFFSET = 5400;

/** The default METRICS_PORT for a process whose default public port is `publicPort` (0 stays 0). */
export function defaultMetricsPort(publicPort: number): number {
  const port = publicPort + METRICS_PORT_OFFSET;
  return publicPort === 0 || port > 65535 ? 0 : port;
}

export interface MetricsServerOptions {
  name: string;
  registry?: Registry;
  /** More internal routes (the gateway's per-subgraph status). */
  routes?: (app: express.Express) => void;
  port: number;
  host: string;
}

export interface RunningMetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9400 */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  const registry = options.registry;
  if (registry) {
    app.get('/metrics', async (_req, res) => {
      try {
        const text = await registry.metrics();
        res.setHeader('content-type', registry.contentType);
        res.end(text);
      } catch {
        res.status(500).json({ service: options.name, error: 'metrics unavailable' });
      }
    });
  }
  options.routes?.(app);
  app.use((_req, res) => {
    res.status(404).json({ service: options.name, error: 'not found' });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    port,
    async close() {
      if (!server.listening) return;
      // A scrape never takes long: open keep-alive connections are not worth waiting for.
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
