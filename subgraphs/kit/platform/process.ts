import { ConfigError } from './config';
import { logger as rootLogger } from './log';
import { shutdownTracing } from './tracing';

/** Past SHUTDOWN_DELAY_MS and then this, a shutdown that has not finished is given up (exit 1). */
const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Runs a server until SIGTERM/SIGINT, then closes it gracefully: readiness turns 503 at once,
 * in-flight requests finish, database pools and the outbox dispatcher close, pending spans are
 * exported, and the process exits 0. A failed start exits 1 with the reason, never a
 * half-started process; a configuration error is printed as is, one line per problem.
 */
export function runUntilSignal(
  name: string,
  start: () => Promise<{ graphqlUrl: string; metricsUrl?: string | null; close(): Promise<void> }>,
): void {
  const log = rootLogger.child({ service: name });
  const exit = (code: number) => {
    log.flush();
    process.exit(code);
  };
  start().then(
    (server) => {
      log.info({ url: server.graphqlUrl }, `listening on ${server.graphqlUrl}`);
      if (server.metricsUrl) log.info({ metricsUrl: server.metricsUrl }, `metrics on ${server.metricsUrl}/metrics`);
      let closing = false;
      const stop = (signal: string) => {
        if (closing) return;
        closing = true;
        log.info({ signal }, `${signal}: shutting down`);
        // Validated at start (config.ts): a non-negative integer or unset.
        const deadline = (Number(process.env.SHUTDOWN_DELAY_MS) || 0) + SHUTDOWN_DEADLINE_MS;
        setTimeout(() => {
          log.error(`shutdown did not finish within ${deadline / 1000}s; exiting`);
          exit(1);
        }, deadline).unref();
        server
          .close()
          .then(() => shutdownTracing())
          .then(
            () => {
              log.info('stopped');
              exit(0);
            },
            (e: unknown) => {
              log.error({ err: e }, 'shutdown failed');
              exit(1);
            },
          );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    },
    (e: unknown) => {
      if (e instanceof ConfigError) {
        // For a person at a terminal or reading the deployment's events: plain lines.
        process.stderr.write(`${e.message}\n`);
        log.fatal({ problems: e.problems }, 'invalid configuration');
      } else {
        log.fatal({ err: e }, `failed to start: ${e instanceof Error ? e.message : String(e)}`);
      }
      exit(1);
    },
  );
}
