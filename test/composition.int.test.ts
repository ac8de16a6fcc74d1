import 'reflect-metadata';

import { REGIONS } from '../schema/registry';
import { composeFromCode } from '../scripts/lib/compose';

// Composition is real (@apollo/composition), from the code. That the committed schema/ files match it
// is `npm run check`'s (compose --check).

describe('composition', () => {
  let composition: Awaited<ReturnType<typeof composeFromCode>>;
  beforeAll(async () => {
    composition = await composeFromCode();
  });

  it('composes the national and every regional subgraph', () => {
    expect(composition.supergraphSdl).toContain('interface Region');
    for (const r of REGIONS) expect(composition.supergraphSdl).toContain(`type ${r.prefix}Region implements Region`);
  });

  it('generates the national key-only stubs from the registry', () => {
    const national = composition.files.get('national.graphql')!;
    for (const r of REGIONS) {
      expect(national).toMatch(
        new RegExp(`type ${r.prefix}Region implements Region\\s+@key\\(fields: "code"\\)\\s*\\{\\s*code: ID!\\s*\\}`),
      );
    }
  });
});
