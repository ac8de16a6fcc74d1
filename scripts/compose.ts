import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { composeFromCode, SCHEMA_DIR, staleFiles } from './lib/compose';

// `npm run compose`: regenerate schema/*.graphql and schema/supergraph.graphql from the code.
// `npm run compose -- --check`: fail when the committed files are stale (part of `npm run check`).

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const composition = await composeFromCode();
  const stale = staleFiles(composition);
  if (check) {
    if (stale.length > 0) {
      console.error(`schema/ is stale: ${stale.join(', ')}. Run \`npm run compose\` and commit the result.`);
      process.exit(1);
    }
    console.log('schema/ is current: composition from the code matches the committed supergraph.');
    return;
  }
  for (const [file, contents] of composition.files) writeFileSync(path.join(SCHEMA_DIR, file), contents);
  console.log(stale.length ? `wrote ${stale.join(', ')}` : 'schema/ already current');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
