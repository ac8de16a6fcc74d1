import { runUntilSignal } from '../subgraphs/kit/process';
import { subgraphUrlsFromEnv } from './config';
import { startGateway } from './gateway';

// Entry point: `PORT=4000 SUBGRAPH_URL_NATIONAL=... tsx gateway/index.ts`.
runUntilSignal('gateway', () =>
  startGateway({ port: Number(process.env.PORT ?? 4000), subgraphUrls: subgraphUrlsFromEnv() }),
);
