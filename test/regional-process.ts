import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import path from 'node:path';

/**
 * The one regional entry point as its own process, as deployed: `env` is used as given, minus
 * jest's NODE_ENV ("test": Apollo behaves differently under it) and any OpenTelemetry exporter.
 */
export function spawnRegionalSubgraph(
  env: NodeJS.ProcessEnv,
  stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
): ChildProcess {
  const childEnv = { ...env };
  delete childEnv.NODE_ENV;
  delete childEnv.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete childEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return spawn(process.execPath, ['--import', 'tsx', 'subgraphs/regional/index.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: childEnv,
    stdio,
  });
}
