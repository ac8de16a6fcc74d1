import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { detectContentType, DirectoryFileStore, fileStoreFromEnv, isSha256, MAX_UPLOAD_BYTES } from './files';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-body')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF-body')]);
const PDF = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'latin1');

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const meta = { contentType: 'image/png', fileName: '诊断证明.png' };

describe('detectContentType', () => {
  it('recognises JPEG, PNG and PDF by their magic bytes', () => {
    expect(detectContentType(JPEG)).toBe('image/jpeg');
    expect(detectContentType(PNG)).toBe('image/png');
    expect(detectContentType(PDF)).toBe('application/pdf');
    expect(detectContentType(Buffer.from([0xff, 0xd8, 0xff]))).toBe('image/jpeg');
  });

  it('refuses everything else, including near misses and short heads', () => {
    expect(detectContentType(Buffer.alloc(0))).toBeNull();
    expect(detectContentType(Buffer.from('hello, this is not a pdf'))).toBeNull();
    expect(detectContentType(Buffer.from('%PDF'))).toBeNull();
    expect(detectContentType(Buffer.from(' %PDF-1.4'))).toBeNull();
    expect(detectContentType(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(detectContentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00]))).toBeNull();
    expect(detectContentType(Buffer.from('GIF89a....'))).toBeNull();
    expect(detectContentType(Buffer.from('PK\x03\x04word/document.xml'))).toBeNull();
  });

  it('has a 10 MiB upload limit', () => {
    expect(MAX_UPLOAD_BYTES).toBe(10 * 1024 * 1024);
  });
});

describe('DirectoryFileStore', () => {
  let dir: string;
  let store: DirectoryFileStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mente-files-'));
    store = new DirectoryFileStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores content under <first 2 hex>/<sha256> with its metadata beside it', async () => {
    const hash = sha256(PNG);
    await store.put(hash, PNG, meta);
    const file = path.join(dir, hash.slice(0, 2), hash);
    expect(readFileSync(file)).toEqual(PNG);
    expect(JSON.parse(readFileSync(`${file}.json`, 'utf8'))).toMatchObject({
      sha256: hash,
      size: PNG.length,
      contentType: 'image/png',
      fileName: '诊断证明.png',
    });
    expect(readdirSync(path.join(dir, hash.slice(0, 2))).sort()).toEqual([hash, `${hash}.json`]);
  });

  it('answers has and hasAll', async () => {
    const png = sha256(PNG);
    const pdf = sha256(PDF);
    const jpeg = sha256(JPEG);
    expect(await store.has(png)).toBe(false);
    await store.put(png, PNG, meta);
    await store.put(pdf, PDF, { contentType: 'application/pdf', fileName: 'x.pdf' });
    expect(await store.has(png)).toBe(true);
    expect(await store.has(jpeg)).toBe(false);
    expect(await store.hasAll([png, jpeg, pdf, png])).toEqual(new Set([png, pdf]));
    expect(await store.hasAll([])).toEqual(new Set());
  });

  it('makes a second put of the same content a no-op and leaves no temporary files', async () => {
    const hash = sha256(JPEG);
    await store.put(hash, JPEG, { contentType: 'image/jpeg', fileName: 'first.jpg' });
    await store.put(hash, JPEG, { contentType: 'image/jpeg', fileName: 'second.jpg' });
    await Promise.all([1, 2, 3].map(() => store.put(hash, JPEG, { contentType: 'image/jpeg', fileName: 'x.jpg' })));
    const sub = path.join(dir, hash.slice(0, 2));
    expect(readdirSync(sub).sort()).toEqual([hash, `${hash}.json`]);
    expect(JSON.parse(readFileSync(path.join(sub, `${hash}.json`), 'utf8')).fileName).toBe('first.jpg');
  });

  it('stores concurrent first puts of the same content once, whole', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024, 7)]);
    const hash = sha256(big);
    await Promise.all([1, 2, 3, 4].map(() => store.put(hash, big, meta)));
    const sub = path.join(dir, hash.slice(0, 2));
    expect(readdirSync(sub).sort()).toEqual([hash, `${hash}.json`]);
    expect(sha256(readFileSync(path.join(sub, hash)))).toBe(hash);
  });

  it('refuses content that does not match its sha256', async () => {
    await expect(store.put(sha256(PNG), PDF, meta)).rejects.toThrow(/does not match/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    '../etc/passwd',
    '../../../../etc/passwd',
    '',
    'abc',
    'A'.repeat(64),
    `${'a'.repeat(62)}/x`,
    `${'a'.repeat(64)}\n`,
    `${'a'.repeat(63)}g`,
    `${'a'.repeat(64)}.json`,
    `..${'a'.repeat(62)}`,
  ])('rejects %j before touching the filesystem', async (bad) => {
    await expect(store.put(bad, PNG, meta)).rejects.toThrow(/not a sha256/);
    expect(await store.has(bad)).toBe(false);
    expect(await store.hasAll([bad])).toEqual(new Set());
    expect(() => store.pathFor(bad)).toThrow(/not a sha256/);
    expect(readdirSync(dir)).toEqual([]);
    expect(isSha256(bad)).toBe(false);
  });

  it('touches nothing until the first put', () => {
    const nested = path.join(dir, 'not', 'yet');
    new DirectoryFileStore(nested);
    expect(existsSync(nested)).toBe(false);
  });
});

describe('fileStoreFromEnv', () => {
  it('uses UPLOAD_DIR, else <DATA_DIR or .data>/uploads', () => {
    expect((fileStoreFromEnv({ UPLOAD_DIR: '/srv/mente/uploads' }) as DirectoryFileStore).dir).toBe(
      '/srv/mente/uploads',
    );
    expect((fileStoreFromEnv({ DATA_DIR: '/var/lib/mente' }) as DirectoryFileStore).dir).toBe('/var/lib/mente/uploads');
    expect((fileStoreFromEnv({}) as DirectoryFileStore).dir).toBe(path.resolve('.data', 'uploads'));
    expect(fileStoreFromEnv({ FILE_STORE: 'directory', UPLOAD_DIR: '/u' })).toBeInstanceOf(DirectoryFileStore);
  });

  it('builds an S3 store from S3_* settings, says what is missing, and refuses unknown kinds', () => {
    expect(() => fileStoreFromEnv({ FILE_STORE: 's3' })).toThrow('S3_BUCKET is required with FILE_STORE=s3');
    expect(() => fileStoreFromEnv({ FILE_STORE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' })).toThrow(/go together/);
    expect(
      fileStoreFromEnv({ FILE_STORE: 's3', S3_BUCKET: 'b', S3_ENDPOINT: 'http://127.0.0.1:9000' }).constructor.name,
    ).toBe('S3FileStore');
    expect(() => fileStoreFromEnv({ FILE_STORE: 'ftp' })).toThrow(/FILE_STORE/);
  });
});
