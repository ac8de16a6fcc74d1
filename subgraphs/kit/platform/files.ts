import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

// Uploaded application materials (诊断证明、病历、照片), stored by content: a file's name is the
// sha256 of its bytes, so the same file uploaded twice is stored once and a mutation can refer to
// a file by its hash alone. The gateway writes (POST /uploads); regional subgraphs check that the
// files an application refers to exist and belong to its applicant. Beside the content, the store
// holds small records under three namespaces (see ./file-owners.ts): `owners/` (signed ownership
// manifests), `refs/` (which region's applications use a file) and `usage/` (the upload quota).

export interface FileMeta {
  /** The type detected from the file's content (never the client's declared type). */
  contentType: string;
  /** The client's file name, for people; never used as a path. */
  fileName: string;
}

export interface FileStore {
  /** Stores `data` under its sha256; storing the same content again is a no-op. */
  put(sha256: string, data: Buffer, meta: FileMeta): Promise<void>;
  /** False for anything that is not a stored file, including strings that are not a sha256. */
  has(sha256: string): Promise<boolean>;
  /** The ones present (strings that are not a sha256 never are). */
  hasAll(sha256s: string[]): Promise<Set<string>>;
  /** Deletes a file's content (and its metadata); nothing happens when it is not there. */
  remove(sha256: string): Promise<void>;
  /** Writes a small record under `owners/`, `refs/` or `usage/` (see isRecordKey), replacing any. */
  putRecord(key: string, data: Buffer): Promise<void>;
  /** A record's bytes, or null when there is none. */
  getRecord(key: string): Promise<Buffer | null>;
  deleteRecord(key: string): Promise<void>;
  /**
   * Every object whose key starts with `prefix` (a record namespace such as `usage/2026-12-03/P1/`,
   * or '' for everything, content included), with its size and last change.
   */
  list(prefix: string): Promise<StoredObject[]>;
}

export interface StoredObject {
  /** Relative to the store: `ab/<sha256>` for content, `owners/…`, `refs/…`, `usage/…` for records. */
  key: string;
  size: number;
  lastModified: Date;
}

const RECORD_KEY = /^(owners|refs|usage)(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})+$/;

/** A key the record methods accept: a known namespace, then segments that cannot climb out of it. */
export function isRecordKey(key: string): boolean {
  return RECORD_KEY.test(key);
}

function requireRecordKey(key: string): string {
  if (!isRecordKey(key)) throw new Error(`not a record key: ${JSON.stringify(key)}`);
  return key;
}

const LIST_PREFIX = /^((owners|refs|usage)(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})*\/?)?$/;

/** What list() accepts: '' (everything), a namespace (`owners/`), or a record key or folder in one. */
export function isListPrefix(prefix: string): boolean {
  return LIST_PREFIX.test(prefix);
}

function requireListPrefix(prefix: string): string {
  if (!isListPrefix(prefix)) throw new Error(`not a list prefix: ${JSON.stringify(prefix)}`);
  return prefix;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_PATTERN.test(value);
}

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export type DetectedType = 'image/jpeg' | 'image/png' | 'application/pdf';

const SIGNATURES: readonly { type: DetectedType; magic: Buffer }[] = [
  { type: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
  { type: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'application/pdf', magic: Buffer.from('%PDF-', 'latin1') },
];

/** Bytes needed to recognise every supported type. */
export const DETECT_BYTES = Math.max(...SIGNATURES.map((s) => s.magic.length));

/** The file's type by its magic bytes alone; null when it is none of JPEG, PNG, PDF. */
export function detectContentType(head: Buffer): DetectedType | null {
  for (const { type, magic } of SIGNATURES) {
    if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic)) return type;
  }
  return null;
}

/**
 * Files on a local (or mounted) directory: `<dir>/<first 2 hex>/<sha256>` with the metadata in
 * `<sha256>.json` beside it. Writes go to a temporary file in the same directory and are renamed
 * into place, so a reader never sees half a file; the metadata lands before the content, so a
 * present file always has its metadata.
 */
export class DirectoryFileStore implements FileStore {
  readonly dir: string;

  constructor(dir: string) {
    if (!dir) throw new Error('DirectoryFileStore: a directory is required');
    // Nothing touches the filesystem until the first put: starting a server creates no directory.
    this.dir = path.resolve(dir);
  }

  /** Where a file's content lives; throws for anything that is not a lowercase hex sha256. */
  pathFor(sha256: string): string {
    if (!isSha256(sha256)) throw new Error('not a sha256 (64 lowercase hex characters)');
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(sha256: string, data: Buffer, meta: FileMeta): Promise<void> {
    const target = this.pathFor(sha256);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) throw new Error(`content does not match its sha256 (expected ${sha256}, got ${actual})`);
    if (await exists(target)) return;
    await mkdir(path.dirname(target), { recursive: true });
    const metadata = {
      sha256,
      size: data.length,
      contentType: meta.contentType,
      fileName: meta.fileName,
      storedAt: new Date().toISOString(),
    };
    await writeAtomically(`${target}.json`, Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`, 'utf8'));
    await writeAtomically(target, data);
  }

  async has(sha256: string): Promise<boolean> {
    if (!isSha256(sha256)) return false;
    return exists(this.pathFor(sha256));
  }

  async hasAll(sha256s: string[]): Promise<Set<string>> {
    const unique = [...new Set(sha256s)].filter(isSha256);
    const present = await Promise.all(unique.map(async (s) => ((await this.has(s)) ? s : null)));
    return new Set(present.filter((s): s is string => s !== null));
  }

  async remove(sha256: string): Promise<void> {
    const target = this.pathFor(sha256);
    // Content first: a file without metadata is never left looking present.
    await unlinkIfPresent(target);
    await unlinkIfPresent(`${target}.json`);
  }

  private recordPath(key: string): string {
    return path.join(this.dir, ...requireRecordKey(key).split('/'));
  }

  async putRecord(key: string, data: Buffer): Promise<void> {
    const target = this.recordPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    await writeAtomically(target, data);
  }

  async getRecord(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.recordPath(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async deleteRecord(key: string): Promise<void> {
    const target = this.recordPath(key);
    await unlinkIfPresent(target);
    // Empty folders left behind (owners/<sha256>/, usage/<day>/<person>/) go too, up to the namespace.
    const root = path.join(this.dir, key.split('/')[0]!);
    for (let dir = path.dirname(target); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty (or already gone): its parents are not empty either
      }
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    requireListPrefix(prefix);
    // A prefix is a folder ("usage/2026-12-03/P1/") or the start of a name in one.
    const cut = prefix.lastIndexOf('/') + 1;
    const folder = prefix.slice(0, cut);
    const out: StoredObject[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(path.join(this.dir, ...relative.split('/').filter(Boolean)), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue; // temporary files of writes in progress
        const key = `${relative}${entry.name}`;
        if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue;
        if (entry.isDirectory()) await walk(`${key}/`);
        else if (entry.isFile() && key.startsWith(prefix)) {
          const info = await stat(path.join(this.dir, ...key.split('/'))).catch(() => null);
          if (info) out.push({ key, size: info.size, lastModified: info.mtime });
        }
      }
    };
    await walk(folder);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Temporary file beside the target, flushed to disk, then renamed over it (atomic on one filesystem). */
async function writeAtomically(target: string, data: Buffer): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o640);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
}

/**
 * The file store from the environment: a directory (UPLOAD_DIR, default `<DATA_DIR or .data>/uploads`).
 * FILE_STORE selects the kind; only `directory` (the default) exists so far.
 */
export function fileStoreFromEnv(env: NodeJS.ProcessEnv = process.env): FileStore {
  const kind = env.FILE_STORE ?? '';
  if (kind === 's3') {
    // Loaded only when configured (the AWS SDK is large); typed here so files.ts need not import it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3FileStore, s3OptionsFromEnv } = require('./files.s3') as {
      S3FileStore: new (options: unknown) => FileStore;
      s3OptionsFromEnv: (env: NodeJS.ProcessEnv) => unknown;
    };
    return new S3FileStore(s3OptionsFromEnv(env));
  }
  if (kind !== '' && kind !== 'directory') {
    throw new Error(`FILE_STORE must be "directory" (the default) or "s3"; got "${kind}"`);
  }
  return new DirectoryFileStore(env.UPLOAD_DIR || path.join(env.DATA_DIR || '.data', 'uploads'));
}
