import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { DirectoryFileStore } from '../subgraphs/kit/platform/files';
import { type Stack, startStack } from './harness';

// POST /uploads on the real gateway: an applicant uploads a material file, gets its sha256 back,
// and the file is in the store; everything else is refused and never stored.

const MB = 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const png = (body = 'IHDR\u0000\u0000\u0000\u0001 a tiny picture') =>
  Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.from(body, 'latin1')]);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\u0000 photo', 'latin1'),
]);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let stack: Stack;
let uploadDir: string;
let applicant: string;

beforeAll(async () => {
  // The harness gives the gateway (and the regions) a DirectoryFileStore on a fresh temporary directory.
  stack = await startStack();
  uploadDir = (stack.files as DirectoryFileStore).dir;
  applicant = await stack.token({ role: 'APPLICANT', personId: 'P000003' });
});
afterAll(async () => {
  await stack?.close();
});

interface Part {
  data: Buffer;
  name?: string;
  fileName?: string;
  type?: string;
}

function form(...parts: Part[]): FormData {
  const body = new FormData();
  for (const p of parts) body.append(p.name ?? 'file', new Blob([p.data], { type: p.type ?? '' }), p.fileName ?? 'x');
  return body;
}

async function upload(body: FormData | string, options: { token?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${stack.gateway.url}/uploads`, {
    method: 'POST',
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const stored = (hash: string) => path.join(uploadDir, hash.slice(0, 2), hash);
/** Every content file in the store (metadata, ownership and quota records left out). */
const storedFiles = () =>
  readdirSync(uploadDir, { recursive: true, encoding: 'utf8' }).filter((f) => /^[0-9a-f]{2}[\\/][0-9a-f]{64}$/.test(f));

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code } }] });
  expect(res.body.errors[0].message).toMatch(/[\u4e00-\u9fff]/); // for people, in Chinese
}

describe('POST /uploads', () => {
  it.each([
    ['PNG', png(), '诊断证明.png', 'image/png', 'image/png'],
    ['JPEG', JPEG, '病历首页.jpg', 'image/jpeg', 'image/jpeg'],
    ['PDF', PDF, 'medical-record.pdf', 'application/pdf', 'application/pdf'],
  ])('stores a %s and answers its sha256', async (_kind, data, fileName, declared, detected) => {
    const res = await upload(form({ data, fileName, type: declared }), { token: applicant });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      sha256: sha256(data),
      size: data.length,
      contentType: detected,
      fileName,
      personId: 'P000003',
    });
    expect(readFileSync(stored(sha256(data)))).toEqual(data);
    expect(JSON.parse(readFileSync(`${stored(sha256(data))}.json`, 'utf8'))).toMatchObject({
      sha256: sha256(data),
      size: data.length,
      contentType: detected,
      fileName,
    });
  });

  it('answers the same sha256 for the same file twice, and stores it once', async () => {
    const data = png('uploaded twice');
    const first = await upload(form({ data, fileName: 'a.png', type: 'image/png' }), { token: applicant });
    const second = await upload(form({ data, fileName: 'b.png', type: 'image/png' }), { token: applicant });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.body.sha256).toBe(sha256(data));
    expect(second.body.sha256).toBe(first.body.sha256);
    expect(second.body.fileName).toBe('b.png');
    expect(readdirSync(path.dirname(stored(sha256(data)))).filter((f) => f.startsWith(sha256(data)))).toEqual([
      sha256(data),
      `${sha256(data)}.json`,
    ]);
  });

  it('decides the type by content, not by the declared type or the extension', async () => {
    const data = png('declared as a pdf');
    const res = await upload(form({ data, fileName: 'scan.pdf', type: 'application/pdf' }), { token: applicant });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sha256: sha256(data), contentType: 'image/png', fileName: 'scan.pdf' });
  });

  it('keeps only the last part of a path-like file name, at most 255 characters', async () => {
    const a = png('windows path');
    const windows = await upload(form({ data: a, fileName: 'C:\\fakepath\\身份证.png' }), { token: applicant });
    expect(windows.body).toMatchObject({ sha256: sha256(a), fileName: '身份证.png' });
    const b = png('unix path');
    const unix = await upload(form({ data: b, fileName: '../../etc/passwd' }), { token: applicant });
    expect(unix.body).toMatchObject({ sha256: sha256(b), fileName: 'passwd' });
    expect(existsSync(stored(sha256(b)))).toBe(true);
    const c = png('long name');
    const long = await upload(form({ data: c, fileName: `${'长'.repeat(300)}.png` }), { token: applicant });
    expect(long.status).toBe(201);
    expect(long.body.fileName).toBe('长'.repeat(255));
  });

  it('refuses a text file renamed x.pdf and declared application/pdf (415), and stores nothing', async () => {
    const data = Buffer.from('这不是PDF文件，只是改了扩展名的文本。\n');
    const res = await upload(form({ data, fileName: 'x.pdf', type: 'application/pdf' }), { token: applicant });
    expectError(res, 415, 'UPLOAD_UNSUPPORTED_TYPE');
    expect(res.body.errors[0].message).toBe('仅支持JPEG、PNG或PDF文件');
    expect(existsSync(stored(sha256(data)))).toBe(false);
  });

  it('refuses 10 MB + 1 byte (413) and stores nothing, but takes exactly 10 MB', async () => {
    const tooBig = Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.alloc(10 * MB + 1 - PNG_SIGNATURE.length, 1)]);
    const res = await upload(form({ data: tooBig, fileName: 'big.png', type: 'image/png' }), { token: applicant });
    expectError(res, 413, 'UPLOAD_TOO_LARGE');
    expect(res.body.errors[0].message).toBe('文件超过10MB上限');
    expect(existsSync(stored(sha256(tooBig)))).toBe(false);

    const justRight = tooBig.subarray(0, 10 * MB);
    const ok = await upload(form({ data: justRight, fileName: 'big.png' }), { token: applicant });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ sha256: sha256(justRight), size: 10 * MB });
  });

  it('refuses a body declared far beyond the limit before parsing it (413)', async () => {
    const huge = Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.alloc(12 * MB, 2)]);
    const res = await upload(form({ data: huge, fileName: 'huge.png' }), { token: applicant });
    expectError(res, 413, 'UPLOAD_TOO_LARGE');
    expect(existsSync(stored(sha256(huge)))).toBe(false);
  });

  it('refuses a form without a file (400)', async () => {
    const body = new FormData();
    body.append('note', 'no file here');
    expectError(await upload(body, { token: applicant }), 400, 'UPLOAD_NO_FILE');
    const otherName = png('sent under another field name');
    expectError(
      await upload(form({ data: otherName, name: 'photo', fileName: 'p.png' }), { token: applicant }),
      400,
      'UPLOAD_NO_FILE',
    );
    expect(existsSync(stored(sha256(otherName)))).toBe(false);
    expectError(
      await upload(form({ data: Buffer.alloc(0), fileName: '' }), { token: applicant }),
      400,
      'UPLOAD_NO_FILE',
    );
  });

  it('refuses more than one file (400) and stores none of them', async () => {
    const a = png('first of two');
    const b = png('second of two');
    const res = await upload(form({ data: a, fileName: 'a.png' }, { data: b, fileName: 'b.png' }), {
      token: applicant,
    });
    expectError(res, 400, 'UPLOAD_TOO_MANY_FILES');
    expect(existsSync(stored(sha256(a)))).toBe(false);
    expect(existsSync(stored(sha256(b)))).toBe(false);
  });

  it('refuses anonymous callers and bad tokens (401)', async () => {
    const data = png('anonymous');
    expectError(await upload(form({ data, fileName: 'a.png' })), 401, 'UNAUTHENTICATED');
    expectError(await upload(form({ data, fileName: 'a.png' }), { token: 'not-a-jwt' }), 401, 'UNAUTHENTICATED');
    expectError(
      await upload(form({ data, fileName: 'a.png' }), { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
      401,
      'UNAUTHENTICATED',
    );
    expect(existsSync(stored(sha256(data)))).toBe(false);
  });

  it('refuses national operators (403) and staff who name no applicant (400)', async () => {
    const data = png('staff');
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'reviewer-1' });
    expectError(await upload(form({ data, fileName: 'a.png' }), { token: reviewer }), 400, 'UPLOAD_PERSON_REQUIRED');
    const operator = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops-1' });
    expectError(await upload(form({ data, fileName: 'a.png' }), { token: operator }), 403, 'FORBIDDEN');
    expect(existsSync(stored(sha256(data)))).toBe(false);
  });

  it('refuses a request that is not multipart (400)', async () => {
    const json = await upload(JSON.stringify({ file: PDF.toString('base64') }), {
      token: applicant,
      headers: { 'content-type': 'application/json' },
    });
    expectError(json, 400, 'UPLOAD_NOT_MULTIPART');
    const urlencoded = await upload('file=abc', {
      token: applicant,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(urlencoded, 400, 'UPLOAD_NOT_MULTIPART');
    const noBoundary = await upload('--x\r\n', {
      token: applicant,
      headers: { 'content-type': 'multipart/form-data' },
    });
    expectError(noBoundary, 400, 'UPLOAD_NOT_MULTIPART');
  });

  it('leaves only accepted files in the store, and GraphQL still answers on /', async () => {
    for (const f of storedFiles()) expect(detectedByMagic(readFileSync(path.join(uploadDir, f)))).toBe(true);
    const res = await stack.query('{ __typename }');
    expect(res).toMatchObject({ status: 200, data: { __typename: 'Query' } });
  });
});

function detectedByMagic(data: Buffer): boolean {
  return (
    data.subarray(0, 8).equals(Buffer.from(PNG_SIGNATURE)) ||
    data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])) ||
    data.subarray(0, 5).toString('latin1') === '%PDF-'
  );
}
