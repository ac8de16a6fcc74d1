import { createHash } from 'node:crypto';

import { sweepFiles } from '../gateway/file-sweeper';
import { MaterialFiles } from '../subgraphs/kit/platform/file-owners';
import { S3FileStore } from '../subgraphs/kit/platform/files.s3';
import { type FakeS3, startFakeS3 } from './fake-s3';
import { type Stack, startStack } from './harness';

// Material files in an S3-compatible bucket: the same content-addressed store, spoken over HTTP to
// an S3 endpoint, used by the gateway (uploads) and the regions (references) alike.

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('s3 store')]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let s3: FakeS3;
let store: S3FileStore;
let stack: Stack;

beforeAll(async () => {
  s3 = await startFakeS3({ pageSize: 3 }); // small pages: listing must follow continuation tokens
  store = new S3FileStore({
    bucket: 'mente-test',
    prefix: 'uploads/',
    endpoint: s3.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  stack = await startStack({ fileStore: store });
});
afterAll(async () => {
  await stack?.close();
  await s3?.close();
});

describe('S3FileStore', () => {
  it('stores by sha256 under a path-style key with the type and the file name', async () => {
    const data = Buffer.from('%PDF-1.4 test');
    await store.put(sha(data), data, { contentType: 'application/pdf', fileName: '诊断证明.pdf' });
    const object = s3.objects.get(`/mente-test/uploads/${sha(data).slice(0, 2)}/${sha(data)}`);
    expect(object?.body.equals(data)).toBe(true);
    expect(object?.contentType).toBe('application/pdf');
    expect(decodeURIComponent(object!.metadata['file-name']!)).toBe('诊断证明.pdf');
  });

  it('answers has/hasAll with HEAD, false for missing objects and non-hashes, and stores once', async () => {
    const data = Buffer.from('%PDF-1.4 other');
    expect(await store.has(sha(data))).toBe(false);
    await store.put(sha(data), data, { contentType: 'application/pdf', fileName: 'a.pdf' });
    await store.put(sha(data), data, { contentType: 'application/pdf', fileName: 'b.pdf' });
    expect(s3.requests.filter((r) => r.startsWith('PUT') && r.endsWith(sha(data)))).toHaveLength(1);
    expect(await store.hasAll([sha(data), 'f'.repeat(64), '../etc/passwd'])).toEqual(new Set([sha(data)]));
    expect(await store.has('../etc/passwd')).toBe(false);
  });
});

describe('S3FileStore records (ownership, references, quota)', () => {
  it('puts, gets, lists across pages and deletes records; removes content', async () => {
    for (let i = 0; i < 7; i++) await store.putRecord(`usage/2026-12-03/P9/${i}-x-10`, Buffer.from(`{"i":${i}}`));
    await store.putRecord('usage/2026-12-03/P90/0-x-10', Buffer.from('{}'));
    const listed = await store.list('usage/2026-12-03/P9/');
    expect(listed.map((o) => o.key)).toEqual(Array.from({ length: 7 }, (_, i) => `usage/2026-12-03/P9/${i}-x-10`));
    expect(listed.every((o) => o.lastModified instanceof Date && o.size > 0)).toBe(true);
    expect(s3.requests.filter((r) => r.includes('?prefix=uploads/usage/2026-12-03/P9/')).length).toBe(3);
    expect((await store.getRecord('usage/2026-12-03/P9/3-x-10'))?.toString()).toBe('{"i":3}');
    expect(await store.getRecord('usage/2026-12-03/P9/missing')).toBeNull();
    await store.deleteRecord('usage/2026-12-03/P9/3-x-10');
    expect(await store.getRecord('usage/2026-12-03/P9/3-x-10')).toBeNull();
    await expect(store.putRecord('../outside', Buffer.from('x'))).rejects.toThrow(/not a record key/);

    const data = Buffer.from('%PDF-1.4 removed');
    await store.put(sha(data), data, { contentType: 'application/pdf', fileName: 'r.pdf' });
    await store.remove(sha(data));
    expect(await store.has(sha(data))).toBe(false);
  });

  it('the sweeper removes an old unused upload and keeps a referenced one', async () => {
    const token = await stack.token({ role: 'APPLICANT', personId: 'P000023' });
    const kept = await stack.upload(token, Buffer.concat([PNG, Buffer.from(' kept')]), 'kept.png');
    const unused = await stack.upload(token, Buffer.concat([PNG, Buffer.from(' unused')]), 'unused.png');
    // What a region writes when an application uses the file.
    await new MaterialFiles(store, null).markReferenced('510400', 'P000023', [kept]);
    const result = await sweepFiles(store, { retentionHours: 72, now: new Date(Date.now() + 73 * 3600 * 1000) });
    expect(result.deletedFiles).toContain(unused);
    expect(result.deletedFiles).not.toContain(kept);
    expect(await store.has(unused)).toBe(false);
    expect(await store.getRecord(`owners/${unused}/P000023.json`)).toBeNull();
    expect(await store.has(kept)).toBe(true);
    expect(await store.getRecord(`owners/${kept}/P000023.json`)).not.toBeNull();
  });
});

describe('the stack on an S3 store', () => {
  it('uploads through the gateway into the bucket, and a submission can refer to the file', async () => {
    const token = await stack.token({ role: 'APPLICANT', personId: 'P000022' });
    const uploaded = await stack.upload(token, PNG, '身份证.png');
    expect(uploaded).toBe(sha(PNG));
    expect(await store.has(uploaded)).toBe(true);
    const materials = (hash: string) => [{ kind: 'ID_CARD', stamped: false, fileName: '身份证.png', sha256: hash }];
    const submit = (hash: string) =>
      stack.query(
        'mutation($i: ApplicationInput!) { r: submitPanzhihuaApplication(input: $i) { problems { code field } } }',
        {
          i: {
            type: 'NEW',
            diseaseCode: 'M99999',
            channelId: 'x',
            insuredRegionCode: '510400',
            materials: materials(hash),
          },
        },
        { token },
      );
    const known = await submit(uploaded);
    expect(known.data.r.problems.map((p: any) => p.code)).not.toContain('FILE_NOT_UPLOADED');
    const unknown = await submit('e'.repeat(64));
    expect(unknown.data.r.problems.map((p: any) => p.code)).toContain('FILE_NOT_UPLOADED');
    // Somebody else's file in the bucket is refused with the very same problems as an unknown one.
    const other = await stack.upload(await stack.token({ role: 'APPLICANT', personId: 'P000021' }), PNG, '身份证.png');
    expect(other).toBe(uploaded);
    const strangers = await stack.token({ role: 'APPLICANT', personId: 'P000020' });
    const submitAs = (hash: string) =>
      stack.query(
        'mutation($i: ApplicationInput!) { r: submitPanzhihuaApplication(input: $i) { problems { code field message } } }',
        {
          i: {
            type: 'NEW',
            diseaseCode: 'M99999',
            channelId: 'x',
            insuredRegionCode: '510400',
            materials: materials(hash),
          },
        },
        { token: strangers },
      );
    expect((await submitAs(uploaded)).data.r.problems).toEqual((await submitAs('e'.repeat(64))).data.r.problems);
    expect((await submitAs(uploaded)).data.r.problems).toContainEqual({
      code: 'FILE_NOT_UPLOADED',
      field: 'materials[0].sha256',
      message: '文件不存在或不属于申请人，请重新上传',
    });
  });
});
