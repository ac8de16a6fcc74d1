/**
 * Runs a server until SIGTERM/SIGINT, then closes it (in-flight requests finish, pools close).
 * A failed start exits non-zero with the reason, never a half-started process.
 */
export function runUntilSignal(
  name: string,
  start: () => Promise<{ graphqlUrl: string; close(): Promise<void> }>,
): void {
  start().then(
    (server) => {
      console.log(`[${name}] listening on ${server.graphqlUrl}`);
      let closing = false;
      const stop = (signal: string) => {
        if (closing) return;
        closing = true;
        console.log(`[${name}] ${signal}: shutting down`);
        server.close().then(
          () => process.exit(0),
          (e: unknown) => {
            console.error(`[${name}] shutdown failed:`, e);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    },
    (e: unknown) => {
      console.error(`[${name}] failed to start: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
