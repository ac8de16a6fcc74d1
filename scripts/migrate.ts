import 'reflect-metadata';

import type { DataSource } from 'typeorm';

import { NATIONAL } from '../schema/registry';
import { redactUrl } from '../subgraphs/kit/platform/db/url';
import { createRegionalDataSource, prepareRegionalDatabase } from '../subgraphs/kit/start-up/data-source';
import { seedHospitalDirectory } from '../subgraphs/national/hospital-directory';
import { loadPiiVault } from '../subgraphs/national/pii-keys';
import { createNationalDataSource } from '../subgraphs/national/server';
import { databaseUrlFor, ensureMysqlDatabase } from './lib/databases';
import { seedDemoPeople, seedDemoRecords } from './lib/demo';
import { regionDefinitions } from './lib/subgraphs';

// `npm run migrate`: every subgraph's migrations. `npm run seed`: migrations, each region's
// versioned policy data, and the demo people (development only). All idempotent.
// Databases: scripts/lib/databases.ts (embedded .data/<subgraph>.sqlite unless MYSQL_URL is set).

export interface PrepareOptions {
  seed: boolean;
  log?: (line: string) => void;
}

async function withDataSource(
  url: string | undefined,
  create: () => DataSource,
  work: (ds: DataSource) => Promise<void>,
) {
  if (url) await ensureMysqlDatabase(url);
  const ds = create();
  await ds.initialize();
  try {
    await work(ds);
  } finally {
    await ds.destroy();
  }
}

export async function prepareAll({ seed, log = console.log }: PrepareOptions): Promise<void> {
  const nationalUrl = databaseUrlFor(NATIONAL.name);
  log(`[${NATIONAL.name}] database: ${nationalUrl ? redactUrl(nationalUrl) : `.data/${NATIONAL.name}.sqlite`}`);
  await withDataSource(
    nationalUrl,
    () => createNationalDataSource(nationalUrl),
    async (ds) => {
      const applied = await ds.runMigrations({ transaction: 'each' });
      log(
        `[${NATIONAL.name}] ${applied.length ? `migrated ${applied.map((m) => m.name).join(', ')}` : 'schema up to date'}`,
      );
      log(`[${NATIONAL.name}] hospital directory: ${await seedHospitalDirectory(ds)}`);
      if (seed) log(`[${NATIONAL.name}] demo people: ${await seedDemoPeople(ds, loadPiiVault())}`);
    },
  );
  for (const def of regionDefinitions()) {
    const url = databaseUrlFor(def.subgraph);
    log(`[${def.subgraph}] database: ${url ? redactUrl(url) : `.data/${def.subgraph}.sqlite`}`);
    await withDataSource(
      url,
      () => createRegionalDataSource(def, url),
      async (ds) => {
        if (seed) {
          await prepareRegionalDatabase(ds, def, log);
          log(`[${def.subgraph}] demo records: ${await seedDemoRecords(ds, def.policy.code)}`);
        } else {
          const applied = await ds.runMigrations({ transaction: 'each' });
          log(
            `[${def.subgraph}] ${applied.length ? `migrated ${applied.map((m) => m.name).join(', ')}` : 'schema up to date'}`,
          );
        }
      },
    );
  }
}

if (require.main === module) {
  prepareAll({ seed: process.argv.includes('--seed') }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
