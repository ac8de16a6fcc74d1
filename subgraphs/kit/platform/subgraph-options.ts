import type { SubgraphTls } from './config';
import type { Limits } from './limits';
import type { Logger } from './log';

/** What every subgraph server (national and regional) is started with, besides its own options. */
export interface SubgraphServerOptions {
  port?: number;
  databaseUrl?: string;
  /** Access and error lines; default the root logger (stdout, LOG_LEVEL). */
  logger?: Logger;
  /** See startGraphQLHttpServer: readiness is 503 for this long before draining. */
  shutdownDelayMs?: number;
  /** Where GET /metrics is served (METRICS_PORT); default 0, any free port. */
  metricsPort?: number;
  /** Deadline of readiness's database round trip (HEALTH_DB_TIMEOUT_MS); default 1000. */
  healthDbTimeoutMs?: number;
  /** Depth, alias, cost and batch limits (default LIMIT_MAX_*), as at the gateway. */
  limits?: Limits;
  /** Introspection; off also hides schema names from error messages (default EXPOSE_SCHEMA). */
  exposeSchema?: boolean;
  /** Mutual TLS with the gateway (SUBGRAPH_TLS_*): HTTPS, client certificates required. */
  tls?: SubgraphTls;
  /** Tries to reach the database at start-up, with backoff 0.5 s → 8 s (DATABASE_CONNECT_RETRIES, default 10). */
  connectTries?: number;
}
