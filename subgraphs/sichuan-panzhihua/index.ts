import 'reflect-metadata';

import { REGIONS } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/auth/request-identity';
import { runUntilSignal } from '../kit/process';
import { startRegionalSubgraph } from '../kit/regional-subgraph';
import { panzhihua } from './region';

// Entry point: `PORT=... DATABASE_URL=... tsx subgraphs/sichuan-panzhihua/index.ts`.
const port = Number(process.env.PORT ?? REGIONS.find((r) => r.subgraph === panzhihua.subgraph)?.port ?? 0);
runUntilSignal(panzhihua.subgraph, async () =>
  startRegionalSubgraph(panzhihua, { port, internalPublicKey: await loadInternalPublicKey() }),
);
