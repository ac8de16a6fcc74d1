import { createHash } from 'node:crypto';

import { S3FileStore } from '../subgraphs/kit/files.s3';
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
  s3 = await startFakeS3();
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
  });
});
