import { createHash } from 'node:crypto';

import busboy from 'busboy';
import cors from 'cors';
import express from 'express';

import type { Identity } from '../subgraphs/kit/auth/identity';
import {
  DETECT_BYTES,
  detectContentType,
  type DetectedType,
  type FileStore,
  MAX_UPLOAD_BYTES,
} from '../subgraphs/kit/files';
import { cleanFileName as cleanDisplayFileName } from '../subgraphs/kit/text';
import { AuthError } from './auth/jwt';

// POST /uploads: an applicant uploads one material file (诊断证明、病历、照片) as multipart/form-data
// in the field `file`; the answer is its sha256, which application mutations then refer to. The
// file is streamed through busboy and hashed on the way; at most `maxBytes` are ever held in
// memory, and a file is stored only once it has passed every check (size, type by content).

export interface UploadsOptions {
  store: FileStore;
  authenticate: (authorizationHeader: string | undefined) => Promise<Identity>;
  /** Largest accepted file, bytes; default MAX_UPLOAD_BYTES (10 MiB). */
  maxBytes?: number;
}

export interface UploadedFile {
  sha256: string;
  size: number;
  contentType: DetectedType;
  fileName: string;
}

export type UploadErrorCode =
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
 * The client's file name for display (subgraphs/kit/text.ts: path parts, control and format
 * characters such as bidi overrides removed, at most 255 characters); a name that is left empty
 * becomes `file.<ext>`.
 */
export function cleanFileName(raw: string | undefined, contentType: DetectedType): string {
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
      resolve({ data, sha256: file.hash.digest('hex'), contentType, rawFileName: file.rawFileName });
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

export function uploadsRouter(options: UploadsOptions): express.Router {
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0)
    throw new Error('uploadsRouter: maxBytes must be a positive integer');
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
    if (identity.role !== 'APPLICANT') {
      sendError(res, 403, 'FORBIDDEN', '只有申请人可以上传申请材料');
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
    const fileName = cleanFileName(received.rawFileName, received.contentType);
    await options.store.put(received.sha256, received.data, { contentType: received.contentType, fileName });
    const body: UploadedFile = {
      sha256: received.sha256,
      size: received.data.length,
      contentType: received.contentType,
      fileName,
    };
    res.status(201).json(body);
  });
  return router;
}
