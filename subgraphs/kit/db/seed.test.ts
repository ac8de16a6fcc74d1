import 'reflect-metadata';

import { loadRegionDefinition } from '../../../scripts/lib/subgraphs';

const panzhihua = loadRegionDefinition('sichuan-panzhihua');
import { createRegionalDataSource } from '../regional-subgraph';
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
      expect(await ds.getRepository(DiseaseEntity).count()).toBe(3);
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
