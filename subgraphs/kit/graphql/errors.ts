import type { GraphQLFormattedError } from 'graphql';

/**
 * What a client may see of an error: message, path, locations and extensions — never a stack
 * trace. Unexpected errors (no code a client can act on) lose their message too.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { stacktrace: _stack, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const code = extensions.code;
  if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
    if (process.env.NODE_ENV !== 'test') console.error('internal error:', error);
    return { ...formatted, message: '服务内部错误，请稍后重试', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  return { ...formatted, extensions };
}
