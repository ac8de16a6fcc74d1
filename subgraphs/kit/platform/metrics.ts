import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  isCompositeType,
  isIntrospectionType,
  isListType,
  isNonNullType,
} from 'graphql';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

import type { QueryObservation } from './db/data-source';

// Prometheus metrics, served at GET /metrics. Each server instance has its own registry (never
// prom-client's global one), so several servers in one process — the tests, the fan-out bench —
// keep separate numbers.

/** A registry with the service's name on every series and, by default, the process metrics. */
export function createMetricsRegistry(service: string, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Short-running work: resolvers, queries, subgraph fetches (seconds). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** SELECT, INSERT, … — a bounded label from a statement's first keyword. */
function statementKind(sql: string): string {
  const keyword = /^\s*(?:\/\*.*?\*\/\s*)*([A-Za-z]+)/s.exec(sql)?.[1]?.toUpperCase();
  switch (keyword) {
    case 'SELECT':
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
      return keyword;
    case 'START':
    case 'BEGIN':
    case 'COMMIT':
    case 'ROLLBACK':
    case 'SAVEPOINT':
    case 'RELEASE':
      return 'TRANSACTION';
    default:
      return 'OTHER';
  }
}

/** A subgraph's own metrics: resolver time and database statements. */
export class SubgraphMetrics {
  readonly registry: Registry;
  readonly resolverDuration: Histogram<'type' | 'field'>;
  readonly dbQueryDuration: Histogram<'operation'>;
  readonly dbQueries: Counter<'operation' | 'outcome'>;

  constructor(service: string, options: { processMetrics?: boolean } = {}) {
    this.registry = createMetricsRegistry(service, options);
    this.resolverDuration = new Histogram({
      name: 'mente_resolver_duration_seconds',
      help: 'Time spent resolving fields that do work (root fields, entity references, object-valued and argument-taking fields).',
      labelNames: ['type', 'field'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.dbQueryDuration = new Histogram({
      name: 'mente_db_query_duration_seconds',
      help: 'Database statement execution time as measured by the driver.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.dbQueries = new Counter({
      name: 'mente_db_queries_total',
      help: 'Database statements run, by kind and outcome.',
      labelNames: ['operation', 'outcome'],
      registers: [this.registry],
    });
  }

  /** For observeQueries(dataSource, …): one call per statement the data source ran. */
  readonly observeQuery = (event: QueryObservation): void => {
    const operation = statementKind(event.query);
    this.dbQueries.inc({ operation, outcome: event.success ? 'ok' : 'error' });
    if (event.success && typeof event.executionTime === 'number') {
      this.dbQueryDuration.observe({ operation }, event.executionTime / 1000);
    }
  };
}

/**
 * Whether a field's resolver is worth timing: fields of the root types and of entity lookups,
 * fields returning objects or lists of them, and fields with arguments. A scalar property read
 * (`name`, `code`) is not: timing every one would cost more than it tells.
 */
function isTimedField(parentType: GraphQLObjectType, field: GraphQLField<unknown, unknown>, schema: GraphQLSchema) {
  if (isIntrospectionType(parentType)) return false;
  if (parentType === schema.getQueryType() || parentType === schema.getMutationType()) return true;
  if (field.args.length > 0) return true;
  let type = field.type;
  while (isNonNullType(type) || isListType(type)) type = type.ofType;
  return isCompositeType(type);
}

/** mente_resolver_duration_seconds{type,field} for the fields isTimedField selects. */
export function resolverTimingPlugin<C extends BaseContext>(
  histogram: Histogram<'type' | 'field'>,
): ApolloServerPlugin<C> {
  const timed = new WeakMap<object, boolean>();
  return {
    async requestDidStart() {
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              const field = info.parentType.getFields()[info.fieldName];
              if (!field) return;
              let selected = timed.get(field);
              if (selected === undefined) {
                selected = isTimedField(info.parentType, field, info.schema);
                timed.set(field, selected);
              }
              if (!selected) return;
              const end = histogram.startTimer({ type: info.parentType.name, field: info.fieldName });
              return () => {
                end();
              };
            },
          };
        },
      };
    },
  };
}
