import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { hostingProblems, registryFromRegionFiles, type RegistryRegion, subgraphsOf } from '../../schema/registry';
import { ConfigError } from '../kit/platform/config';
import { regionalDeploymentFromEnv } from './deployment';

// Which regions one regional process serves, and how a provincial layout is checked.

const region = (subgraph: string, port: number, host?: string): RegistryRegion => ({
  code: String(510000 + port),
  name: subgraph,
  province: '四川省',
  prefix: subgraph.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
  subgraph,
  port,
  ...(host ? { host } : {}),
});

const demo = [region('sichuan-panzhihua', 4002), region('guangdong-yunfu', 4003)];
const provincial = [
  region('sichuan-panzhihua', 4010, 'sichuan'),
  region('sichuan-leshan', 4010, 'sichuan'),
  region('guangdong-yunfu', 4003),
];
const registry = (regions: RegistryRegion[]) => ({ regions, subgraphs: subgraphsOf(regions) });

function problemsOf(env: NodeJS.ProcessEnv, regions = provincial): string[] {
  try {
    regionalDeploymentFromEnv(env, registry(regions));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('regionalDeploymentFromEnv', () => {
  it('REGION serves one region as its own subgraph, as before', () => {
    const d = regionalDeploymentFromEnv({ REGION: 'guangdong-yunfu', DATABASE_URL: 'memory:' }, registry(demo));
    expect(d).toMatchObject({ name: 'guangdong-yunfu', port: 4003, provincial: false });
    expect(d.env.DATABASE_URL).toBe('memory:');
  });

  it('SUBGRAPH serves every region the registry hosts there, each with its own database', () => {
    const d = regionalDeploymentFromEnv(
      { SUBGRAPH: 'sichuan', DATABASE_URL_SICHUAN_PANZHIHUA: 'mysql://u@db:3306/pzh' },
      registry(provincial),
    );
    expect(d).toMatchObject({ name: 'sichuan', port: 4010, provincial: true });
    expect(d.regions).toEqual([
      { name: 'sichuan-panzhihua', databaseUrl: 'mysql://u@db:3306/pzh' },
      { name: 'sichuan-leshan', databaseUrl: undefined },
    ]);
  });

  it('REGIONS names the regions of one host; SUBGRAPH names a composition of your own', () => {
    expect(regionalDeploymentFromEnv({ REGIONS: 'sichuan-leshan,sichuan-panzhihua' }, registry(provincial)).name).toBe(
      'sichuan',
    );
    const own = regionalDeploymentFromEnv(
      { REGIONS: 'sichuan-panzhihua,guangdong-yunfu', SUBGRAPH: 'south' },
      registry(demo),
    );
    expect(own).toMatchObject({ name: 'south', provincial: true, port: 4002 });
  });

  it.each([
    [
      { REGIONS: 'sichuan-panzhihua,guangdong-yunfu' },
      /different subgraphs.*sichuan-panzhihua → sichuan.*分属不同子图/,
    ],
    [{ REGION: 'sichuan-leshan' }, /served by the provincial subgraph sichuan.*SUBGRAPH=sichuan.*省级子图/],
    [{ REGIONS: 'sichuan-panzhihua' }, /serves sichuan-panzhihua, sichuan-leshan.*不一致/],
    [
      { SUBGRAPH: 'sichuan', DATABASE_URL: 'mysql://u@db/x' },
      /DATABASE_URL_SICHUAN_PANZHIHUA, DATABASE_URL_SICHUAN_LESHAN.*各自的数据库/,
    ],
    [{ SUBGRAPH: 'sichuan', DATABASE_URL_SICHUAN_LESHAN: 'postgres://x' }, /DATABASE_URL_SICHUAN_LESHAN must be/],
    [
      { REGIONS: 'sichuan-panzhihua,sichuan-leshan', PORT_SICHUAN_LESHAN: '4011' },
      /PORT_SICHUAN_LESHAN is no longer read.*已不再使用/,
    ],
    [{ SUBGRAPH: 'yunnan' }, /names no subgraph.*没有子图 yunnan/],
    [{ REGIONS: 'sichuan-chengdu' }, /no region file subgraphs\/regions\/sichuan-chengdu.yaml.*没有地区文件/],
    [{}, /must be set.*须设置/],
  ])('refuses %j, saying why in English and Chinese', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe('hosting in the registry', () => {
  it('lists each subgraph with the regions it serves, by port', () => {
    expect(subgraphsOf(provincial)).toEqual([
      { name: 'guangdong-yunfu', port: 4003, regions: ['guangdong-yunfu'] },
      { name: 'sichuan', port: 4010, regions: ['sichuan-panzhihua', 'sichuan-leshan'] },
    ]);
  });

  it('finds a host whose regions disagree on its port, a port shared by two subgraphs, and a host named like a region', () => {
    const problems = hostingProblems([
      region('sichuan-panzhihua', 4010, 'sichuan'),
      region('sichuan-leshan', 4011, 'sichuan'),
      region('guangdong-yunfu', 4010),
      region('guangdong-zhaoqing', 4012, 'guangdong-yunfu'),
      region('yunnan-kunming', 4001),
    ]);
    expect(problems.map((p) => [p.region, p.path])).toEqual([
      ['sichuan-leshan', '/region/port'],
      ['guangdong-yunfu', '/region/port'],
      ['guangdong-zhaoqing', '/region/host'],
      ['yunnan-kunming', '/region/port'],
    ]);
    expect(problems[0]!.message).toMatch(/4011 differs from 4010 given by sichuan-panzhihua.yaml/);
    expect(problems[0]!.messageZh).toMatch(/同一省级子图 sichuan 的地区须使用同一端口/);
    expect(problems[3]!.message).toMatch(/also the port of subgraph national/);
  });

  it('a broken provincial layout in region files fails the registry, naming the file and the rule', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-regions-'));
    const write = (name: string, port: number) =>
      writeFileSync(
        path.join(dir, `${name}.yaml`),
        `region:\n  code: '${port}00'\n  name: ${name}\n  province: 四川省\n  prefix: P${port}\n  subgraph: ${name}\n  port: ${port}\n  host: sichuan\n`,
      );
    write('sichuan-panzhihua', 4010);
    write('sichuan-leshan', 4011);
    expect(() => registryFromRegionFiles(dir)).toThrow(
      /subgraphs\/regions\/sichuan-leshan.yaml \/region\/port: region.port 4011 differs from 4010 given by sichuan-panzhihua.yaml[^\n]*\n {2}region.port 4011 与/,
    );
  });
});
