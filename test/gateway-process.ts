import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { SUBGRAPHS } from '../schema/registry';
import { developmentKeyPaths } from '../subgraphs/kit/platform/auth/keys';
import { freePort } from './free-port';

/** The gateway engines Mente can run: the Apollo gateway, Hive Gateway (JS planner), Hive with its Rust planner. */
export const GATEWAY_ENGINES = ['apollo', 'hive', 'hive-router-runtime'] as const;
export type GatewayEngine = (typeof GATEWAY_ENGINES)[number];

export interface GatewayProcessOptions {
  /** Subgraph name → GraphQL URL. */
  subgraphUrls: Record<string, string>;
  /** The stack's development keys (caller public key, internal private key). */
  keysDir: string;
  /** Where POST /uploads stores files; default a fresh temporary directory. */
  uploadDir?: string;
  /** More environment (it wins over the defaults set here). */
  env?: NodeJS.ProcessEnv;
  /** Node flags before the entry point (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another checkout of Mente to run the gateway from (comparing with an older commit); default this one. */
  root?: string;
  /** Where the child's stderr goes; default kept and shown if it fails to start. */
  stderr?: 'inherit' | 'pipe';
}

export interface GatewayProcess {
  engine: GatewayEngine;
  child: ChildProcess;
  pid: number;
  url: string;
  graphqlUrl: string;
  /** GET /metrics of the Apollo gateway (METRICS_PORT); undefined for Hive. */
  metricsPort?: number;
  close(): Promise<void>;
}

/**
 * One gateway engine as its own process, as deployed (`node --import tsx gateway/index.ts`, or
 * gateway/hive/index.ts with HIVE_ROUTER_RUNTIME for the Rust planner, which loads a native module
 * through a dynamic import that jest's VM cannot run in-process). No response cache and no
 * per-caller rate limit (one load client from one address); resolves once it answers its health check.
 */
export async function spawnGatewayProcess(
  engine: GatewayEngine,
  options: GatewayProcessOptions,
): Promise<GatewayProcess> {
  const keys = developmentKeyPaths(options.keysDir);
  const port = await freePort();
  const metricsPort = engine === 'apollo' ? await freePort() : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    ...(metricsPort ? { METRICS_PORT: String(metricsPort) } : {}),
    RATE_LIMIT_PER_MINUTE: '0',
    JWT_PUBLIC_KEY_FILE: keys.callerPublicKeyPath,
    INTERNAL_PRIVATE_KEY_FILE: keys.internalPrivateKeyPath,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'mente-gw-')),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PUBLIC_CACHE_MAX_AGE: '0',
    HIVE_ROUTER_RUNTIME: engine === 'hive-router-runtime' ? 'true' : 'false',
    ...(options.uploadDir ? { UPLOAD_DIR: options.uploadDir } : {}),
    ...options.env,
  };
  // jest's NODE_ENV ("test") changes Apollo's behaviour; the gateway runs as deployed.
  delete env.NODE_ENV;
  for (const s of SUBGRAPHS) if (options.subgraphUrls[s.name]) env[s.urlEnv] = options.subgraphUrls[s.name];
  const entry = engine === 'apollo' ? 'gateway/index.ts' : 'gateway/hive/index.ts';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: options.root ?? path.resolve(__dirname, '..'),
    env,
    stdio: ['ignore', 'ignore', options.stderr ?? 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const health = `${url}${engine === 'apollo' ? '/health/live' : '/health'}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${engine} gateway exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(health).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${engine} gateway did not start in 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    engine,
    child,
    pid: child.pid!,
    url,
    graphqlUrl: `${url}/`,
    metricsPort,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
