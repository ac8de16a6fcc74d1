import { performance } from 'node:perf_hooks';

import type { DataSource } from 'typeorm';

import type { HealthReport } from '../health';

/** What readiness says about the database: answered, failed, or did not answer in time. */
export type DatabaseState = 'up' | 'down' | 'timeout';

/** Default deadline for the readiness round trip (HEALTH_DB_TIMEOUT_MS). */
export const DEFAULT_HEALTH_DB_TIMEOUT_MS = 1000;

/**
 * A database check for readiness: `SELECT 1` with a deadline. At most one round trip is in flight:
 * against a hung database, repeated checks wait on the same one instead of filling the pool; one
 * older than ten deadlines is given up and a new one sent (a connection that never answers again).
 */
export function databaseCheck(
  ds: Pick<DataSource, 'query'>,
  timeoutMs = DEFAULT_HEALTH_DB_TIMEOUT_MS,
): () => Promise<DatabaseState> {
  let inFlight: { ping: Promise<'up' | 'down'>; since: number } | null = null;
  return async () => {
    const now = performance.now();
    if (!inFlight || now - inFlight.since > 10 * timeoutMs) {
      const entry = {
        ping: Promise.resolve()
          .then(() => ds.query('SELECT 1'))
          .then(
            () => 'up' as const,
            () => 'down' as const,
          ),
        since: now,
      };
      inFlight = entry;
      void entry.ping.then(() => {
        if (inFlight === entry) inFlight = null;
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      return await Promise.race([inFlight.ping, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** A subgraph's readiness report: ok when the database answered in time, else degraded with why. */
export function databaseReadiness(
  ds: Pick<DataSource, 'query'>,
  timeoutMs?: number,
  extra: Record<string, unknown> = {},
): () => Promise<HealthReport> {
  const check = databaseCheck(ds, timeoutMs);
  return async () => {
    const database = await check();
    return { status: database === 'up' ? 'ok' : 'degraded', database, ...extra };
  };
}
