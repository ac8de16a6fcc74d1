import 'reflect-metadata';

import { REGIONS } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/auth/request-identity';
import { subgraphConfigFromEnv } from '../kit/config';
import { runUntilSignal } from '../kit/process';
import { startRegionalSubgraph } from '../kit/regional-subgraph';
import { startTracing } from '../kit/tracing';
import { yunfu } from './region';

// Entry point: `PORT=... DATABASE_URL=... tsx subgraphs/guangdong-yunfu/index.ts`.
runUntilSignal(yunfu.subgraph, async () => {
  const defaultPort = REGIONS.find((r) => r.subgraph === yunfu.subgraph)?.port ?? 0;
  const config = subgraphConfigFromEnv(yunfu.subgraph, { defaultPort });
  startTracing(yunfu.subgraph);
  return startRegionalSubgraph(yunfu, {
    port: config.port,
    shutdownDelayMs: config.shutdownDelayMs,
    tls: config.tls,
    internalPublicKey: await loadInternalPublicKey(),
  });
});
