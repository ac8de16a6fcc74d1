import type { DataSource } from 'typeorm';

import type { HealthReport } from '../server';

/** What readiness says about the database: answered, failed, or did not answer in time. */
export type DatabaseState = 'up' | 'down' | 'timeout';

/** Default deadline for the readiness round trip (HEALTH_DB_TIMEOUT_MS). */
export const DEFAULT_HEALTH_DB_TIMEOUT_MS = 1000;

/**
 * A database check for readiness: `SELECT 1` with a deadline. At most one round trip is in flight:
 * against a hung database, repeated checks wait on the same one instead of filling the pool.
 */
export function databaseCheck(
  ds: Pick<DataSource, 'query'>,
  timeoutMs = DEFAULT_HEALTH_DB_TIMEOUT_MS,
): () => Promise<DatabaseState> {
  let inFlight: Promise<'up' | 'down'> | null = null;
  return async () => {
    inFlight ??= ds.query('SELECT 1').then(
      () => 'up' as const,
      () => 'down' as const,
    );
    const ping = inFlight;
    void ping.finally(() => {
      if (inFlight === ping) inFlight = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      return await Promise.race([ping, deadline]);
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
