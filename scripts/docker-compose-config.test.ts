import { parse } from 'yaml';

import { type Registry, registryFromRegionFiles, type RegistryRegion, subgraphsOf } from '../schema/registry';
import { serviceKeySets } from './docker/key-sets';
import { checkDatabaseUsers, dockerComposeYaml } from './docker-compose-config';

// Each server's own database user in docker-compose.yml, for layouts the committed region files do
// not have (test/compose-stack.int.test.ts runs the committed file).

const committed = registryFromRegionFiles();
const withRegions = (regions: RegistryRegion[]): Registry => ({
  ...committed,
  regions,
  subgraphs: subgraphsOf(regions),
});

describe('database users of docker-compose.yml', () => {
  it('gives a provincial subgraph one user for its regions’ databases, granted by init, its password in its volume alone', () => {
    const registry = withRegions(committed.regions.map((r) => ({ ...r, host: 'sichuan', port: 4002 })));
    const yaml = parse(dockerComposeYaml(registry)) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const sichuan = yaml.services.sichuan!.environment;
    for (const r of committed.regions) {
      const name = `DATABASE_URL_${r.subgraph.toUpperCase().replace(/-/g, '_')}`;
      const url = `mysql://mente_sichuan@mysql:3306/mente_${r.subgraph.replace(/-/g, '_')}`;
      expect(sichuan[name]).toBe(url);
      expect(yaml.services.init!.environment[name]).toBe(url);
    }
    expect(sichuan.DATABASE_PASSWORD_FILE).toBe('/app/.data/keys/database-sichuan.password');
    const sets = serviceKeySets(registry);
    expect(sets.find((s) => s.service === 'sichuan')).toMatchObject({
      databases: committed.regions.map((r) => r.subgraph),
      files: expect.arrayContaining(['database-sichuan.password']),
    });
    expect(sets.filter((s) => s.files.includes('database-sichuan.password')).map((s) => s.service)).toEqual([
      'sichuan',
    ]);
    expect(sets.find((s) => s.service === 'gateway')).toMatchObject({ databases: [] });
  });

  it('refuses a server whose user would be longer than MySQL’s 32 characters, naming the region files', () => {
    expect(() => checkDatabaseUsers(committed)).not.toThrow();
    const long = 'guangdong-yunfu-and-its-counties';
    const own = withRegions(
      committed.regions.map((r) => (r.subgraph === 'guangdong-yunfu' ? { ...r, subgraph: long } : r)),
    );
    expect(() => dockerComposeYaml(own)).toThrow(
      `the database user of ${long} would be "mente_guangdong_yunfu_and_its_counties", 38 characters; MySQL allows 32: shorten its name (subgraphs/regions/${long}.yaml)`,
    );
    const host = 'sichuan-province-cities-together';
    const provincial = withRegions(committed.regions.map((r) => ({ ...r, host })));
    expect(() => checkDatabaseUsers(provincial)).toThrow(
      /mente_sichuan_province_cities_together", 38 characters; MySQL allows 32: shorten the `host: sichuan-province-cities-together` of subgraphs\/regions\/sichuan-panzhihua\.yaml, subgraphs\/regions\/guangdong-yunfu\.yaml/,
    );
  });
});
