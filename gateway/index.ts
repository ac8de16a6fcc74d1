import { runUntilSignal } from '../subgraphs/kit/process';
import {
  exposeSchemaFromEnv,
  limitsFromEnv,
  loadGatewaySecurity,
  subgraphTimeoutFromEnv,
  subgraphUrlsFromEnv,
} from './config';
import { startGateway } from './gateway';

// Entry point: `PORT=4000 SUBGRAPH_URL_NATIONAL=... tsx gateway/index.ts`. Configuration: README.
runUntilSignal('gateway', async () =>
  startGateway({
    port: Number(process.env.PORT ?? 4000),
    subgraphUrls: subgraphUrlsFromEnv(),
    security: await loadGatewaySecurity(),
    limits: limitsFromEnv(),
    exposeSchema: exposeSchemaFromEnv(),
    subgraphTimeoutMs: subgraphTimeoutFromEnv(),
  }),
);
