import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { checkLayers, importsOf, layerOf } from './layers';

// A throwaway repository tree: the check must name each forbidden import and pass the allowed ones.
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'layers-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('kit layer check', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes imports that point down or sideways, and the gateway importing the platform', () => {
    root = fixture({
      'subgraphs/kit/platform/log.ts': 'export const log = 1;\n',
      'subgraphs/kit/domain/money.ts': "import { log } from '../platform/log';\nexport const m = log;\n",
      'subgraphs/kit/domain/calendar.ts': "import { m } from './money';\nexport const c = m;\n",
      'subgraphs/kit/graphql/schema.ts': "import type { c } from '../domain/calendar';\nexport type S = typeof c;\n",
      'gateway/index.ts': "import { log } from '../subgraphs/kit/platform/log';\nexport default log;\n",
    });
    expect(checkLayers(root)).toEqual([]);
  });

  it('names the file and the import when a layer imports one above it, type imports included', () => {
    root = fixture({
      'subgraphs/kit/domain/rules.ts': "import type { Row } from '../persistence/db/entities';\nexport type R = Row;\n",
      'subgraphs/kit/platform/server.ts': "export { schema } from '../graphql/schema';\n",
      'subgraphs/kit/persistence/audit.ts': "export const load = () => import('../workflow/workflow');\n",
    });
    const found = checkLayers(root).map((v) => [v.file, v.imports]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['subgraphs/kit/domain/rules.ts', '../persistence/db/entities'],
        ['subgraphs/kit/platform/server.ts', '../graphql/schema'],
        ['subgraphs/kit/persistence/audit.ts', '../workflow/workflow'],
      ]),
    );
    expect(found).toHaveLength(3);
    expect(checkLayers(root)[0]!.message).toMatch(/subgraphs\/kit\/.* imports '.*' \(layer \w+/);
  });

  it('fails when the gateway imports a kit module outside the platform', () => {
    root = fixture({
      'gateway/file-sweeper.ts':
        "import { addDays } from '../subgraphs/kit/domain/calendar';\nexport const a = addDays;\n",
    });
    expect(checkLayers(root)).toEqual([
      expect.objectContaining({
        file: 'gateway/file-sweeper.ts',
        imports: '../subgraphs/kit/domain/calendar',
        message: expect.stringContaining('the gateway may import only subgraphs/kit/platform/'),
      }),
    ]);
  });

  it('fails when the gateway imports subgraph code outside the kit, and passes schema/', () => {
    root = fixture({
      'gateway/local-registry.ts':
        "import { buildNationalSchema } from '../subgraphs/national/schema';\n" +
        "import type { NationalContext } from '../subgraphs/national/context';\n" +
        "import { REGIONS } from '../schema/registry';\n" +
        "import { ROUTING_FIELDS } from '../subgraphs/kit/platform/routing';\n" +
        'export const x = [buildNationalSchema, REGIONS, ROUTING_FIELDS] as unknown as NationalContext;\n',
      'gateway/hive/plugin.ts': "export { rules } from '../../subgraphs/regions/hooks/rules';\n",
    });
    const found = checkLayers(root);
    expect(found.map((v) => [v.file, v.imports]).sort()).toEqual([
      ['gateway/hive/plugin.ts', '../../subgraphs/regions/hooks/rules'],
      ['gateway/local-registry.ts', '../subgraphs/national/context'],
      ['gateway/local-registry.ts', '../subgraphs/national/schema'],
    ]);
    for (const v of found) expect(v.message).toContain('the gateway may import only subgraphs/kit/platform/');
  });

  it('fails on a kit file outside any layer folder, and lets colocated tests wire higher layers', () => {
    root = fixture({
      'subgraphs/kit/loose.ts': 'export const x = 1;\n',
      'subgraphs/kit/domain/rules.test.ts': "import '../start-up/start';\n",
    });
    expect(checkLayers(root).map((v) => v.file)).toEqual(['subgraphs/kit/loose.ts']);
  });

  it('reads every kind of import and knows each layer', () => {
    expect(
      importsOf(
        "import a from './a';\nimport type { B } from './b';\nexport * from './c';\nconst d = require('./d');\nvoid import('./e');\n",
      ),
    ).toEqual(['./a', './b', './c', './d', './e']);
    expect(layerOf('subgraphs/kit/start-up/start.ts')).toBe('start-up');
    expect(layerOf('subgraphs/kit/odd/x.ts')).toBeUndefined();
    expect(layerOf('gateway/index.ts')).toBeNull();
  });
});
