import { createHash } from 'node:crypto';

import busboy from 'busboy';
import cors from 'cors';
import express from 'express';
import type { KeyLike } from 'jose';

import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { PERSON_ID_PATTERN, type Uploader, writeOwnership } from '../subgraphs/kit/platform/file-owners';
import {
  DETECT_BYTES,
  detectContentType,
  type DetectedType,
  type FileStore,
  MAX_UPLOAD_BYTES,
} from '../subgraphs/kit/platform/files';
import { cleanFileName as cleanDisplayFileName } from '../subgraphs/kit/platform/text';
import { AuthError } from './auth/jwt';
import { DEFAULT_RETENTION_HOURS } from './file-sweeper';
import { secondsUntilNextDay, UploadQuotaLedger } from './upload-quota';

// POST /uploads: an applicant uploads one material file (诊断证明、病历、照片) as multipart/form-data
// in the field `file`; the answer is its sha256, which application mutations then refer to. The
// file is streamed through busboy and hashed on the way; at most `maxBytes` are ever held in
// memory, and a file is stored only once it has passed every check (size, type by content).
// Every upload belongs to a person: the applicant themself, or — for staff (a REVIEWER) uploading
// at the window — the person named in the form field `personId`. It is recorded as a signed
// ownership manifest in the store (subgraphs/kit/platform/file-owners.ts), which the regions check, and
// counted against that person's daily quota (./upload-quota.ts).

export interface UploadsOptions {
  store: FileStore;
  authenticate: (authorizationHeader: string | undefined) => Promise<Identity>;
  /** Largest accepted file, bytes; default MAX_UPLOAD_BYTES (10 MiB). */
  maxBytes?: number;
  /** The gateway's internal private key: signs ownership manifests. */
  signingKey: KeyLike;
  /** Files and bytes per person per day; default DEFAULT_UPLOAD_QUOTA (50 files, 200 MB). */
  quota?: UploadQuotaLedger;
  /** An unused upload may be swept after this many hours (stated in its manifest); default 72. */
  retentionHours?: number;
}

export interface UploadedFile {
  sha256: string;
  size: number;
  contentType: DetectedType;
  fileName: string;
  /** Whose file it is (the person the ownership was recorded for). */
  personId: string;
}

export type UploadErrorCode =
  | 'UPLOAD_QUOTA_EXCEEDED'
  | 'UPLOAD_PERSON_REQUIRED'
  | 'UPLOAD_INVALID_PERSON'
  | 'UPLOAD_NO_FILE'
  | 'UPLOAD_TOO_MANY_FILES'
  | 'UPLOAD_TOO_LARGE'
  | 'UPLOAD_UNSUPPORTED_TYPE'
  | 'UPLOAD_NOT_MULTIPART'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN';

/** Room for the multipart framing around the file (boundaries, part headers, a few small fields). */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

const NOT_MULTIPART_MESSAGE = '请以 multipart/form-data 格式上传文件（文件字段名为 file）';

class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: UploadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

function sizeLabel(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb}MB` : `${bytes}字节`;
}

function sendError(res: express.Response, status: number, code: UploadErrorCode, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * The client's file name for display (subgraphs/kit/platform/text.ts: path parts, control and format
 * characters such as bidi overrides removed, at most 255 characters); a name that is left empty
 * becomes `file.<ext>`.
 */
function cleanFileName(raw: string | undefined, contentType: DetectedType): string {
  const cleaned = cleanDisplayFileName(raw);
  if (cleaned === '') {
    return `file.${{ 'image/jpeg': 'jpg', 'image/png': 'png', 'application/pdf': 'pdf' }[contentType]}`;
  }
  return cleaned;
}

interface ReceivedFile {
  data: Buffer;
  sha256: string;
  contentType: DetectedType;
  rawFileName: string | undefined;
  /** The form's text fields (e.g. personId), whichever side of the file they came. */
  fields: Record<string, string>;
}

/** Streams the multipart body; resolves with the one accepted file or rejects with an UploadError. */
function receiveFile(req: express.Request, maxBytes: number): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers and fetch send file names as raw UTF-8 (诊断证明.pdf), not Latin-1.
        defParamCharset: 'utf8',
        limits: {
          fileSize: maxBytes + 1, // one byte more than allowed: reaching it means too large
          files: 1,
          fields: 5,
          parts: 6,
          fieldSize: 1024,
          headerPairs: 20,
        },
      });
    } catch {
      reject(new UploadError(400, 'UPLOAD_NOT_MULTIPART', NOT_MULTIPART_MESSAGE));
      return;
    }

    let settled = false;
    let tooManyFiles = false;
    const fields: Record<string, string> = {};
    let file:
      | {
          rawFileName: string | undefined;
          size: number;
          head: Buffer;
          chunks: Buffer[];
          hash: ReturnType<typeof createHash>;
          keep: boolean;
        }
      | undefined;

    const fail = (error: UploadError) => {
      if (settled) return;
      settled = true;
      if (file) file.chunks = [];
      // Whatever is left of the body is read and thrown away, so the connection stays usable.
      req.unpipe(parser);
      req.resume();
      reject(error);
    };

    parser.on('file', (name, stream, info) => {
      stream.on('error', () => {}); // reported through the parser's own 'error'
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const state = {
        rawFileName: info.filename,
        size: 0,
        head: Buffer.alloc(0),
        chunks: [] as Buffer[],
        hash: createHash('sha256'),
        keep: true,
      };
      file = state;
      stream.on('data', (chunk: Buffer) => {
        state.size += chunk.length;
        if (state.head.length < DETECT_BYTES) {
          state.head = Buffer.concat([state.head, chunk.subarray(0, DETECT_BYTES - state.head.length)]);
          // Not an accepted type: stop keeping bytes now; the size is still counted for the answer.
          if (state.head.length >= DETECT_BYTES && detectContentType(state.head) === null) state.keep = false;
        }
        if (state.size > maxBytes) state.keep = false;
        if (!state.keep) {
          state.chunks = [];
          return;
        }
        state.chunks.push(chunk);
        state.hash.update(chunk);
      });
    });
    parser.on('field', (name, value) => {
      if (!(name in fields)) fields[name] = value;
    });
    parser.on('filesLimit', () => {
      tooManyFiles = true;
    });
    parser.on('error', () => fail(new UploadError(400, 'UPLOAD_NOT_MULTIPART', NOT_MULTIPART_MESSAGE)));
    parser.on('close', () => {
      if (settled) return;
      if (tooManyFiles) return fail(new UploadError(400, 'UPLOAD_TOO_MANY_FILES', '每次只能上传一个文件'));
      // An empty part is what a browser form sends when no file was chosen.
      if (!file || file.size === 0)
        return fail(new UploadError(400, 'UPLOAD_NO_FILE', '请在 file 字段中选择要上传的文件'));
      if (file.size > maxBytes) {
        return fail(new UploadError(413, 'UPLOAD_TOO_LARGE', `文件超过${sizeLabel(maxBytes)}上限`));
      }
      const contentType = detectContentType(file.head);
      if (!contentType) return fail(new UploadError(415, 'UPLOAD_UNSUPPORTED_TYPE', '仅支持JPEG、PNG或PDF文件'));
      settled = true;
      const data = Buffer.concat(file.chunks, file.size);
      file.chunks = []; // one copy in memory from here on
      resolve({ data, sha256: file.hash.digest('hex'), contentType, rawFileName: file.rawFileName, fields });
    });
    // A client that goes away mid-upload: nothing is stored and nobody is waiting for an answer.
    req.on('close', () => {
      if (!req.complete) {
        parser.destroy();
        fail(new UploadError(400, 'UPLOAD_NOT_MULTIPART', '上传中断'));
      }
    });
    req.pipe(parser);
  });
}

const QUOTA_MESSAGE = (quota: UploadQuotaLedger['quota']) =>
  `今日上传已达上限（每人每天${quota.filesPerDay}个文件、共${sizeLabel(quota.bytesPerDay)}），请明天再上传`;

function sendQuotaExceeded(res: express.Response, ledger: UploadQuotaLedger, retryAfterSeconds: number): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  sendError(res, 429, 'UPLOAD_QUOTA_EXCEEDED', QUOTA_MESSAGE(ledger.quota));
}

export function uploadsRouter(options: UploadsOptions): express.Router {
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0)
    throw new Error('uploadsRouter: maxBytes must be a positive integer');
  const ledger = options.quota ?? new UploadQuotaLedger(options.store);
  const retentionMs = (options.retentionHours ?? DEFAULT_RETENTION_HOURS) * 3600 * 1000;
  const router = express.Router();
  router.options('/uploads', cors());
  router.post('/uploads', cors(), async (req, res) => {
    let identity: Identity;
    try {
      identity = await options.authenticate(req.headers.authorization);
    } catch (e) {
      if (e instanceof AuthError) {
        sendError(res, 401, 'UNAUTHENTICATED', e.message);
        return;
      }
      throw e;
    }
    if (identity.role === 'ANONYMOUS') {
      sendError(res, 401, 'UNAUTHENTICATED', '请先登录后再上传申请材料');
      return;
    }
    // Staff at a region's window may upload for an applicant; national operators change nothing.
    if (identity.role !== 'APPLICANT' && identity.role !== 'REVIEWER' && identity.role !== 'COUNTER_CLERK') {
      sendError(res, 403, 'FORBIDDEN', '只有申请人本人或经办人员可以上传申请材料');
      return;
    }
    if (!req.is('multipart/form-data')) {
      sendError(res, 400, 'UPLOAD_NOT_MULTIPART', NOT_MULTIPART_MESSAGE);
      return;
    }
    // A declared body far beyond the limit is refused before any of it is parsed.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
      sendError(res, 413, 'UPLOAD_TOO_LARGE', `文件超过${sizeLabel(maxBytes)}上限`);
      return;
    }
    // An applicant over the quota is refused before the body is read (the rest is drained).
    if (identity.role === 'APPLICANT' && (await ledger.exhausted(identity.personId))) {
      req.resume();
      sendQuotaExceeded(res, ledger, secondsUntilNextDay(new Date()));
      return;
    }

    let received: ReceivedFile;
    try {
      received = await receiveFile(req, maxBytes);
    } catch (e) {
      if (e instanceof UploadError) {
        sendError(res, e.status, e.code, e.message);
        return;
      }
      throw e;
    }
    const requested = received.fields.personId?.trim() || undefined;
    let personId: string;
    let uploadedBy: Uploader;
    if (identity.role === 'APPLICANT') {
      // An applicant uploads only for themself; naming anybody else is refused, not ignored.
      if (requested !== undefined && requested !== identity.personId) {
        sendError(res, 403, 'FORBIDDEN', '申请人只能为本人上传申请材料');
        return;
      }
      personId = identity.personId;
      uploadedBy = { role: 'APPLICANT', subject: identity.subject };
    } else {
      if (requested === undefined) {
        sendError(res, 400, 'UPLOAD_PERSON_REQUIRED', '经办人员代为上传时，请在 personId 字段填写申请人编号');
        return;
      }
      personId = requested;
      uploadedBy = { role: identity.role, subject: identity.subject, regionCode: identity.regionCode };
    }
    if (!PERSON_ID_PATTERN.test(personId)) {
      sendError(res, 400, 'UPLOAD_INVALID_PERSON', '申请人编号格式不正确');
      return;
    }

    const reservation = await ledger.reserve(personId, received.data.length);
    if (!reservation.ok) {
      sendQuotaExceeded(res, ledger, reservation.retryAfterSeconds);
      return;
    }
    const fileName = cleanFileName(received.rawFileName, received.contentType);
    const uploadedAt = new Date();
    try {
      await options.store.put(received.sha256, received.data, { contentType: received.contentType, fileName });
      await writeOwnership(options.store, options.signingKey, {
        sha256: received.sha256,
        personId,
        uploadedBy,
        size: received.data.length,
        contentType: received.contentType,
        uploadedAt: uploadedAt.toISOString(),
        keepUntil: new Date(uploadedAt.getTime() + retentionMs).toISOString(),
      });
    } catch (e) {
      await reservation.release().catch(() => {});
      throw e;
    }
    const body: UploadedFile = {
      sha256: received.sha256,
      size: received.data.length,
      contentType: received.contentType,
      fileName,
      personId,
    };
    res.status(201).json(body);
  });
  return router;
}
