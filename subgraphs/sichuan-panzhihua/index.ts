import 'reflect-metadata';

import { REGIONS } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/auth/request-identity';
import { subgraphConfigFromEnv } from '../kit/config';
import { runUntilSignal } from '../kit/process';
import { startRegionalSubgraph } from '../kit/regional-subgraph';
import { startTracing } from '../kit/tracing';
import { panzhihua } from './region';

// Entry point: `PORT=... DATABASE_URL=... tsx subgraphs/sichuan-panzhihua/index.ts`.
runUntilSignal(panzhihua.subgraph, async () => {
  const defaultPort = REGIONS.find((r) => r.subgraph === panzhihua.subgraph)?.port ?? 0;
  const config = subgraphConfigFromEnv(panzhihua.subgraph, { defaultPort });
  startTracing(panzhihua.subgraph);
  return startRegionalSubgraph(panzhihua, {
    port: config.port,
    shutdownDelayMs: config.shutdownDelayMs,
    tls: config.tls,
    internalPublicKey: await loadInternalPublicKey(),
  });
});
