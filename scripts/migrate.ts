import 'reflect-metadata';

import { redactUrl } from '../subgraphs/kit/db/data-source';
import {
  createRegionalDataSource,
  prepareRegionalDatabase,
  type RegionDefinition,
} from '../subgraphs/kit/regional-subgraph';
import { databaseUrlFor, ensureMysqlDatabase } from './lib/databases';
import { regionDefinitions } from './lib/subgraphs';

// `npm run migrate` runs every regional subgraph's migrations; `npm run seed` also loads each
// region's versioned policy data (idempotent). Databases: see scripts/lib/databases.ts.

export async function migrateAll(options: { seed: boolean }): Promise<void> {
  for (const def of regionDefinitions()) await migrateOne(def, options.seed);
}

async function migrateOne(def: RegionDefinition, seed: boolean): Promise<void> {
  const url = databaseUrlFor(def.subgraph);
  if (url) await ensureMysqlDatabase(url);
  console.log(`[${def.subgraph}] database: ${url ? redactUrl(url) : `.data/${def.subgraph}.sqlite`}`);
  const ds = createRegionalDataSource(def, url);
  await ds.initialize();
  try {
    if (seed) await prepareRegionalDatabase(ds, def);
    else {
      const applied = await ds.runMigrations({ transaction: 'each' });
      console.log(
        `[${def.subgraph}] ${applied.length ? `migrated ${applied.map((m) => m.name).join(', ')}` : 'up to date'}`,
      );
    }
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  migrateAll({ seed: process.argv.includes('--seed') }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
