import 'reflect-metadata';

import { NATIONAL } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/platform/auth/request-identity';
import { subgraphConfigFromEnv } from '../kit/platform/config';
import { runUntilSignal } from '../kit/platform/process';
import { startTracing } from '../kit/platform/tracing';
import { regionPublicKeysFromEnv } from '../kit/start-up/history-config';
import { startNationalSubgraph } from './server';

// Entry point: `PORT=4001 DATABASE_URL=... [DATABASE_PASSWORD_FILE=...] tsx subgraphs/national/index.ts`.
runUntilSignal(NATIONAL.name, async () => {
  const config = subgraphConfigFromEnv(NATIONAL.name, { defaultPort: NATIONAL.port, piiKeys: true });
  startTracing(NATIONAL.name);
  return startNationalSubgraph({
    port: config.port,
    metricsPort: config.metricsPort,
    databaseUrl: config.databaseUrl,
    healthDbTimeoutMs: config.healthDbTimeoutMs,
    shutdownDelayMs: config.shutdownDelayMs,
    tls: config.tls,
    internalPublicKey: await loadInternalPublicKey(),
    regionPublicKeys: await regionPublicKeysFromEnv(),
  });
});
