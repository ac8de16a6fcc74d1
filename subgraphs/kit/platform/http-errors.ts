import type express from 'express';

import type { Logger } from './log';

// Requests that never become a GraphQL operation — a client that goes away mid-body, a body that
// is not JSON, too large or of the wrong content type — are a client's doing, not the server's:
// each is answered (when the client is still there) with a GraphQL-shaped error and logged as ONE
// line with its reason, never with a stack trace.

interface BodyError {
  type?: string;
  status?: number;
  limit?: number;
  received?: number;
  expected?: number;
}

function requestFields(req: express.Request, res: express.Response) {
  return {
    requestId: typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined,
    method: req.method,
    path: req.originalUrl.split('?')[0]!.slice(0, 200),
  };
}

function sendError(res: express.Response, status: number, code: string, message: string, extra = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/**
 * A POST to GraphQL must be JSON: anything else (text/plain, forms, multipart, none) gets 415
 * here, before Apollo, with one log line.
 */
export function requireJsonPost(log: Logger): express.RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || req.is('application/json')) return next();
    const contentType = String(req.headers['content-type'] ?? '').slice(0, 100);
    log.warn({ ...requestFields(req, res), status: 415, reason: 'content-type', contentType }, 'bad request');
    // The body is not read: close the connection after the answer rather than drain it.
    res.setHeader('connection', 'close');
    sendError(res, 415, 'BAD_REQUEST', '请求体须为 JSON（Content-Type: application/json）');
  };
}

/** A body that is aborted, too large or not JSON: one line, and a GraphQL-shaped answer. */
export function bodyErrorHandler(log: Logger): express.ErrorRequestHandler {
  return (err: BodyError, req, res, next) => {
    if (res.headersSent) return next(err);
    const fields = requestFields(req, res);
    if (err.type === 'request.aborted') {
      // Nobody is left to answer.
      log.info({ ...fields, reason: 'aborted', received: err.received, expected: err.expected }, 'request aborted');
      return;
    }
    if (err.type === 'entity.too.large') {
      log.warn({ ...fields, status: 413, reason: 'too-large', limit: err.limit }, 'bad request');
      sendError(res, 413, 'REQUEST_TOO_LARGE', `请求体过大（上限 ${err.limit} 字节）`, { limit: err.limit });
    } else if (err.type === 'entity.parse.failed') {
      log.warn({ ...fields, status: 400, reason: 'invalid-json' }, 'bad request');
      sendError(res, 400, 'BAD_REQUEST', '请求体不是合法的 JSON');
    } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      // Other body-parser refusals: unsupported charset or encoding, a wrong content length.
      log.warn({ ...fields, status: err.status, reason: err.type ?? 'bad-request' }, 'bad request');
      sendError(res, err.status, 'BAD_REQUEST', '请求无法解析');
    } else {
      log.error({ err, ...fields }, 'request failed');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', '服务内部错误，请稍后重试');
    }
  };
}
