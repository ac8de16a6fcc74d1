import type { GraphQLFormattedError } from 'graphql';

import { logger } from '../log';
import { classifyFault, describeCause } from './faults';

// graphql-js stops coercing variables after 50 bad values with this codeless error: the client's mistake.
const TOO_MANY_VARIABLE_ERRORS = /^Too many errors processing variables/;

// Codes of our scalars (scalars.ts): kept when validation wraps a literal's error as GRAPHQL_VALIDATION_FAILED.
const SCALAR_CODES = new Set(['INVALID_DATE', 'INVALID_DATE_TIME', 'INVALID_MONEY']);

/**
 * The error's code; a client's input error that graphql-js leaves without one gets BAD_USER_INPUT
 * (also when Apollo Server has already filled the gap with INTERNAL_SERVER_ERROR, as it does
 * before a subgraph's formatError sees it: 50 null representations sent to `_entities`).
 */
function codeOf(error: { message?: string; extensions?: Record<string, unknown> }): unknown {
  const code = error.extensions?.code;
  if ((code === undefined || code === 'INTERNAL_SERVER_ERROR') && TOO_MANY_VARIABLE_ERRORS.test(error.message ?? ''))
    return 'BAD_USER_INPUT';
  return code;
}

/** An error with no code a client can act on: masked for clients, logged with its stack. */
export function isUnexpectedError(error: { message?: string; extensions?: Record<string, unknown> }): boolean {
  const code = codeOf(error);
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
  return mask(formatted, error, false);
}

/**
 * maskError for a subgraph: an unexpected error is classified at its source, as
 * REGION_DATABASE_UNAVAILABLE (retryable) or SUBGRAPH_ERROR (a bug, not retryable).
 */
export function maskSubgraphError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  return mask(formatted, error, true);
}

function mask(formatted: GraphQLFormattedError, error: unknown, classify: boolean): GraphQLFormattedError {
  const { stacktrace: _stack, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const scalar = scalarError(error);
  if (scalar) {
    // graphql-js wraps our scalar's Chinese message in English and echoes the whole value: say only where and what.
    const at = VARIABLE_PATH.exec(formatted.message)?.[1];
    return {
      ...formatted,
      message: at ? `${at}：${scalar.message}` : scalar.message,
      extensions: { ...extensions, code: scalar.code, ...(at ? { field: at } : {}) },
    };
  }
  const code = codeOf({ message: formatted.message, extensions });
  if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
    const reportedAlready = typeof error === 'object' && error !== null && reported.has(error);
    if (!classify) {
      if (!reportedAlready) logger.error({ err: error }, 'internal error');
      return { ...formatted, message: '服务内部错误，请稍后重试', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    const fault = classifyFault(error);
    // One line with the cause; the statement and its values stay out of logs and answers.
    if (!reportedAlready) logger.error({ fault: fault.code, cause: describeCause(error) }, 'request failed');
    return {
      ...formatted,
      message: fault.message,
      extensions: { code: fault.code, retryable: fault.retryable },
    };
  }
  return { ...formatted, extensions: { ...extensions, code } };
}

// 'Variable "$input" got invalid value "x" at "input.materials[0].issuedOn"; …' → input.materials[0].issuedOn
const VARIABLE_PATH = /^Variable "\$[^"]*" got invalid value [\s\S]*? at "([^"]{1,200})"; /;

/** The error one of our scalars (scalars.ts) threw for a bad input value, under graphql-js's wrapping. */
function scalarError(error: unknown): { code: string; message: string } | undefined {
  const original = (error as { originalError?: { message?: unknown; extensions?: Record<string, unknown> } } | null)
    ?.originalError;
  const code = original?.extensions?.code;
  if (typeof code !== 'string' || !SCALAR_CODES.has(code) || typeof original?.message !== 'string') return undefined;
  return { code, message: original.message };
}
