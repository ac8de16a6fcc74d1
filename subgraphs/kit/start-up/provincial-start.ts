import { AggregatorRegistry, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

import type { RegionDefinition } from '../domain/region-definition';
import type { RegionalContext } from '../graphql/context';
import { buildProvincialSchema, type ProvincialContext } from '../graphql/regional/provincial-schema';
import { lowerFirst } from '../graphql/regional/types';
import { AppealLoaders } from '../persistence/appeal.loader';
import { auditFlushPlugin, Auditor } from '../persistence/audit';
import { type NationalIndexOptions, NationalIndexTransport, routeByChannel } from '../persistence/history-report';
import { NationalClient, type NationalLookup } from '../persistence/national-client';
import { OutboxDispatcher, OutboxMetrics, outboxOptionsFromEnv, transportFromEnv } from '../persistence/outbox';
import { PolicyLoaders } from '../persistence/policy.loader';
import { RecordLoaders } from '../persistence/record.loader';
import { identityResolver } from '../platform/auth/request-identity';
import { initializeWithRetry, migrateOnStart, observeQueries } from '../platform/db/data-source';
import { databaseCheck, type DatabaseState } from '../platform/db/readiness';
import { MaterialFiles } from '../platform/file-owners';
import { fileStoreFromEnv } from '../platform/files';
import { PUBLIC_POLICY_TYPES, publicCachePlugin } from '../platform/graphql/public-cache';
import type { HealthReport } from '../platform/health';
import { logger as rootLogger } from '../platform/log';
import { resolverTimingPlugin, SubgraphMetrics } from '../platform/metrics';
import { type RunningServer, startGraphQLHttpServer } from '../platform/server';
import { AppealWorkflow } from '../workflow/appeals';
import { DEADLINE_HEADER, deadlineOf } from '../workflow/deadline';
import { FeedbackWorkflow } from '../workflow/feedback';
import { ApplicationWorkflow } from '../workflow/workflow';
import { createRegionalDataSource, prepareRegionalDatabase } from './data-source';
import { nationalIndexFromEnv } from './history-config';
import type { StartOptions } from './start';

// One subgraph process, one port, one schema serving several regions (a province's cities). Each
// region keeps what is its own: its database (DATABASE_URL per region: the regions' data never mix,
// migrations, seeds, acceptance-number sequences, outbox and audit stay per region, and a province
// may still put every region's database on one server), its workflow and outbox dispatcher, its
// per-request loaders (caches) and auditor, its readiness in /health, and its own series in
// /metrics (label `region`).

export interface HostedRegion {
  def: RegionDefinition;
  /** This region's database (default: DATABASE_URL of the options, else the embedded one). */
  databaseUrl?: string;
}

export interface ProvincialStartOptions extends Omit<StartOptions, 'databaseUrl' | 'onQuery'> {
  /** Sees every SQL statement, with the region that ran it. */
  onQuery?: (regionCode: string, sql: string) => void;
  /** Default database for regions without their own (each region gets its own data source). */
  databaseUrl?: string;
  /**
   * Each hosted region's national look-ups, signed with that region's own key (default: a
   * NationalClient on NATIONAL_INDEX_URL and REGION_SIGNING_KEY_FILE_<REGION NAME>). Overrides `national`.
   */
  nationalFor?: (regionCode: string) => NationalLookup | null;
  /**
   * Each hosted region's reports to the national history index (default: NATIONAL_INDEX_URL and
   * REGION_SIGNING_KEY_FILE_<REGION NAME>, unless look-ups are given by `national`/`nationalFor`).
   */
  nationalIndexFor?: (regionCode: string) => NationalIndexOptions | null;
}

export interface RegionRuntime {
  def: RegionDefinition;
  dataSource: DataSource;
  workflow: ApplicationWorkflow;
  appeals: AppealWorkflow;
  feedback: FeedbackWorkflow;
  dispatcher: OutboxDispatcher | null;
  metrics: SubgraphMetrics;
}

export interface ProvincialSubgraph extends RunningServer {
  name: string;
  /** Region code → what the process keeps for it. */
  regions: Map<string, RegionRuntime>;
  metrics: SubgraphMetrics;
}

/** Every region's readiness, named: ok only when each hosted region's database answers in time. */
export function provincialReadiness(
  checks: { def: RegionDefinition; check: () => Promise<DatabaseState> }[],
  gauge?: Gauge<'region'>,
): () => Promise<HealthReport> {
  return async () => {
    const states = await Promise.all(checks.map(async ({ def, check }) => ({ def, database: await check() })));
    const regions: Record<string, { name: string; database: DatabaseState }> = {};
    for (const { def, database } of states) {
      regions[def.policy.code] = { name: def.policy.name, database };
      gauge?.set({ region: def.policy.code }, database === 'up' ? 1 : 0);
    }
    const down = states.filter((s) => s.database !== 'up').map((s) => s.def.policy.code);
    return {
      status: down.length === 0 ? 'ok' : 'degraded',
      ...(down.length ? { degradedRegions: down } : {}),
      regions,
    };
  };
}

/** The process's /metrics: its own series plus every region's, each labelled with its region. */
class ProvincialMetricsRegistry extends Registry {
  constructor(private readonly parts: Registry[]) {
    super();
  }
  override async metrics(): Promise<string> {
    const all = await Promise.all(this.parts.map((r) => r.getMetricsAsJSON()));
    return AggregatorRegistry.aggregate(all).metrics();
  }
}

export async function startProvincialSubgraph(
  name: string,
  hosted: readonly HostedRegion[],
  options: ProvincialStartOptions = {},
): Promise<ProvincialSubgraph> {
  if (hosted.length === 0) throw new Error(`${name}: a provincial subgraph hosts at least one region`);
  const log = (options.logger ?? rootLogger).child({ service: name });
  const clock = options.clock ?? (() => new Date());
  const files = new MaterialFiles(options.fileStore ?? fileStoreFromEnv(), options.internalPublicKey ?? null);
  const metrics = new SubgraphMetrics(name);
  // Region → national look-ups (residence, hospital directory): each hosted region asks as itself,
  // with its own key (never the gateway's internal key).
  // The same key signs the city's reports to the national history index (outbox channel INDEX).
  const indexOf = async (def: RegionDefinition): Promise<NationalIndexOptions | null> => {
    if (options.nationalIndexFor) return options.nationalIndexFor(def.policy.code);
    if (options.nationalFor || options.national) return null;
    const keyVar = `REGION_SIGNING_KEY_FILE_${def.subgraph.toUpperCase().replace(/-/g, '_')}`;
    return nationalIndexFromEnv(def.policy.code, process.env, keyVar);
  };
  const nationalOf = (def: RegionDefinition, index: NationalIndexOptions | null): NationalLookup | null => {
    if (options.nationalFor) return options.nationalFor(def.policy.code);
    if (options.national) return options.national;
    return index ? new NationalClient({ ...index, regionCode: def.policy.code, logger: log }) : null;
  };
  const ready = new Gauge<'region'>({
    name: 'mente_region_database_up',
    help: 'Whether a hosted region’s database answered the last readiness check (1) or not (0).',
    labelNames: ['region'],
    registers: [metrics.registry],
  });
  const regions = new Map<string, RegionRuntime>();
  const closeAll = async () => {
    for (const r of regions.values()) {
      await r.dispatcher?.stop();
      if (r.dataSource.isInitialized) await r.dataSource.destroy();
    }
  };
  try {
    for (const { def, databaseUrl } of hosted) {
      const url = databaseUrl ?? options.databaseUrl ?? process.env.DATABASE_URL;
      const code = def.policy.code;
      const ds = createRegionalDataSource(
        def,
        url,
        options.onQuery ? (sql: string) => options.onQuery!(code, sql) : undefined,
      );
      const regionLog = log.child({ region: code });
      await initializeWithRetry(ds, { tries: options.connectTries, log: (line) => regionLog.warn(line) });
      const index = await indexOf(def);
      const national = nationalOf(def, index);
      const regionMetrics = new SubgraphMetrics(name, { processMetrics: false });
      regionMetrics.registry.setDefaultLabels({ service: name, region: code });
      observeQueries(ds, regionMetrics.observeQuery);
      const runtime: RegionRuntime = {
        def,
        dataSource: ds,
        workflow: new ApplicationWorkflow(ds, def, files, clock, national),
        appeals: new AppealWorkflow(ds, def, files, clock, national),
        feedback: new FeedbackWorkflow(ds, def, clock),
        dispatcher: null,
        metrics: regionMetrics,
      };
      regions.set(code, runtime);
      if (options.prepare ?? migrateOnStart(url)) {
        await prepareRegionalDatabase(ds, def, options.log ?? ((line) => regionLog.info(line)));
      }
      if (options.notifications !== false) {
        runtime.dispatcher = new OutboxDispatcher(
          ds,
          routeByChannel(
            options.notifications ?? transportFromEnv(process.env, (line) => regionLog.info(line)),
            index ? new NationalIndexTransport(code, index) : null,
          ),
          {
            ...outboxOptionsFromEnv(process.env),
            metrics: new OutboxMetrics(regionMetrics.registry),
            log: (line) => regionLog.warn(line),
          },
        );
      }
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  const defs = hosted.map((h) => h.def);
  const schema = await buildProvincialSchema({ name, regions: defs });
  const resolveIdentity = identityResolver(options.internalPublicKey, name, {
    onRejected: ({ reason, detail }) => log.warn({ reason, detail }, 'internal token refused'),
  });
  for (const r of regions.values()) r.dispatcher?.start();
  const server = await startGraphQLHttpServer<ProvincialContext>(
    {
      name,
      schema,
      metrics: new ProvincialMetricsRegistry([
        metrics.registry,
        ...[...regions.values()].map((r) => r.metrics.registry),
      ]),
      metricsPort: options.metricsPort,
      plugins: [
        resolverTimingPlugin(metrics.resolverDuration),
        auditFlushPlugin((err) => log.error({ err }, 'audit rows could not be written')),
        publicCachePlugin({
          publicTypes: new Set([...PUBLIC_POLICY_TYPES, ...defs.map((d) => `${d.prefix}Region`)]),
          publicRootFields: new Set(defs.map((d) => `${lowerFirst(d.prefix)}Region`)),
        }),
      ],
      logger: options.logger,
      shutdownDelayMs: options.shutdownDelayMs,
      limits: options.limits,
      exposeSchema: options.exposeSchema,
      tls: options.tls,
      context: async (req) => {
        const { identity, requestId } = await resolveIdentity(req);
        const made = new Map<string, RegionalContext>();
        const deadline = deadlineOf(req.headers[DEADLINE_HEADER]);
        return {
          identity,
          requestId,
          deadline,
          clock,
          region(code: string): RegionalContext {
            let ctx = made.get(code);
            if (!ctx) {
              const runtime = regions.get(code);
              if (!runtime) throw new Error(`${name} does not host region ${code}`);
              const ds = runtime.dataSource;
              ctx = {
                identity,
                requestId,
                loaders: new PolicyLoaders(ds),
                records: new RecordLoaders(ds, clock),
                audit: new Auditor(ds, identity, requestId),
                workflow: runtime.workflow,
                appeals: runtime.appeals,
                feedback: runtime.feedback,
                appealRecords: new AppealLoaders(ds),
                deadline,
                clock,
                remoteCare: runtime.def.policy.remoteCare ?? null,
                ds,
              };
              made.set(code, ctx);
            }
            return ctx;
          },
          audit: {
            flush: async () => {
              await Promise.all([...made.values()].map((c) => c.audit.flush()));
            },
          },
        };
      },
      health: provincialReadiness(
        [...regions.values()].map((r) => ({
          def: r.def,
          check: databaseCheck(r.dataSource, options.healthDbTimeoutMs),
        })),
        ready,
      ),
    },
    options.port ?? Number(process.env.PORT ?? 0),
  );
  return {
    ...server,
    name,
    regions,
    metrics,
    async close() {
      await server.close();
      await closeAll();
    },
  };
}
