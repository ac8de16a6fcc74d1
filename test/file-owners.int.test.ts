import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { sweepFiles } from '../gateway/file-sweeper';
import { type RunningGateway, startGateway } from '../gateway/gateway';
import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { developmentKeyPaths, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { ownerKey } from '../subgraphs/kit/platform/file-owners';
import type { DirectoryFileStore } from '../subgraphs/kit/platform/files';
import { type Stack, startStack } from './harness';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;

// Files have owners, through the real gateway and the real Panzhihua subgraph over HTTP: an
// applicant may attach only files uploaded by or for themself (and cannot tell somebody else's
// file from one never uploaded), staff upload for a person, uploads are limited per person and
// day, and unused uploads expire.

const QUOTA = { filesPerDay: 3, bytesPerDay: 4096 };
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (label: string, size = 0) =>
  Buffer.concat([PNG_SIGNATURE, Buffer.from(label, 'utf8'), Buffer.alloc(Math.max(0, size - label.length - 8), 7)]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let stack: Stack;
let store: DirectoryFileStore;
const today = todayInChina();

beforeAll(async () => {
  stack = await startStack({ uploadQuota: QUOTA });
  store = stack.files as DirectoryFileStore;
});
afterAll(async () => {
  await stack?.close();
});

const used = new Set<string>();
/** A Panzhihua person in good standing with a fixed-term disease they have no history for. */
function candidate() {
  const records = demoRecordsFor('510400');
  const diseases = panzhihuaPolicy.diseases.filter((d) => !d.requiresPhoto && !d.requiresSpecialistHospital);
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== '510400' || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    if (used.has(p.id)) continue;
    const disease = diseases.find(
      (d) =>
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) {
      used.add(p.id);
      return { personId: p.id, diseaseCode: disease.code };
    }
  }
  throw new Error('no Panzhihua candidate left');
}

const hospitalCode = panzhihuaPolicy.hospitals.find(
  (h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases,
)!.code;
function materials(sha: string) {
  const dated = { issuedOn: addDays(today, -20), hospitalCode, stamped: true };
  return ['ID_CARD', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD', 'SOCIAL_SECURITY_CARD', 'APPLICATION_FORM'].map(
    (kind) => ({
      kind,
      fileName: `${kind}.png`,
      sha256: sha,
      ...(kind === 'DIAGNOSIS_CERTIFICATE' || kind === 'MEDICAL_RECORD' ? dated : { stamped: false }),
    }),
  );
}

const FIELDS = 'application { acceptanceNumber status } problems { code field message }';

async function submit(person: { personId: string; diseaseCode: string }, sha: string) {
  const res = await stack.query(
    `mutation($i: ApplicationInput!) { r: submitPanzhihuaApplication(input: $i) { ${FIELDS} } }`,
    {
      i: {
        type: 'NEW',
        diseaseCode: person.diseaseCode,
        channelId: panzhihuaPolicy.channels[0]!.id,
        hospitalCode,
        insuredRegionCode: '510400',
        materials: materials(sha),
      },
    },
    { token: await stack.token({ role: 'APPLICANT', personId: person.personId }) },
  );
  expect(res.errors).toBeUndefined();
  return res.data.r as { application: { acceptanceNumber: string; status: string } | null; problems: unknown[] };
}

async function applicationsOf(personId: string): Promise<number> {
  return stack.regions['sichuan-panzhihua']!.dataSource.query(
    'SELECT COUNT(*) AS n FROM application WHERE person_id = ?',
    [personId],
  ).then((rows: { n: number | string }[]) => Number(rows[0]!.n));
}

async function rawUpload(token: string, data: Buffer, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([data]), 'scan.png');
  const res = await fetch(`${stack.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const applicantToken = (personId: string) => stack.token({ role: 'APPLICANT', personId });
const NOT_YOURS = '文件不存在或不属于申请人，请重新上传';

describe('a material may refer only to its applicant’s files', () => {
  it('B cannot attach A’s file: the same problems as a hash never uploaded, and nothing stored; A can', async () => {
    const a = candidate();
    const b = candidate();
    const file = png(`A's diagnosis ${randomBytes(4).toString('hex')}`);
    const sha = await stack.upload(await applicantToken(a.personId), file, '诊断证明.png');

    const before = await applicationsOf(b.personId);
    const withAs = await submit(b, sha);
    const withUnknown = await submit(b, sha256(png('never uploaded')));
    expect(withAs.application).toBeNull();
    expect(withAs.problems).toEqual(withUnknown.problems); // the whole objects: code, field, message
    expect(withAs.problems).toEqual(
      materials(sha).map((_, i) => ({
        code: 'FILE_NOT_UPLOADED',
        field: `materials[${i}].sha256`,
        message: NOT_YOURS,
      })),
    );
    expect(await applicationsOf(b.personId)).toBe(before);

    const own = await submit(a, sha);
    expect(own.problems).toEqual([]);
    expect(own.application?.status).toBe('ACCEPTED');

    // The same bytes uploaded by B: one blob, a second ownership record, and now B may use them.
    expect(await stack.upload(await applicantToken(b.personId), file, '我的.png')).toBe(sha);
    expect(existsSync(path.join(store.dir, 'owners', sha, `${a.personId}.json`))).toBe(true);
    expect(existsSync(path.join(store.dir, 'owners', sha, `${b.personId}.json`))).toBe(true);
    expect((await submit(b, sha)).application?.status).toBe('ACCEPTED');
  });

  it('a supplement gets the same check: somebody else’s file and an unknown hash look alike', async () => {
    const a = candidate();
    const other = candidate();
    const mine = await stack.upload(
      await applicantToken(a.personId),
      png(`mine ${randomBytes(4).toString('hex')}`),
      'a.png',
    );
    const theirs = await stack.upload(
      await applicantToken(other.personId),
      png(`theirs ${randomBytes(4).toString('hex')}`),
      'b.png',
    );
    const n = (await submit(a, mine)).application!.acceptanceNumber;
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'reviewer-files' });
    const asked = await stack.query(
      `mutation($n: String!) { r: reviewPanzhihuaApplication(acceptanceNumber: $n, decision: REQUEST_SUPPLEMENT, reason: "缺检查报告") { ${FIELDS} } }`,
      { n },
      { token: reviewer },
    );
    expect(asked.data.r.application.status).toBe('SUPPLEMENT_REQUESTED');
    const supplement = async (sha: string) =>
      (
        await stack.query(
          `mutation($n: String!, $m: [MaterialInput!]!) { r: supplementPanzhihuaMaterials(acceptanceNumber: $n, materials: $m) { ${FIELDS} } }`,
          { n, m: [materials(sha)[2]] },
          { token: await applicantToken(a.personId) },
        )
      ).data.r;
    const withTheirs = await supplement(theirs);
    const withUnknown = await supplement(sha256(png('never uploaded either')));
    expect(withTheirs).toEqual(withUnknown);
    expect(withTheirs).toEqual({
      application: null,
      problems: [{ code: 'FILE_NOT_UPLOADED', field: 'materials[0].sha256', message: NOT_YOURS }],
    });
    expect((await supplement(mine)).application.status).toBe('ACCEPTED');
  });

  it('a manifest copied to another person, or edited, gives nobody the file', async () => {
    const a = candidate();
    const b = candidate();
    const sha = await stack.upload(
      await applicantToken(a.personId),
      png(`copied ${randomBytes(4).toString('hex')}`),
      'x.png',
    );
    // Somebody with write access to the store copies A's signed manifest to B's name.
    copyFileSync(
      path.join(store.dir, ...ownerKey(sha, a.personId).split('/')),
      path.join(store.dir, 'owners', sha, `${b.personId}.json`),
    );
    expect((await submit(b, sha)).problems).toContainEqual({
      code: 'FILE_NOT_UPLOADED',
      field: 'materials[0].sha256',
      message: NOT_YOURS,
    });
    // …or edits the readable fields: only the signed payload counts.
    const forged = JSON.parse(readFileSync(path.join(store.dir, 'owners', sha, `${b.personId}.json`), 'utf8'));
    await store.putRecord(ownerKey(sha, b.personId), Buffer.from(JSON.stringify({ ...forged, personId: b.personId })));
    expect((await submit(b, sha)).application).toBeNull();
  });
});

describe('staff upload for an applicant', () => {
  it('a reviewer uploads for a person (personId field); that person’s submission can use it', async () => {
    const c = candidate();
    const staff = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'window-7' });
    const data = png(`staff upload ${randomBytes(4).toString('hex')}`);
    const res = await rawUpload(staff, data, { personId: c.personId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sha256: sha256(data), personId: c.personId });
    const manifest = JSON.parse(
      readFileSync(path.join(store.dir, 'owners', sha256(data), `${c.personId}.json`), 'utf8'),
    );
    expect(manifest).toMatchObject({
      sha256: sha256(data),
      personId: c.personId,
      uploadedBy: { role: 'REVIEWER', subject: 'window-7', regionCode: '510400' },
      size: data.length,
      contentType: 'image/png',
      signature: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect((await submit(c, sha256(data))).application?.status).toBe('ACCEPTED');
  });

  it('an applicant can upload only for themself', async () => {
    const me = candidate();
    const other = candidate();
    const data = png(`for somebody else ${randomBytes(4).toString('hex')}`);
    const res = await rawUpload(await applicantToken(me.personId), data, { personId: other.personId });
    expect(res.status).toBe(403);
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(existsSync(path.join(store.dir, sha256(data).slice(0, 2), sha256(data)))).toBe(false);
    const self = await rawUpload(await applicantToken(me.personId), data, { personId: me.personId });
    expect(self.status).toBe(201);
  });
});

describe('upload quota per person and day', () => {
  const expectQuotaExceeded = (res: Awaited<ReturnType<typeof rawUpload>>) => {
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 86_400).toBe(true);
    expect(res.body).toEqual({
      errors: [{ message: expect.stringMatching(/[\u4e00-\u9fff]/), extensions: { code: 'UPLOAD_QUOTA_EXCEEDED' } }],
    });
    expect(res.body.errors[0].message).toContain('3个文件');
  };

  it('the fourth file of the day is refused with 429, Retry-After and a Chinese message', async () => {
    const token = await applicantToken('P100001');
    for (let i = 0; i < 3; i++) expect((await rawUpload(token, png(`quota ${i}`))).status).toBe(201);
    const fourth = png('quota 3');
    expectQuotaExceeded(await rawUpload(token, fourth));
    expect(existsSync(path.join(store.dir, sha256(fourth).slice(0, 2), sha256(fourth)))).toBe(false);
    // Another person is not affected.
    expect((await rawUpload(await applicantToken('P100002'), png('someone else'))).status).toBe(201);
  });

  it('bytes count too', async () => {
    const token = await applicantToken('P100003');
    expect((await rawUpload(token, png('big one', 3000))).status).toBe(201);
    expectQuotaExceeded(await rawUpload(token, png('too much', 2000)));
    expect((await rawUpload(token, png('small', 500))).status).toBe(201);
  });

  it('20 uploads at once: exactly the quota is accepted', async () => {
    const token = await applicantToken('P100004');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rawUpload(token, png(`burst ${i} ${randomBytes(3).toString('hex')}`))),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(17);
  });

  it('holds across a gateway restart: a new gateway on the same store counts the same uploads', async () => {
    const keys = developmentKeyPaths(stack.keysDir);
    let second: RunningGateway | undefined;
    try {
      second = await startGateway({
        port: 0,
        subgraphUrls: {},
        fileStore: stack.files,
        uploadQuota: QUOTA,
        security: {
          authenticate: createJwtVerifier({
            issuer: DEV_ISSUER,
            audience: DEV_AUDIENCE,
            publicKeyFile: keys.callerPublicKeyPath,
          }),
          internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
        },
      });
      const form = new FormData();
      form.append('file', new Blob([png('after restart')]), 'r.png');
      const res = await fetch(`${second.url}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await applicantToken('P100001')}` },
        body: form,
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await second?.close();
    }
  });
});

describe('unused uploads expire', () => {
  it('an old unreferenced file disappears; a referenced one and a fresh one stay', async () => {
    const g = candidate();
    const token = await applicantToken(g.personId);
    const referenced = await stack.upload(token, png(`kept ${randomBytes(4).toString('hex')}`), 'kept.png');
    expect((await submit(g, referenced)).application?.status).toBe('ACCEPTED');
    const unused = await stack.upload(token, png(`unused ${randomBytes(4).toString('hex')}`), 'unused.png');
    const blob = (sha: string) => path.join(store.dir, sha.slice(0, 2), sha);
    const manifest = (sha: string) => path.join(store.dir, 'owners', sha, `${g.personId}.json`);
    expect(existsSync(path.join(store.dir, 'refs', referenced, '510400', g.personId))).toBe(true);

    // Content from before files had owners has no manifest: it may be in use, so it is never swept.
    const legacy = png(`legacy ${randomBytes(4).toString('hex')}`);
    await store.put(sha256(legacy), legacy, { contentType: 'image/png', fileName: 'old.png' });

    // Three days and an hour later (retention 72 h): the unused file and its record go.
    const later = await sweepFiles(stack.files, {
      retentionHours: 72,
      now: new Date(Date.now() + 73 * 3600 * 1000),
    });
    expect(later.deletedFiles).toContain(unused);
    expect(later.deletedFiles).not.toContain(referenced);
    expect(existsSync(blob(unused))).toBe(false);
    expect(existsSync(`${blob(unused)}.json`)).toBe(false);
    expect(existsSync(manifest(unused))).toBe(false);
    expect(existsSync(blob(referenced))).toBe(true);
    expect(existsSync(manifest(referenced))).toBe(true);
    expect(existsSync(blob(sha256(legacy)))).toBe(true);
    // Yesterday-and-older quota records are cleaned too (from three days on, today is old).
    expect(later.deletedUsageRecords).toBeGreaterThan(0);

    // The expired file is gone for its owner as well: the same answer as any unknown file.
    const other = candidate();
    expect((await submit({ ...other, personId: g.personId }, unused)).problems).toContainEqual({
      code: 'FILE_NOT_UPLOADED',
      field: 'materials[0].sha256',
      message: NOT_YOURS,
    });

    // A fresh upload survives a sweep now.
    const fresh = await stack.upload(token, png(`fresh ${randomBytes(4).toString('hex')}`), 'fresh.png');
    const now = await sweepFiles(stack.files, { retentionHours: 72 });
    expect(now.deletedFiles).toEqual([]);
    expect(existsSync(blob(fresh))).toBe(true);
    expect(existsSync(manifest(fresh))).toBe(true);
  });
});
