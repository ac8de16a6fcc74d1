import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { EXAMPLE_OPERATIONS } from '../gateway/examples';
import { type RunningHiveGateway, startHiveGateway } from '../gateway/hive/server';
import { NATIONAL } from '../schema/registry';
import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { INTERNAL_TOKEN_HEADER, operationDigest } from '../subgraphs/kit/platform/auth/internal-token';
import { developmentKeyPaths, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import type { DirectoryFileStore } from '../subgraphs/kit/platform/files';
import type { RecordedRequest } from './fault-proxy';
import { type GatewayProcess, spawnGatewayProcess } from './gateway-process';
import { type Stack, startStack } from './harness';

// One supergraph, two engines, the same signed-in callers: the Apollo gateway (gateway/) and Hive
// Gateway with Mente's plugin (gateway/hive/), both in front of the same real subgraphs. Every case
// runs against both and expects the same answer; the subgraphs trust only the internal token,
// so a signed-in answer through Hive proves the plugin minted an accepted one per fetch.

const PZH = 'sichuan-panzhihua';
const policy = loadRegion(PZH).policy;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('engines')]);

let stack: Stack;
let hive: RunningHiveGateway;
let hiveRouter: GatewayProcess;
const signedByHive: { subgraph: string; body: string; token: string }[] = [];
const engines: Record<string, () => string> = {
  apollo: () => stack.gateway.url,
  hive: () => hive.url,
  // Hive Gateway planning with its Rust query planner (@graphql-hive/router-runtime), same plugin.
  'hive-router-runtime': () => hiveRouter.url,
};

beforeAll(async () => {
  // faults: the regions sit behind recording proxies, so the bytes a subgraph receives can be seen.
  stack = await startStack({ faults: true, responseCache: false });
  const keys = developmentKeyPaths(stack.keysDir);
  const subgraphUrls: Record<string, string> = { [NATIONAL.name]: stack.national.graphqlUrl };
  for (const [name, proxy] of Object.entries(stack.proxies)) subgraphUrls[name] = `${proxy.url}/graphql`;
  const security = {
    authenticate: createJwtVerifier({
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      publicKeyFile: keys.callerPublicKeyPath,
    }),
    internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
  };
  hive = await startHiveGateway({
    // The supergraph's join__graph urls are the development ports; every subgraph is overridden here.
    subgraphUrls,
    security,
    fileStore: stack.files,
    logging: false,
    onSigned: (fetch) => signedByHive.push(fetch),
  });
  // In its own process: the router runtime loads its planner by a dynamic import jest's VM refuses.
  hiveRouter = await spawnGatewayProcess('hive-router-runtime', {
    subgraphUrls,
    keysDir: stack.keysDir,
    uploadDir: (stack.files as DirectoryFileStore).dir,
  });
});

afterAll(async () => {
  await hiveRouter?.close();
  await hive?.close();
  await stack?.close();
});

const query = (engine: string, text: string, variables?: Record<string, unknown>, token?: string) =>
  stack.query(text, variables, { url: `${engines[engine]!()}/`, ...(token ? { token } : {}) });

async function upload(engine: string, token: string, personId: string): Promise<string> {
  const form = new FormData();
  form.append('personId', personId);
  form.append('file', new Blob([PNG]), '诊断证明.png');
  const res = await fetch(`${engines[engine]!()}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = (await res.json()) as { sha256?: string };
  expect(res.status).toBe(201);
  return body.sha256!;
}

/** A Panzhihua applicant in good standing with a disease they have no history for; one per engine. */
function freshApplicant(skip: number) {
  const records = demoRecordsFor('510400');
  const found = [];
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== '510400' || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = policy.diseases.find(
      (d) =>
        !d.requiresPhoto &&
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) found.push({ personId: p.id, disease });
  }
  return found[skip]!;
}

describe.each(Object.keys(engines))('through %s', (engine) => {
  it('answers an anonymous public read as the Apollo gateway does', async () => {
    const operation = EXAMPLE_OPERATIONS[0]!;
    const res = await query(engine, operation);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual((await query('apollo', operation)).data);
  });

  it('serves an applicant `me` and their person.records', async () => {
    const id = DEMO_PERSONS.yunfuWithOpenApplication;
    const token = await stack.token({ role: 'APPLICANT', personId: id });
    const res = await query(
      engine,
      'query Mine($id: ID!) { me { id records { regionCode applications { status } } } person(id: $id) { id records { regionCode } } }',
      { id },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.me.id).toBe(id);
    // Person.records: only where the national index knows the person (Yunfu, where they are insured).
    expect(res.data.me.records.map((r: { regionCode: string }) => r.regionCode)).toEqual(['445300']);
    expect(res.data.me.records[0].applications.some((a: { status: string }) => a.status === 'ACCEPTED')).toBe(true);
    expect(res.data.person).toEqual({ id, records: [{ regionCode: '445300' }] });
  });

  it('gives identical queries of different callers at the same moment each their own answer', async () => {
    const people = DEMO_PEOPLE.slice(0, 6).map((p) => p.id);
    const tokens = await Promise.all(people.map((personId) => stack.token({ role: 'APPLICANT', personId })));
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(tokens.map((token) => query(engine, '{ me { id name } }', undefined, token)));
      expect(answers.map((a) => a.data?.me?.id)).toEqual(people);
    }
  });

  it("serves a reviewer's queue, and refuses the other region's", async () => {
    const token = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: `rv-${engine}` });
    const res = await query(
      engine,
      '{ panzhihuaReviewQueue(first: 50) { acceptanceNumber status } }',
      undefined,
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.panzhihuaReviewQueue.length).toBeGreaterThan(0);
    const other = await query(engine, '{ yunfuReviewQueue(first: 5) { acceptanceNumber } }', undefined, token);
    expect(other.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('takes a submission with an uploaded file, then a review decision', async () => {
    const { personId, disease } = freshApplicant(Object.keys(engines).indexOf(engine));
    const applicant = await stack.token({ role: 'APPLICANT', personId });
    const sha256 = await upload(engine, applicant, personId);
    const hospitalCode = policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
    const recent = addDays(todayInChina(), -30);
    const file = (kind: string, dated = false) => ({
      kind,
      fileName: `${kind}.png`,
      sha256,
      stamped: dated,
      ...(dated ? { issuedOn: recent, hospitalCode } : {}),
    });
    const input = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: policy.channels[0]!.id,
      hospitalCode,
      insuredRegionCode: '510400',
      materials: [
        file('ID_CARD'),
        file('DIAGNOSIS_CERTIFICATE', true),
        file('MEDICAL_RECORD', true),
        file('SOCIAL_SECURITY_CARD'),
        file('APPLICATION_FORM'),
      ],
    };
    // The real-name claim travels through each engine: without it, the region refuses and stores nothing.
    const unverified = await stack.token({ role: 'APPLICANT', personId, realNameVerified: false });
    const refused = await query(
      engine,
      'mutation Submit($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { application { acceptanceNumber } problems { code } } }',
      { input },
      unverified,
    );
    expect(refused.errors).toBeUndefined();
    expect(refused.data.r).toEqual({ application: null, problems: [{ code: 'REAL_NAME_REQUIRED' }] });
    const submitted = await query(
      engine,
      'mutation Submit($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { application { acceptanceNumber status } problems { code field } } }',
      { input },
      applicant,
    );
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data.r.problems).toEqual([]);
    expect(submitted.data.r.application.status).toBe('ACCEPTED');
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: `rv-${engine}` });
    const decided = await query(
      engine,
      'mutation Decide($n: String!) { r: reviewPanzhihuaApplication(acceptanceNumber: $n, decision: REJECT, reason: "材料不全") { application { status } problems { code } } }',
      { n: submitted.data.r.application.acceptanceNumber },
      reviewer,
    );
    expect(decided.errors).toBeUndefined();
    expect(decided.data.r).toEqual({ application: { status: 'REJECTED' }, problems: [] });
  });

  it('refuses a forged caller JWT with 401 UNAUTHENTICATED and no data', async () => {
    const real = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops' });
    const [header, payload] = real.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(64, 7).toString('base64url')}`;
    const res = await query(engine, '{ person(id: "P000001") { name } }', undefined, forged);
    expect(res.status).toBe(401);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('Hive Gateway with the router runtime', () => {
  it('plans with the Rust query planner (HIVE_ROUTER_RUNTIME=true)', async () => {
    const health = (await (await fetch(`${hiveRouter.url}/health`)).json()) as { planner: string };
    expect(health).toMatchObject({ engine: 'hive', planner: 'router-runtime' });
    expect(await (await fetch(`${hive.url}/health`)).json()).toMatchObject({ planner: 'javascript' });
  });
});

describe('Hive Gateway internal tokens', () => {
  it('are one per fetch, for that subgraph, over the exact bytes the subgraph receives', async () => {
    const seen: RecordedRequest[] = [];
    stack.proxies[PZH]!.onRequest = (request) => seen.push(request);
    signedByHive.length = 0;
    try {
      const token = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'rv-bytes' });
      const res = await query('hive', '{ panzhihuaReviewQueue(first: 3) { acceptanceNumber } }', undefined, token);
      expect(res.errors).toBeUndefined();
    } finally {
      stack.proxies[PZH]!.onRequest = undefined;
    }
    const received = seen.filter((r) => r.headers[INTERNAL_TOKEN_HEADER]);
    expect(received).toHaveLength(1);
    const signed = signedByHive.filter((s) => s.subgraph === PZH);
    expect(signed).toHaveLength(1);
    // Byte-identical: Hive sends the string the plugin hashed (no re-serialization after onFetch).
    expect(received[0]!.body.toString('utf8')).toBe(signed[0]!.body);
    expect(received[0]!.headers[INTERNAL_TOKEN_HEADER]).toBe(signed[0]!.token);
    const claims = JSON.parse(Buffer.from(signed[0]!.token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ aud: `mente-subgraph:${PZH}`, body_sha256: operationDigest(received[0]!.body) });
  });
});
