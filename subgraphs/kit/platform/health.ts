/** What a readiness check answers: `ok` or `degraded`, with details (database state, …). */
export interface HealthReport {
  status: 'ok' | 'degraded';
  [key: string]: unknown;
}
