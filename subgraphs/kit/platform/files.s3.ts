import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

import { type FileMeta, type FileStore, isListPrefix, isRecordKey, isSha256, type StoredObject } from './files';

// The same content-addressed store in an S3-compatible bucket (AWS S3, MinIO, OSS/COS with S3
// compatibility): key `<prefix><first 2 hex>/<sha256>`, the detected type as Content-Type, the
// client's file name (URI-encoded) as metadata. The gateway writes; subgraphs HEAD. Records
// (owners/, refs/, usage/) are small objects under the same prefix; listing is ListObjectsV2.

export interface S3FileStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. "mente/uploads/". */
  prefix?: string;
  region?: string;
  /** For S3-compatible services (MinIO …); path-style addressing is then used. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3FileStore implements FileStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3FileStoreOptions) {
    if (!options.bucket) throw new Error('S3 file store: a bucket is required (S3_BUCKET)');
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: options.forcePathStyle ?? true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: S3-compatible services differ in what they accept.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(sha256: string): string {
    return `${this.prefix}${sha256.slice(0, 2)}/${sha256}`;
  }

  async put(sha256: string, data: Buffer, meta: FileMeta): Promise<void> {
    if (!isSha256(sha256)) throw new Error('not a sha256');
    if (await this.has(sha256)) return; // content-addressed: the same bytes are already there
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(sha256),
        Body: data,
        ContentType: meta.contentType,
        Metadata: { 'file-name': encodeURIComponent(meta.fileName) },
      }),
    );
  }

  async has(sha256: string): Promise<boolean> {
    if (!isSha256(sha256)) return false;
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return false;
      throw e;
    }
  }

  async hasAll(sha256s: string[]): Promise<Set<string>> {
    const unique = [...new Set(sha256s.filter(isSha256))];
    const present = await Promise.all(unique.map(async (s) => ((await this.has(s)) ? s : null)));
    return new Set(present.filter((s): s is string => s !== null));
  }

  async remove(sha256: string): Promise<void> {
    if (!isSha256(sha256)) throw new Error('not a sha256');
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
  }

  private recordKey(key: string): string {
    if (!isRecordKey(key)) throw new Error(`not a record key: ${JSON.stringify(key)}`);
    return `${this.prefix}${key}`;
  }

  async putRecord(key: string, data: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.recordKey(key),
        Body: data,
        ContentType: 'application/json',
      }),
    );
  }

  async getRecord(key: string): Promise<Buffer | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.recordKey(key) }));
      return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return null;
      throw e;
    }
  }

  async deleteRecord(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.recordKey(key) }));
  }

  async list(prefix: string): Promise<StoredObject[]> {
    if (!isListPrefix(prefix)) throw new Error(`not a list prefix: ${JSON.stringify(prefix)}`);
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key?.startsWith(this.prefix)) continue;
        out.push({
          key: o.Key.slice(this.prefix.length),
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }
}

/** FILE_STORE=s3 settings: S3_BUCKET (required), S3_PREFIX, S3_REGION, S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_ACCESS_KEY_ID + S3_SECRET_ACCESS_KEY (else the AWS default chain). */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv): S3FileStoreOptions {
  const problems: string[] = [];
  if (!env.S3_BUCKET) problems.push('S3_BUCKET is required with FILE_STORE=s3');
  if (env.S3_ENDPOINT && !/^https?:\/\//.test(env.S3_ENDPOINT)) problems.push('S3_ENDPOINT must be an http(s) URL');
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
  }
  if (problems.length) throw new Error(problems.join('; '));
  return {
    bucket: env.S3_BUCKET!,
    prefix: env.S3_PREFIX,
    region: env.S3_REGION,
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : undefined,
    credentials:
      env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : undefined,
  };
}
