import type { GraphQLFormattedError } from 'graphql';

import { logger } from '../log';

/** An error with no code a client can act on: masked for clients, logged with its stack. */
export function isUnexpectedError(error: { extensions?: Record<string, unknown> }): boolean {
  const code = error.extensions?.code;
  return code === undefined || code === 'INTERNAL_SERVER_ERROR';
}

// Errors the access-log plugin already logged with their request id; maskError logs the rest.
const reported = new WeakSet<object>();

export function markReported(error: object): void {
  reported.add(error);
}

/**
 * What a client may see of an error: message, path, locations and extensions — never a stack
 * trace. Unexpected errors (no code a client can act on) lose their message too.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { stacktrace: _stack, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const code = extensions.code;
  if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
    if (!(typeof error === 'object' && error !== null && reported.has(error))) {
      logger.error({ err: error }, 'internal error');
    }
    return { ...formatted, message: '服务内部错误，请稍后重试', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  return { ...formatted, extensions };
}
