import 'reflect-metadata';

import { REGIONS } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/auth/request-identity';
import { runUntilSignal } from '../kit/process';
import { startRegionalSubgraph } from '../kit/regional-subgraph';
import { yunfu } from './region';

// Entry point: `PORT=... DATABASE_URL=... tsx subgraphs/guangdong-yunfu/index.ts`.
const port = Number(process.env.PORT ?? REGIONS.find((r) => r.subgraph === yunfu.subgraph)?.port ?? 0);
runUntilSignal(yunfu.subgraph, async () =>
  startRegionalSubgraph(yunfu, { port, internalPublicKey: await loadInternalPublicKey() }),
);
