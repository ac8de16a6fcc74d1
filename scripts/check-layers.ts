import path from 'node:path';

import { checkLayers } from './lib/layers';

// `npm run check:layers`: fails, naming the file and the import, when a kit layer imports a layer
// above it or the gateway imports a kit module outside subgraphs/kit/platform/ (scripts/lib/layers.ts).

const violations = checkLayers(path.resolve(__dirname, '..'));
for (const v of violations) console.error(v.message);
if (violations.length > 0) {
  console.error(`\n${violations.length} layer violation(s). See README "Kit layers".`);
  process.exit(1);
}
console.log('Kit layers: no forbidden import.');
