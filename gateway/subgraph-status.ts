import { performance } from 'node:perf_hooks';

import type { RequestHandler } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { type Dispatcher, fetch as undiciFetch } from 'undici';

import type { CircuitState } from './circuit-breaker';

// Each subgraph's health as the gateway sees it, for operators: GET /health/subgraphs on the
// internal listener and the mente_subgraph_up gauge. Never part of the gateway's own readiness:
// one region's outage must not take every gateway out of the load balancer.

/** ok: ready; degraded: answering but not ready (database, shutting down); down: unreachable or broken; timeout: no answer in time. */
export type SubgraphState = 'ok' | 'degraded' | 'down' | 'timeout';

export interface SubgraphStatus {
  name: string;
  status: SubgraphState;
  /** The subgraph's own word on its database (up, down, timeout), when it gave one. */
  database?: string;
  /** Why it is not ok, when the status alone does not say (shutting-down, http-500). */
  reason?: string;
  /** How long the check took, milliseconds. */
  durationMs: number;
  /** The gateway's circuit breaker for it, now: closed, half-open (one probe allowed) or open (queries fail fast). */
  circuit?: CircuitState;
}

export interface SubgraphStatusReport {
  status: 'ok' | 'degraded';
  /** When these checks ran (ISO 8601). */
  checkedAt: string;
  subgraphs: SubgraphStatus[];
}

export const DEFAULT_SUBGRAPH_HEALTH_TIMEOUT_MS = 1000;
const DEFAULT_SUBGRAPH_HEALTH_CACHE_MS = 5000;

export interface SubgraphStatusOptions {
  /** Subgraph name → GraphQL URL; its readiness is GET <url without /graphql>/health/ready. */
  subgraphUrls: Record<string, string>;
  /** One check gives up after this long (SUBGRAPH_HEALTH_TIMEOUT_MS); default 1000. */
  timeoutMs?: number;
  /** A report is reused for this long, so a flood of health requests or scrapes is not passed on; default 5000. */
  cacheMs?: number;
  /** Gets mente_subgraph_up and mente_subgraph_health_check_seconds. */
  registry?: Registry;
  /** The gateway's subgraph agent, so checks present the client certificate under mutual TLS. */
  dispatcher?: Dispatcher;
  /** The subgraph's circuit breaker state, read live for every report (not cached with the checks). */
  circuit?: (name: string) => CircuitState | undefined;
}

/** Where a subgraph's readiness is, from its GraphQL URL (a path prefix is kept). */
export function readinessUrl(graphqlUrl: string): string {
  const base = graphqlUrl.replace(/graphql\/?$/, '');
  return new URL('health/ready', base.endsWith('/') ? base : `${base}/`).toString();
}

/** A short, known-shape word from a subgraph's answer, or nothing: its answer is not echoed blindly. */
const word = (value: unknown): string | undefined =>
  typeof value === 'string' && /^[a-z][a-z-]{0,31}$/.test(value) ? value : undefined;

async function check(name: string, url: string, timeoutMs: number, dispatcher?: Dispatcher): Promise<SubgraphStatus> {
  const started = performance.now();
  const done = (rest: Omit<SubgraphStatus, 'name' | 'durationMs'>): SubgraphStatus => ({
    name,
    ...rest,
    durationMs: Math.round(performance.now() - started),
  });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // The deadline covers the body too: a subgraph that sends headers and then hangs still times out.
    const res = await undiciFetch(url, { signal, headers: { accept: 'application/json' }, dispatcher });
    const text = await res.text();
    let body: { status?: unknown; database?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const database = word(body?.database);
    const extra = database ? { database } : {};
    if (res.ok && body?.status === 'ok') return done({ status: 'ok', ...extra });
    if (body?.status === 'degraded') return done({ status: 'degraded', ...extra });
    if (body?.status === 'shutting-down') return done({ status: 'degraded', reason: 'shutting-down' });
    return done({ status: 'down', reason: `http-${res.status}` });
  } catch {
    // Never the error's text: it would carry the subgraph's address.
    return done(signal.aborted ? { status: 'timeout' } : { status: 'down', reason: 'unreachable' });
  }
}

/**
 * Checks every subgraph in parallel, each with a deadline, and keeps the report for cacheMs; one
 * round at a time, so simultaneous callers share it.
 */
export class SubgraphStatusMonitor {
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly targets: [string, string][];
  private readonly dispatcher?: Dispatcher;
  private readonly circuit?: (name: string) => CircuitState | undefined;
  private last: { at: number; report: SubgraphStatusReport } | null = null;
  private inFlight: Promise<SubgraphStatusReport> | null = null;
  private readonly up?: Gauge<'subgraph'>;
  private readonly seconds?: Gauge<'subgraph'>;

  constructor(options: SubgraphStatusOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SUBGRAPH_HEALTH_TIMEOUT_MS;
    this.cacheMs = options.cacheMs ?? DEFAULT_SUBGRAPH_HEALTH_CACHE_MS;
    this.targets = Object.entries(options.subgraphUrls).map(([name, url]) => [name, readinessUrl(url)]);
    this.dispatcher = options.dispatcher;
    this.circuit = options.circuit;
    if (options.registry) {
      const registers = [options.registry];
      // A scrape refreshes a stale report first (bounded by the timeout), so the gauges are never older than cacheMs.
      const collect = async () => {
        await this.report();
      };
      this.up = new Gauge({
        name: 'mente_subgraph_up',
        help: 'Whether the subgraph answered its readiness check ready (1) or not: degraded, down or timed out (0).',
        labelNames: ['subgraph'],
        registers,
        collect,
      });
      this.seconds = new Gauge({
        name: 'mente_subgraph_health_check_seconds',
        help: 'How long the last readiness check of the subgraph took (a timed-out check: about the timeout).',
        labelNames: ['subgraph'],
        registers,
        collect,
      });
    }
  }

  /** The latest report: cached if younger than cacheMs, else a fresh round (at most timeoutMs). */
  report(): Promise<SubgraphStatusReport> {
    if (this.last && performance.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.report);
    this.inFlight ??= this.round().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async round(): Promise<SubgraphStatusReport> {
    const checkedAt = new Date().toISOString();
    const subgraphs = await Promise.all(
      this.targets.map(([name, url]) => check(name, url, this.timeoutMs, this.dispatcher)),
    );
    for (const s of subgraphs) {
      this.up?.set({ subgraph: s.name }, s.status === 'ok' ? 1 : 0);
      this.seconds?.set({ subgraph: s.name }, s.durationMs / 1000);
    }
    const report: SubgraphStatusReport = {
      status: subgraphs.every((s) => s.status === 'ok') ? 'ok' : 'degraded',
      checkedAt,
      subgraphs,
    };
    this.last = { at: performance.now(), report };
    return report;
  }

  /** GET /health/subgraphs: always 200 (a report, not a probe); the body says which subgraph is not ok. */
  readonly handler: RequestHandler = async (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    const report = await this.report();
    const circuit = this.circuit;
    const subgraphs = circuit
      ? report.subgraphs.map((s) => {
          const state = circuit(s.name);
          return state ? { ...s, circuit: state } : s;
        })
      : report.subgraphs;
    res.json({ service: 'gateway', ...report, subgraphs });
  };
}
