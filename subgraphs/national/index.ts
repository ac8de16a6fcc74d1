import 'reflect-metadata';

import { NATIONAL } from '../../schema/registry';
import { runUntilSignal } from '../kit/process';
import { startNationalSubgraph } from './server';

// Entry point: `PORT=4001 tsx subgraphs/national/index.ts`.
runUntilSignal(NATIONAL.name, () => startNationalSubgraph({ port: Number(process.env.PORT ?? NATIONAL.port) }));
