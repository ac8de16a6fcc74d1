import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { type RunningGateway, startGateway } from '../gateway/gateway';
import { NATIONAL } from '../schema/registry';
import { databaseUrlFor, recreateMysqlDatabase } from '../scripts/lib/databases';
import { seedDemoPeople, seedDemoRecords } from '../scripts/lib/demo';
import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { mintDevelopmentToken } from '../scripts/token';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { buildProvincialSchema } from '../subgraphs/kit/graphql/regional/provincial-schema';
import { ApplicationEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { NationalClient } from '../subgraphs/kit/persistence/national-client';
import type { OutboundNotification } from '../subgraphs/kit/persistence/outbox';
import { ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } from '../subgraphs/kit/platform/auth/keys';
import { ensureRegionKeys } from '../subgraphs/kit/platform/auth/region-token';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { DirectoryFileStore } from '../subgraphs/kit/platform/files';
import { PiiVault } from '../subgraphs/kit/platform/pii';
import { type ProvincialSubgraph, startProvincialSubgraph } from '../subgraphs/kit/start-up/provincial-start';
import { PersonHistoryEntity } from '../subgraphs/national/db/history.entity';
import { buildNationalSchema } from '../subgraphs/national/schema';
import { type NationalSubgraph, startNationalSubgraph } from '../subgraphs/national/server';
import { type FaultProxy, startFaultProxy } from './fault-proxy';
import { freePort } from './free-port';
import { usingMysql } from './harness';
import { spawnRegionalSubgraph } from './regional-process';

// A provincial subgraph for real: ONE process, one port, one schema hosting two regions (both demo
// regions here, under the subgraph name `test-province`), each on its own database, behind the real
// gateway with a supergraph composed in memory from the national schema and the provincial one.

const PROVINCE = 'test-province';
const PZH = '510400';
const YF = '445300';
const pzh = loadRegion('sichuan-panzhihua');
const yf = loadRegion('guangdong-yunfu');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('province')]);

let provincial: ProvincialSubgraph;
let national: NationalSubgraph;
let gateway: RunningGateway;
let proxy: FaultProxy;
let keysDir: string;
const fetched: { typenames: string[]; query: string }[] = [];
const notifications: OutboundNotification[] = [];

async function databaseFor(name: string): Promise<string> {
  if (!usingMysql()) return 'memory:';
  const url = databaseUrlFor(name, process.env, process.env.TEST_DB_PREFIX ?? 'mente_test_')!;
  await recreateMysqlDatabase(url);
  return url;
}

beforeAll(async () => {
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'mente-keys-'));
  const keys = await ensureDevelopmentKeys(keysDir);
  const internalPublicKey = await loadPublicKey(keys.internalPublicKeyPath);
  const files = new DirectoryFileStore(mkdtempSync(path.join(os.tmpdir(), 'mente-uploads-')));
  // Region → national look-ups (residence, hospital directory), as the harness wires them: each
  // hosted region with its own key.
  const nationalAt: { url?: string } = {};
  const regionPublicKeys = new Map<string, Awaited<ReturnType<typeof loadPublicKey>>>();
  const nationalClients = new Map<string, NationalClient>();
  const regionPrivateKeys = new Map<string, Awaited<ReturnType<typeof loadPrivateKey>>>();
  for (const code of [PZH, YF]) {
    const paths = ensureRegionKeys(keysDir, code);
    regionPublicKeys.set(code, await loadPublicKey(paths.publicKeyPath));
    regionPrivateKeys.set(code, await loadPrivateKey(paths.privateKeyPath));
    nationalClients.set(
      code,
      new NationalClient({
        url: () => nationalAt.url,
        regionCode: code,
        privateKey: await loadPrivateKey(paths.privateKeyPath),
      }),
    );
  }
  provincial = await startProvincialSubgraph(
    PROVINCE,
    [
      { def: pzh, databaseUrl: await databaseFor('province-panzhihua') },
      { def: yf, databaseUrl: await databaseFor('province-yunfu') },
    ],
    {
      port: 0,
      prepare: true,
      internalPublicKey,
      fileStore: files,
      notifications: { send: async (m) => void notifications.push(m) },
      nationalFor: (code) => nationalClients.get(code) ?? null,
      // Each hosted city reports to the national history index with its own key, as a one-city subgraph does.
      nationalIndexFor: (code) => ({
        url: () => nationalAt.url,
        privateKey: regionPrivateKeys.get(code)!,
        audience: NATIONAL.name,
      }),
      log: () => {},
    },
  );
  for (const code of [PZH, YF]) await seedDemoRecords(provincial.regions.get(code)!.dataSource, code);
  const vault = new PiiVault({ hashKey: randomBytes(32), encryptionKey: randomBytes(32) });
  national = await startNationalSubgraph({
    vault,
    port: 0,
    databaseUrl: await databaseFor('province-national'),
    prepare: true,
    internalPublicKey,
    regionPublicKeys,
    log: () => {},
  });
  await seedDemoPeople(national.dataSource, vault);
  nationalAt.url = national.url;
  proxy = await startFaultProxy(provincial.url);
  proxy.onRequest = ({ body }) => {
    const { query, variables } = JSON.parse(body.toString('utf8')) as {
      query: string;
      variables?: { representations?: { __typename: string }[] };
    };
    fetched.push({ query, typenames: (variables?.representations ?? []).map((r) => r.__typename) });
  };
  const composed = composeServices([
    {
      name: NATIONAL.name,
      url: national.graphqlUrl,
      typeDefs: parse(printSubgraphSchema(await buildNationalSchema())),
    },
    {
      name: PROVINCE,
      url: `${proxy.url}/graphql`,
      typeDefs: parse(printSubgraphSchema(await buildProvincialSchema({ name: PROVINCE, regions: [pzh, yf] }))),
    },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gateway = await startGateway({
    port: 0,
    subgraphUrls: { [NATIONAL.name]: national.graphqlUrl, [PROVINCE]: `${proxy.url}/graphql` },
    supergraphSdl: composed.supergraphSdl,
    responseCache: false,
    fileStore: files,
    security: {
      authenticate: createJwtVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        publicKeyFile: keys.callerPublicKeyPath,
      }),
      internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await proxy?.close();
  await provincial?.close();
  await national?.close();
});

const token = (options: Parameters<typeof mintDevelopmentToken>[0]) =>
  mintDevelopmentToken({ ...options, keysDir, ttl: '10m' });

async function query<T = any>(q: string, variables?: Record<string, unknown>, bearer?: string) {
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query: q, variables }),
  });
  return (await res.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, any> }[] };
}

describe('one subgraph process hosting two regions', () => {
  it('serves both regions’ catalogues through the gateway, each from its own database', async () => {
    const res = await query(`{ regions { code name diseases { code } channels { name } }
      yunfu: region(code: "${YF}") { name hospitals { code } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.regions.map((r: any) => [r.code, r.name])).toEqual([
      [PZH, '攀枝花市'],
      [YF, '云浮市'],
    ]);
    expect(res.data.regions[0].channels.map((c: any) => c.name)).toContain('攀枝花智慧医保小程序');
    expect(res.data.regions[1].channels.map((c: any) => c.name)).toContain('粤医保小程序');
    expect(res.data.yunfu.hospitals.map((h: any) => h.code).sort()).toEqual(
      yf.policy.hospitals.map((h) => h.code).sort(),
    );
  });

  it('answers person { records } with one fetch carrying both regions’ representations', async () => {
    const person = DEMO_PEOPLE.find((p) =>
      [PZH, YF].every((code) => demoRecordsFor(code).applications.some((a) => a.personId === p.id)),
    )!;
    const operator = await token({ role: 'NATIONAL_OPERATOR', subject: 'ops' });
    fetched.length = 0;
    const res = await query(
      `query($id: ID!) { person(id: $id) { records { region { code name } applications { acceptanceNumber } } } }`,
      { id: person.id },
      operator,
    );
    expect(res.errors).toBeUndefined();
    const records = res.data.person.records as {
      region: { code: string };
      applications: { acceptanceNumber: string }[];
    }[];
    expect(records.map((r) => r.region.code).sort()).toEqual([YF, PZH].sort());
    for (const code of [PZH, YF]) {
      const expected = demoRecordsFor(code).applications.filter((a) => a.personId === person.id).length;
      expect(records.find((r) => r.region.code === code)!.applications).toHaveLength(expected);
    }
    const entityFetches = fetched.filter((f) => f.typenames.length > 0);
    expect(entityFetches).toHaveLength(1);
    expect([...new Set(entityFetches[0]!.typenames)].sort()).toEqual(['PanzhihuaRecord', 'YunfuRecord']);
    // Each region's auditor wrote the staff read into its own database.
    for (const code of [PZH, YF]) {
      const rows = await provincial.regions
        .get(code)!
        .dataSource.query(`SELECT COUNT(*) AS n FROM audit_log WHERE subject = ? AND action = 'READ_PERSON_RECORD'`, [
          person.id,
        ]);
      expect(Number(rows[0].n)).toBe(1);
    }
  });

  it('takes a Yunfu submission into Yunfu’s database only, and keeps reviewers to their own region', async () => {
    const records = demoRecordsFor(YF);
    const applicant = DEMO_PEOPLE.find(
      (p) => p.insuredRegionCode === YF && p.status === 'NORMAL' && !p.inArrears && !p.residenceRegionCode,
    )!;
    const disease = yf.policy.diseases.find(
      (d) =>
        !d.requiresSpecialistHospital &&
        !records.applications.some((a) => a.personId === applicant.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === applicant.id && c.diseaseCode === d.code),
    )!;
    const bearer = await token({ role: 'APPLICANT', personId: applicant.id });
    const form = new FormData();
    form.append('file', new Blob([PNG]), '诊断证明.png');
    const uploaded = await fetch(`${gateway.url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { sha256 } = (await uploaded.json()) as { sha256: string };
    const hospitalCode = yf.policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
    const issuedOn = addDays(todayInChina(), -30);
    const input = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: 'yueyibao-mini',
      hospitalCode,
      insuredRegionCode: YF,
      idempotencyKey: 'province-yunfu-1',
      materials: [
        { kind: 'ID_CARD', stamped: false, fileName: 'ID_CARD.png', sha256 },
        { kind: 'DIAGNOSIS_CERTIFICATE', stamped: true, fileName: 'd.png', issuedOn, hospitalCode, sha256 },
        { kind: 'MEDICAL_RECORD', stamped: true, fileName: 'm.png', issuedOn, hospitalCode, sha256 },
      ],
    };
    const res = await query(
      `mutation($input: ApplicationInput!) { r: submitYunfuApplication(input: $input) {
        application { acceptanceNumber status region { code } } problems { code field message } } }`,
      { input },
      bearer,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.r.problems).toEqual([]);
    // Yunfu's own rules in the shared process: the designated hospital first (经定点医疗机构审核备案).
    expect(res.data.r.application).toMatchObject({ status: 'AWAITING_HOSPITAL', region: { code: YF } });
    const number = res.data.r.application.acceptanceNumber as string;
    const inYunfu = await provincial.regions
      .get(YF)!
      .dataSource.getRepository(ApplicationEntity)
      .countBy({ id: number });
    const inPanzhihua = await provincial.regions
      .get(PZH)!
      .dataSource.getRepository(ApplicationEntity)
      .countBy({ id: number });
    expect([inYunfu, inPanzhihua]).toEqual([1, 0]);

    // The city reports the application to the national history index through its own outbox, signed
    // with its own key (bounded Person.records depend on it).
    const reported = async () =>
      (await national.dataSource
        .getRepository(PersonHistoryEntity)
        .countBy({ personId: applicant.id, regionCode: YF, kind: 'APPLIED' })) > 0;
    for (let i = 0; i < 100 && !(await reported()); i++) {
      await provincial.regions.get(YF)!.dispatcher!.dispatchOnce();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await reported()).toBe(true);

    // Same process, different region: a Panzhihua reviewer may not read Yunfu's queue.
    const reviewer = await token({ role: 'REVIEWER', regionCode: PZH, subject: 'pzh-reviewer' });
    const own = await query(`{ panzhihuaReviewQueue { acceptanceNumber } }`, {}, reviewer);
    expect(own.errors).toBeUndefined();
    expect(Array.isArray(own.data.panzhihuaReviewQueue)).toBe(true);
    const other = await query(`{ yunfuReviewQueue { acceptanceNumber } }`, {}, reviewer);
    expect(other.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(other.errors?.[0]?.message).toContain('云浮市');
  });

  it('names each hosted region in /health and labels its metrics by region', async () => {
    const res = await fetch(`${provincial.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      status: 'ok',
      regions: { [PZH]: { name: '攀枝花市', database: 'up' }, [YF]: { name: '云浮市', database: 'up' } },
    });
    const metrics = await (await fetch(`${provincial.metricsUrl}/metrics`)).text();
    for (const code of [PZH, YF]) {
      expect(metrics).toMatch(new RegExp(`mente_db_queries_total\\{[^}]*region="${code}"[^}]*\\} [1-9]`));
      expect(metrics).toContain(`mente_region_database_up{region="${code}",service="${PROVINCE}"} 1`);
    }
  });

  it('says which region is down when one region’s database is', async () => {
    const ds = provincial.regions.get(YF)!.dataSource;
    const query = ds.query.bind(ds);
    ds.query = (async () => {
      throw new Error('connection lost');
    }) as typeof ds.query;
    try {
      const res = await fetch(`${provincial.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'degraded',
        degradedRegions: [YF],
        regions: { [PZH]: { database: 'up' }, [YF]: { database: 'down' } },
      });
    } finally {
      ds.query = query;
    }
  });
});

function run(env: NodeJS.ProcessEnv) {
  const proc = spawnRegionalSubgraph({ ...process.env, LOG_LEVEL: 'warn', ...env });
  const out = { stdout: '', stderr: '' };
  proc.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out, exited };
}

describe('the regional entry point as a provincial process', () => {
  it('REGIONS=both demo regions with SUBGRAPH serves both in one process on one port', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mente-province-'));
    const { proc, out, exited } = run({
      REGIONS: 'sichuan-panzhihua,guangdong-yunfu',
      SUBGRAPH: 'south-west',
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      DATABASE_URL_SICHUAN_PANZHIHUA: 'memory:',
      DATABASE_URL_GUANGDONG_YUNFU: 'memory:',
      MIGRATE_ON_START: 'true',
      DATA_DIR: dataDir,
      UPLOAD_DIR: path.join(dataDir, 'uploads'),
    });
    try {
      let health: any;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`exited early:\n${out.stderr}\n${out.stdout}`);
        health = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => (r.ok ? r.json() : null),
          () => null,
        );
        if (health) break;
        if (Date.now() > deadline) throw new Error(`did not start:\n${out.stderr}\n${out.stdout}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(Object.keys(health.regions).sort()).toEqual([YF, PZH].sort());
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ panzhihuaRegion { name } yunfuRegion { name } }' }),
      });
      expect(await res.json()).toEqual({
        data: { panzhihuaRegion: { name: '攀枝花市' }, yunfuRegion: { name: '云浮市' } },
      });
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  }, 90_000);

  it('a broken provincial configuration fails at start with a clear message', async () => {
    const { out, exited } = run({ REGIONS: 'sichuan-panzhihua,guangdong-yunfu', PORT: String(await freePort()) });
    expect(await exited).toBe(1);
    expect(out.stderr).toMatch(/the registry serves these regions from different subgraphs/);
    expect(out.stderr).toMatch(/注册表中这些地区分属不同子图/);
  }, 60_000);
});
