import 'reflect-metadata';

import { loadRegionDefinition } from '../../../../scripts/lib/subgraphs';

const panzhihua = loadRegionDefinition('sichuan-panzhihua');
import { IsNull, Not } from 'typeorm';

import { createRegionalDataSource } from '../../start-up/data-source';
import { DiseaseEntity, RateBandEntity, RegionEntity } from './policy.entities';
import { seedRegionPolicy } from './seed';

describe('seedRegionPolicy', () => {
  it('loads once, leaves an unchanged version alone, and replaces everything on a new version', async () => {
    const ds = createRegionalDataSource({ ...panzhihua, subgraph: 'seed-test' }, 'memory:');
    await ds.initialize();
    await ds.runMigrations();
    try {
      expect(await seedRegionPolicy(ds, panzhihua.policy)).toBe('loaded');
      expect(await seedRegionPolicy(ds, panzhihua.policy)).toBe('unchanged');
      const next = { ...panzhihua.policy, version: 'next', diseases: panzhihua.policy.diseases.slice(0, 3) };
      expect(await seedRegionPolicy(ds, next)).toBe('loaded');
      // Dropped diseases are retired, not deleted: records keep resolving them.
      expect(await ds.getRepository(DiseaseEntity).countBy({ retiredOn: IsNull() })).toBe(3);
      const retired = await ds.getRepository(DiseaseEntity).findBy({ retiredOn: Not(IsNull()) });
      expect(retired.map((d) => d.code).sort()).toEqual(
        panzhihua.policy.diseases
          .slice(3)
          .map((d) => d.code)
          .sort(),
      );
      // Brought back by a later version, it is current again.
      expect(await seedRegionPolicy(ds, { ...panzhihua.policy, version: 'later' })).toBe('loaded');
      expect(await ds.getRepository(DiseaseEntity).countBy({ retiredOn: IsNull() })).toBe(
        panzhihua.policy.diseases.length,
      );
      await seedRegionPolicy(ds, next);
      expect(await ds.getRepository(RegionEntity).findOneByOrFail({ code: '510400' })).toMatchObject({
        policyVersion: 'next',
      });
      const bands = panzhihua.policy.costSharing.reduce((n, r) => n + r.bands.length, 0);
      expect(await ds.getRepository(RateBandEntity).count()).toBe(bands);
    } finally {
      await ds.destroy();
    }
  });
});
