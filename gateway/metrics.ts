import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import type { RequestSummary } from '../subgraphs/kit/platform/access-log';
import { createMetricsRegistry, LATENCY_BUCKETS } from '../subgraphs/kit/platform/metrics';
import { CIRCUIT_STATE_VALUE, type CircuitState } from './circuit-breaker';

/** The codes SubgraphDataSource gives a failed subgraph fetch. */
const SUBGRAPH_FETCH_ERROR_CODES = [
  'SUBGRAPH_TIMEOUT',
  'SUBGRAPH_UNAVAILABLE',
  'SUBGRAPH_ERROR',
  'OUTCOME_UNKNOWN',
  'BAD_USER_INPUT',
] as const;

/** The gateway's Prometheus metrics, in a registry of its own (GET /metrics). */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'operation_type' | 'outcome'>;
  readonly requestDuration: Histogram<'operation_type'>;
  readonly errors: Counter<'code'>;
  readonly subgraphFetchDuration: Histogram<'subgraph'>;
  readonly subgraphFetchErrors: Counter<'subgraph' | 'code'>;
  readonly subgraphFetchesShared: Counter<'subgraph'>;
  readonly circuitState: Gauge<'subgraph'>;
  readonly circuitTransitions: Counter<'subgraph' | 'to'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = createMetricsRegistry('gateway', options);
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'mente_gateway_requests_total',
      help: 'GraphQL operations answered, by operation type and outcome (success, partial, error).',
      labelNames: ['operation_type', 'outcome'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'mente_gateway_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its response.',
      labelNames: ['operation_type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'mente_gateway_errors_total',
      help: 'Errors in GraphQL responses, by extensions.code.',
      labelNames: ['code'],
      registers,
    });
    this.subgraphFetchDuration = new Histogram({
      name: 'mente_subgraph_fetch_duration_seconds',
      help: 'Duration of one gateway → subgraph fetch, failed ones included.',
      labelNames: ['subgraph'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.subgraphFetchErrors = new Counter({
      name: 'mente_subgraph_fetch_errors_total',
      help: 'Failed gateway → subgraph fetches, by subgraph and code.',
      labelNames: ['subgraph', 'code'],
      registers,
    });
    this.subgraphFetchesShared = new Counter({
      name: 'mente_subgraph_fetches_shared_total',
      help: 'Subgraph fetches answered by an identical anonymous query already in flight (no request of their own).',
      labelNames: ['subgraph'],
      registers,
    });
    this.circuitState = new Gauge({
      name: 'mente_subgraph_circuit_state',
      help: "The subgraph's circuit breaker: 0 closed, 1 half-open (one probe allowed), 2 open (fetches fail fast).",
      labelNames: ['subgraph'],
      registers,
    });
    this.circuitTransitions = new Counter({
      name: 'mente_subgraph_circuit_transitions_total',
      help: "Changes of the subgraph's circuit breaker state, by the state entered.",
      labelNames: ['subgraph', 'to'],
      registers,
    });
  }

  /** For CircuitBreaker's onTransition. */
  readonly recordCircuit = (subgraph: string, to: CircuitState): void => {
    this.circuitState.set({ subgraph }, CIRCUIT_STATE_VALUE[to]);
    this.circuitTransitions.inc({ subgraph, to });
  };

  /** Zero series for a subgraph, so a rate() over its errors exists before the first one. */
  registerSubgraph(subgraph: string): void {
    for (const code of SUBGRAPH_FETCH_ERROR_CODES) this.subgraphFetchErrors.inc({ subgraph, code }, 0);
    this.subgraphFetchesShared.inc({ subgraph }, 0);
  }

  /** For the access-log plugin's onRequest. */
  readonly recordRequest = (summary: RequestSummary): void => {
    this.requests.inc({ operation_type: summary.operationType, outcome: summary.outcome });
    this.requestDuration.observe({ operation_type: summary.operationType }, summary.durationSeconds);
    for (const code of summary.errorCodes) this.errors.inc({ code });
  };
}
