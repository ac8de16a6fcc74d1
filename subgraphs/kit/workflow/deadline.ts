import { GraphQLError } from 'graphql';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

// The gateway gives every subgraph fetch a deadline (x-mente-deadline, epoch milliseconds): after
// it the gateway has answered SUBGRAPH_TIMEOUT, so a write committed later would be a write the
// client was told did not happen. Writes check it right before COMMIT and roll back when past.

export const DEADLINE_HEADER = 'x-mente-deadline';

/** Without a header (a direct call) a write still gets this long (WRITE_DEADLINE_MAX_MS, default 30 s). */
function maxWriteMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.WRITE_DEADLINE_MAX_MS ?? 30_000);
  return Number.isFinite(ms) && ms > 0 ? ms : 30_000;
}

/** The request's deadline: the header's, never further than the maximum from now. */
export function deadlineOf(header: string | string[] | undefined, now = Date.now(), maxMs = maxWriteMs()): number {
  const value = Number(Array.isArray(header) ? header[0] : header);
  const ceiling = now + maxMs;
  return header !== undefined && Number.isFinite(value) && value > 0 ? Math.min(value, ceiling) : ceiling;
}

function timeoutError(): GraphQLError {
  return new GraphQLError('处理超时，本次操作未生效，请稍后使用相同的幂等键重试', {
    extensions: { code: 'SUBGRAPH_TIMEOUT', retryable: true },
  });
}

function isTimeoutError(e: unknown): boolean {
  return e instanceof GraphQLError && e.extensions?.code === 'SUBGRAPH_TIMEOUT';
}

/** Cuts the query runner's database connection: the server rolls back whatever it was doing. */
function cut(qr: QueryRunner): void {
  const connection = (qr as unknown as { databaseConnection?: { destroy?: () => void } }).databaseConnection;
  try {
    connection?.destroy?.();
  } catch {
    // already gone
  }
}

/**
 * Runs `work` in one transaction that commits only before `deadline` (epoch ms). Past it, the
 * transaction is rolled back (or its connection cut, when the database hangs) and the answer is
 * SUBGRAPH_TIMEOUT at the deadline, not when the database wakes up.
 */
export async function transactionBefore<T>(
  ds: DataSource,
  deadline: number,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  if (Date.now() >= deadline) throw timeoutError();
  const qr = ds.createQueryRunner();
  let expired = false;
  let committed = false;
  const late = () => expired || Date.now() >= deadline;
  const run = (async () => {
    try {
      await qr.connect();
      await qr.startTransaction();
      const result = await work(qr.manager);
      if (late()) throw timeoutError();
      await qr.commitTransaction();
      committed = true;
      return result;
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw late() && !isTimeoutError(e) ? timeoutError() : e;
    } finally {
      await qr.release().catch(() => undefined);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (committed) return;
      expired = true;
      // Only MySQL has a connection to cut; sql.js runs in this process and cannot hang.
      if (ds.options.type === 'mysql') cut(qr);
      reject(timeoutError());
    }, deadline - Date.now());
  });
  run.catch(() => undefined);
  expiry.catch(() => undefined);
  // A COMMIT sent before the deadline but unanswered at it is in doubt: the answer is
  // SUBGRAPH_TIMEOUT and a retry with the same idempotency key tells which way it went.
  try {
    return await Promise.race([run, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
