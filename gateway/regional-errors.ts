import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

import { NATIONAL, REGIONS } from '../schema/registry';
import type { GatewayContext } from './context';

// The one place where a subgraph's failure becomes what a client sees: a code, whether retrying
// can help, and the subgraph (for a region: its code and name) it came from. SubgraphDataSource
// builds every failure it observes (timeout, connection, HTTP status, circuit open) with
// subgraphFailure and passes every error a subgraph answers through classifySubgraphError; the
// plugin below puts the region's name and the right path on them once the response is assembled.

/** Codes of a failed subgraph, each with whether the same request may succeed later. */
const SUBGRAPH_FAILURE_RETRYABLE = {
  /** No answer within SUBGRAPH_TIMEOUT_MS (or the subgraph rolled back at the deadline). */
  SUBGRAPH_TIMEOUT: true,
  /** Not reachable: connection refused or cut before sending, HTTP 502/503/504, or its circuit is open. */
  SUBGRAPH_UNAVAILABLE: true,
  /** The region's database is unreachable, timed out or lacks a table (the subgraph says so). */
  REGION_DATABASE_UNAVAILABLE: true,
  /** A bug or a misconfiguration (HTTP 500, 401 to the gateway's token, unreadable answer). */
  SUBGRAPH_ERROR: false,
  /** A mutation was sent but no answer came: it may or may not have been done; retry with the same idempotency key. */
  OUTCOME_UNKNOWN: true,
} as const;

export type SubgraphFailureCode = keyof typeof SUBGRAPH_FAILURE_RETRYABLE;

export const isSubgraphFailureCode = (code: unknown): code is SubgraphFailureCode =>
  typeof code === 'string' && Object.hasOwn(SUBGRAPH_FAILURE_RETRYABLE, code);

/** serviceName, and for a region its code and name. */
export function subgraphNaming(subgraph: string): { serviceName: string; regionCode?: string; regionName?: string } {
  const region = REGIONS.find((r) => r.subgraph === subgraph);
  return region
    ? { serviceName: subgraph, regionCode: region.code, regionName: region.name }
    : { serviceName: subgraph };
}

/** How a message names the subgraph: 云浮市区域服务, 全国服务. */
function label(subgraph: string): string {
  const region = REGIONS.find((r) => r.subgraph === subgraph);
  if (region) return `${region.name}区域服务`;
  // A provincial subgraph: every region it serves is named.
  const hosted = REGIONS.filter((r) => r.host === subgraph);
  if (hosted.length) return `${hosted.map((r) => r.name).join('、')}区域服务`;
  return subgraph === NATIONAL.name ? '全国服务' : `服务 ${subgraph}`;
}

export interface FailureDetails {
  /** Replaces the default message (already names no address). */
  message?: string;
  path?: readonly (string | number)[];
  /** Kept for the gateway's own logs; never reaches the client. */
  originalError?: Error;
  extensions?: Record<string, unknown>;
}

const DEFAULT_MESSAGES: Record<SubgraphFailureCode, (who: string, extensions: Record<string, unknown>) => string> = {
  SUBGRAPH_TIMEOUT: (who, e) =>
    typeof e.timeoutMs === 'number'
      ? `${who}在 ${e.timeoutMs} 毫秒内未响应，请稍后重试`
      : `${who}未及时响应，请稍后重试`,
  SUBGRAPH_UNAVAILABLE: (who, e) =>
    e.circuit === 'open' ? `${who}连续无法访问，暂停访问中，请稍后重试` : `${who}暂时无法连接，请稍后重试`,
  REGION_DATABASE_UNAVAILABLE: (who) => `${who}的数据库暂时不可用，请稍后重试`,
  SUBGRAPH_ERROR: (who, e) =>
    typeof e.status === 'number' ? `${who}暂时无法响应（HTTP ${e.status}）` : `${who}内部错误，请联系运维人员`,
  OUTCOME_UNKNOWN: (who) => `${who}网络超时，无法确认办理结果，请使用相同的幂等键重新提交以获取结果`,
};

/** A failure of `subgraph` as the client will see it: code, retryable, naming, Chinese message. */
export function subgraphFailure(
  subgraph: string,
  code: SubgraphFailureCode,
  details: FailureDetails = {},
): GraphQLError {
  const extensions = {
    ...details.extensions,
    code,
    // A subgraph's own word on retrying (classifySubgraphError) is kept.
    retryable:
      typeof details.extensions?.retryable === 'boolean'
        ? details.extensions.retryable
        : SUBGRAPH_FAILURE_RETRYABLE[code],
    ...subgraphNaming(subgraph),
  };
  return new GraphQLError(details.message ?? DEFAULT_MESSAGES[code](label(subgraph), extensions), {
    ...(details.path ? { path: details.path } : {}),
    ...(details.originalError ? { originalError: details.originalError } : {}),
    extensions,
  });
}

interface ReceivedError {
  message?: unknown;
  path?: unknown;
  locations?: unknown;
  extensions?: Record<string, unknown>;
}

/**
 * An error a subgraph answered, as the client will see it. The contract's codes
 * (REGION_DATABASE_UNAVAILABLE, SUBGRAPH_ERROR, SUBGRAPH_TIMEOUT) get `retryable` and the
 * subgraph's naming; an error with no code or INTERNAL_SERVER_ERROR is a bug there
 * (SUBGRAPH_ERROR); every other code (BAD_USER_INPUT, FORBIDDEN, NOT_FOUND, ...) passes unchanged.
 */
export function classifySubgraphError<E extends ReceivedError>(subgraph: string, error: E): E {
  const code = error.extensions?.code;
  if (code !== undefined && code !== 'INTERNAL_SERVER_ERROR' && !isSubgraphFailureCode(code)) return error;
  const failure: SubgraphFailureCode = isSubgraphFailureCode(code) ? code : 'SUBGRAPH_ERROR';
  // A subgraph's own word on retrying is kept; a bug's text (masked there anyway) is not passed on.
  const retryable =
    typeof error.extensions?.retryable === 'boolean' ? error.extensions.retryable : SUBGRAPH_FAILURE_RETRYABLE[failure];
  const message =
    failure !== 'SUBGRAPH_ERROR' && typeof error.message === 'string' && error.message
      ? error.message
      : DEFAULT_MESSAGES[failure](label(subgraph), error.extensions ?? {});
  return {
    ...error,
    message,
    extensions: { ...error.extensions, code: failure, retryable, ...subgraphNaming(subgraph) },
  };
}

// Errors from a regional subgraph name the region, so a client can tell which part of a
// cross-region answer is missing. The national subgraph returns `regions` and `Person.records`
// in registry order, which lets the path be put right where @apollo/gateway 2.14 gets it wrong:
// - an _entities error carries the index the entity had in that subgraph's own fetch (0 for the
//   only Yunfu record) rather than its index in the list: restored from the registry;
// - a failed fetch (region down, timed out, HTTP 500) carries no path at all: it gets one error
//   per region entry the failure left null.

const REGION_LISTS = new Set(['regions']);
// Lists bounded by the person's history (Person.records, Person.notifications): registry order,
// but only some regions. A null entry there belongs to a failing region: with k regions failing,
// the i-th null of a list is the i-th failing region's (both in registry order).
const BOUNDED_LISTS = new Set(['records', 'notifications']);

type Path = (string | number)[];

/** Paths of the null entries of bounded lists that belong to the `rank`-th of `failing` failing regions. */
function boundedNullEntries(data: unknown, rank: number, failing: number, at: Path = []): Path[] {
  if (data === null || typeof data !== 'object') return [];
  if (Array.isArray(data)) return data.flatMap((item, i) => boundedNullEntries(item, rank, failing, [...at, i]));
  return Object.entries(data).flatMap(([key, value]) => {
    const here = [...at, key];
    if (BOUNDED_LISTS.has(key) && Array.isArray(value)) {
      const nulls = value.flatMap((item, i) => (item === null ? [i] : []));
      const own = failing === 1 ? nulls : nulls.length === failing && rank >= 0 ? [nulls[rank]!] : [];
      return [
        ...own.map((i) => [...here, i]),
        ...value.flatMap((item, i) => boundedNullEntries(item, rank, failing, [...here, i])),
      ];
    }
    return boundedNullEntries(value, rank, failing, here);
  });
}

/** Paths of the entries of `regionIndex` in every region-ordered list of the response that are null. */
function nullRegionEntries(data: unknown, regionIndex: number, at: Path = []): Path[] {
  if (data === null || typeof data !== 'object') return [];
  if (Array.isArray(data)) return data.flatMap((item, i) => nullRegionEntries(item, regionIndex, [...at, i]));
  return Object.entries(data).flatMap(([key, value]) => {
    const here = [...at, key];
    if (REGION_LISTS.has(key) && Array.isArray(value)) {
      const own = value[regionIndex] === null ? [[...here, regionIndex]] : [];
      return [...own, ...value.flatMap((item, i) => nullRegionEntries(item, regionIndex, [...here, i]))];
    }
    return nullRegionEntries(value, regionIndex, here);
  });
}

export function regionalErrorsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          const data = response.body.singleResult.data;
          const failing = REGIONS.filter((r) => errors.some((e) => e.extensions?.serviceName === r.subgraph));
          response.body.singleResult.errors = errors.flatMap((error) => {
            const region = REGIONS.find((r) => r.subgraph === error.extensions?.serviceName);
            if (!region) return [error];
            const extensions = { ...error.extensions, regionCode: region.code, regionName: region.name };
            const index = REGIONS.indexOf(region);
            const rank = failing.indexOf(region);
            if (!error.path) {
              const paths = [...nullRegionEntries(data, index), ...boundedNullEntries(data, rank, failing.length)];
              return paths.length ? paths.map((path) => ({ ...error, path, extensions })) : [{ ...error, extensions }];
            }
            const path = [...error.path];
            const listAt = path.findIndex((p, i) => REGION_LISTS.has(String(p)) && typeof path[i + 1] === 'number');
            if (listAt >= 0) path[listAt + 1] = index;
            const boundedAt = path.findIndex((p, i) => BOUNDED_LISTS.has(String(p)) && typeof path[i + 1] === 'number');
            if (boundedAt >= 0) {
              // The entity's index in the region's own fetch: put right from the nulls the failure left.
              const list = path.slice(0, boundedAt + 1).reduce<unknown>((at, key) => (at as never)?.[key], data);
              const own = Array.isArray(list)
                ? boundedNullEntries({ [String(path[boundedAt])]: list }, rank, failing.length)
                : [];
              if (own.length === 1) path[boundedAt + 1] = own[0]![1]!;
            }
            return [{ ...error, path, extensions }];
          });
        },
      };
    },
  };
}
