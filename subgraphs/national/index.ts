import 'reflect-metadata';

import { NATIONAL } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/auth/request-identity';
import { runUntilSignal } from '../kit/process';
import { startNationalSubgraph } from './server';

// Entry point: `PORT=4001 DATABASE_URL=... tsx subgraphs/national/index.ts`.
runUntilSignal(NATIONAL.name, async () =>
  startNationalSubgraph({
    port: Number(process.env.PORT ?? NATIONAL.port),
    internalPublicKey: await loadInternalPublicKey(),
  }),
);
