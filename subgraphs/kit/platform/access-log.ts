import { performance } from 'node:perf_hooks';

import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import type { GraphQLFormattedError } from 'graphql';

import { isUnexpectedError, markReported } from './graphql/errors';
import { classifyFault } from './graphql/faults';
import { type Logger, requestLogger } from './log';

// One access-log line per GraphQL operation, on the gateway and on every subgraph:
//   {"level":"info","service":"gateway","requestId":"…","operationName":"Regions",
//    "operationType":"query","outcome":"success","durationMs":12.3,"errorCodes":[],"msg":"graphql request"}
// and, for the gateway's metrics, the same summary to a callback. Unexpected errors (no code a
// client can act on) are logged here with their stack and the request id; clients only ever see
// them masked (platform/graphql/errors.ts).

export type Outcome = 'success' | 'partial' | 'error';

export interface RequestSummary {
  service: string;
  requestId: string | undefined;
  operationName: string | null;
  /** query, mutation, subscription; `unknown` when the operation never got that far (parse, auth). */
  operationType: string;
  outcome: Outcome;
  durationSeconds: number;
  /** extensions.code of each error in the response, in order. */
  errorCodes: string[];
  httpStatus?: number;
}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A metric-safe error code: the error's extensions.code, or INTERNAL_SERVER_ERROR / OTHER. */
export function errorCode(error: { extensions?: Record<string, unknown> } | undefined): string {
  const code = error?.extensions?.code;
  if (code === undefined || code === null) return 'INTERNAL_SERVER_ERROR';
  return typeof code === 'string' && CODE.test(code) ? code : 'OTHER';
}

function outcomeOf(data: unknown, errors: readonly unknown[] | undefined): Outcome {
  if (!errors || errors.length === 0) return 'success';
  return data !== null && data !== undefined ? 'partial' : 'error';
}

// When the HTTP request started (before the body was read and the context built): stored on the
// context under a symbol, which Apollo's per-operation copies of a batch's context keep.
const STARTED_AT = Symbol('mente.requestStartedAt');

export function markRequestStart<C extends BaseContext>(contextValue: C, startedAt: number): C {
  Object.defineProperty(contextValue, STARTED_AT, { value: startedAt, enumerable: true, configurable: true });
  return contextValue;
}

function startOf(contextValue: BaseContext): number | undefined {
  const value = (contextValue as Record<symbol, unknown>)[STARTED_AT];
  return typeof value === 'number' ? value : undefined;
}

const requestIdOf = (contextValue: BaseContext): string | undefined => {
  const id = (contextValue as { requestId?: unknown }).requestId;
  return typeof id === 'string' ? id : undefined;
};

export interface AccessLogOptions {
  service: string;
  logger: Logger;
  /** Called once per operation, after its line is logged (metrics). */
  onRequest?: (summary: RequestSummary) => void;
}

export function logRequest(options: AccessLogOptions, summary: RequestSummary): void {
  const log = requestLogger(options.service, summary.requestId ?? '-', options.logger);
  log.info(
    {
      operationName: summary.operationName,
      operationType: summary.operationType,
      outcome: summary.outcome,
      durationMs: Math.round(summary.durationSeconds * 1e6) / 1e3,
      errorCodes: summary.errorCodes,
      ...(summary.httpStatus ? { httpStatus: summary.httpStatus } : {}),
    },
    'graphql request',
  );
  options.onRequest?.(summary);
}

export function accessLogPlugin<C extends BaseContext>(options: AccessLogOptions): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue, request }) {
      const startedAt = startOf(contextValue) ?? performance.now();
      let operationType = 'unknown';
      return {
        async didResolveOperation({ operation, operationName }) {
          operationType = operation?.operation ?? 'unknown';
          trace.getActiveSpan()?.updateName(`graphql ${operationType}${operationName ? ` ${operationName}` : ''}`);
          trace.getActiveSpan()?.setAttributes({
            'graphql.operation.type': operationType,
            ...(operationName ? { 'graphql.operation.name': operationName } : {}),
          });
        },
        async didEncounterErrors({ errors }) {
          const unexpected = errors.filter(isUnexpectedError);
          if (unexpected.length === 0) return;
          const log = requestLogger(options.service, requestIdOf(contextValue) ?? '-', options.logger);
          for (const error of unexpected) {
            log.error(
              { err: error.originalError ?? error, fault: classifyFault(error).code, path: error.path },
              'internal error',
            );
            markReported(error);
          }
        },
        async willSendResponse({ response, operationName }) {
          const body = response.body;
          const single = body.kind === 'single' ? body.singleResult : undefined;
          const errors: readonly GraphQLFormattedError[] | undefined = single?.errors;
          const requestId = requestIdOf(contextValue);
          trace.getActiveSpan()?.setAttribute('mente.request_id', requestId ?? '');
          logRequest(options, {
            service: options.service,
            requestId,
            operationName: operationName ?? request.operationName ?? null,
            operationType,
            outcome: outcomeOf(single?.data, errors),
            durationSeconds: (performance.now() - startedAt) / 1000,
            errorCodes: (errors ?? []).map(errorCode),
            httpStatus: response.http.status,
          });
        },
      };
    },
  };
}
