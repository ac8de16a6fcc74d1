import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { staleDockerFiles, writeDockerConfig } from './docker-compose-config';
import { composeFromCode, SCHEMA_DIR, staleFiles } from './lib/compose';
import { regionFilesReport } from './lib/region-files';
import { breakingChangesAgainst } from './lib/schema-diff';
import { writeRouterConfig } from './router-config';

// `npm run compose`: regenerate schema/*.graphql, schema/supergraph.graphql and schema/registry.json
// from the code and the region files (subgraphs/regions/*.yaml), router/ from the registry, and
// from the supergraph the front ends' cache settings schema/possibleTypes.json and typePolicies.json,
// and docker-compose.yml + scripts/docker/mysql-init.sql (one service and database per region file).
// `npm run compose -- --check`: fail when the committed files are stale (part of `npm run check`).
// Both first load every region file with the checks the subgraphs run at start, across files too
// (a region code, type prefix or port used twice fails, naming both files).
// Writing refuses a composition that breaks existing clients (removed or retyped types, fields,
// arguments, enum values against the committed supergraph; see lib/schema-diff.ts) unless
// `npm run compose -- --allow-breaking`, which writes and prints the breaks as warnings.

/** Composes from the code and writes every file under schema/; returns those that changed. */
async function writeComposition(options: { allowBreaking?: boolean } = {}): Promise<string[]> {
  const composition = await composeFromCode();
  const stale = staleFiles(composition);
  const breaking = await breakingChangesAgainst(path.join(SCHEMA_DIR, 'supergraph.graphql'), composition.supergraphSdl);
  if (breaking.length > 0 && !options.allowBreaking) {
    throw new Error(
      `The new composition breaks clients of the committed schema/supergraph.graphql; nothing was written:\n` +
        breaking.map((b) => `- ${b}`).join('\n') +
        '\nKeep the old names (add, deprecate, remove later), or run `npm run compose -- --allow-breaking`.',
    );
  }
  for (const b of breaking) console.warn(`warning: ${b}`);
  for (const [file, contents] of composition.files) writeFileSync(path.join(SCHEMA_DIR, file), contents);
  return stale;
}

async function main(): Promise<void> {
  // The region files as the subgraphs load them at start, the checks across files included.
  const broken = regionFilesReport();
  if (broken) {
    console.error(`${broken}\nNothing was ${process.argv.includes('--check') ? 'checked further' : 'written'}.`);
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    const stale = staleFiles(await composeFromCode());
    const docker = staleDockerFiles();
    if (stale.length > 0) {
      console.error(`schema/ is stale: ${stale.join(', ')}. Run \`npm run compose\` and commit the result.`);
    }
    if (docker.length > 0) {
      console.error(
        `stale: ${docker.join(', ')} (not what the region files give). Run \`npm run compose\` and commit the result.`,
      );
    }
    if (stale.length > 0 || docker.length > 0) process.exit(1);
    console.log('schema/ is current: composition from the code matches the committed supergraph.');
    console.log('docker-compose.yml and scripts/docker/mysql-init.sql are current with the region files.');
    return;
  }
  const stale = await writeComposition({ allowBreaking: process.argv.includes('--allow-breaking') });
  console.log(stale.length ? `wrote ${stale.join(', ')}` : 'schema/ already current');
  // Apollo Router's configuration follows the same registry (the region files).
  const router = writeRouterConfig();
  if (router.length) console.log(`wrote ${router.join(', ')}`);
  // So does docker-compose.yml: one service and one database per region file.
  const docker = writeDockerConfig();
  if (docker.length) console.log(`wrote ${docker.join(', ')}`);
}

// Run as a script only: scripts/new-region.ts imports writeComposition().
if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
