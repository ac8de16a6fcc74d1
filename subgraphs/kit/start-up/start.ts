import type { KeyLike } from 'jose';
import type { DataSource } from 'typeorm';

import type { RegionDefinition } from '../domain/region-definition';
import type { RegionalContext } from '../graphql/context';
import { buildRegionalSchema } from '../graphql/regional/schema';
import { lowerFirst } from '../graphql/regional/types';
import { AppealLoaders } from '../persistence/appeal.loader';
import { auditFlushPlugin, Auditor } from '../persistence/audit';
import { type NationalIndexOptions, NationalIndexTransport, routeByChannel } from '../persistence/history-report';
import { nationalClientFromEnv, type NationalLookup } from '../persistence/national-client';
import {
  type NotificationTransport,
  OutboxDispatcher,
  OutboxMetrics,
  outboxOptionsFromEnv,
  transportFromEnv,
} from '../persistence/outbox';
import { PolicyLoaders } from '../persistence/policy.loader';
import { RecordLoaders } from '../persistence/record.loader';
import { identityResolver } from '../platform/auth/request-identity';
import { initializeWithRetry, migrateOnStart, observeQueries } from '../platform/db/data-source';
import { databaseReadiness } from '../platform/db/readiness';
import { MaterialFiles } from '../platform/file-owners';
import { type FileStore, fileStoreFromEnv } from '../platform/files';
import { PUBLIC_POLICY_TYPES, publicCachePlugin } from '../platform/graphql/public-cache';
import { logger as rootLogger } from '../platform/log';
import { resolverTimingPlugin, SubgraphMetrics } from '../platform/metrics';
import { type RunningServer, startGraphQLHttpServer } from '../platform/server';
import type { SubgraphServerOptions } from '../platform/subgraph-options';
import { AppealWorkflow } from '../workflow/appeals';
import { DEADLINE_HEADER, deadlineOf } from '../workflow/deadline';
import { FeedbackWorkflow } from '../workflow/feedback';
import { ApplicationWorkflow } from '../workflow/workflow';
import { createRegionalDataSource, prepareRegionalDatabase } from './data-source';

export interface RegionalSubgraph extends RunningServer {
  dataSource: DataSource;
  metrics: SubgraphMetrics;
  /** Delivers the outbox; null when started with notifications: false. */
  dispatcher: OutboxDispatcher | null;
}

export interface StartOptions extends SubgraphServerOptions {
  /** Run migrations and seed at start-up (default: on for the embedded database). */
  prepare?: boolean;
  onQuery?: (sql: string) => void;
  log?: (line: string) => void;
  /**
   * The gateway's public key for internal tokens. Without one every request is anonymous:
   * public policy only.
   */
  internalPublicKey?: KeyLike | null;
  /** Where uploaded material files are checked (default: UPLOAD_DIR). */
  fileStore?: FileStore;
  /** Delivers notifications from the outbox (default: logged); false = no dispatcher. */
  notifications?: NotificationTransport | false;
  /**
   * Where the outbox reports this region's new history (submissions, remote-care filings) to the
   * national index; without it those reports wait in the outbox (retried) until one is configured.
   */
  nationalIndex?: NationalIndexOptions;
  /** The clock the workflow reads (tests pin it to a date); default: the system clock. */
  clock?: () => Date;
  /** Region → national look-ups (residence, hospital directory); default: nationalClientFromEnv. */
  national?: NationalLookup;
}

export async function startRegionalSubgraph(
  def: RegionDefinition,
  options: StartOptions = {},
): Promise<RegionalSubgraph> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  const ds = createRegionalDataSource(def, url, options.onQuery);
  const log = (options.logger ?? rootLogger).child({ service: def.subgraph });
  await initializeWithRetry(ds, { tries: options.connectTries, log: (line) => log.warn(line) });
  const metrics = new SubgraphMetrics(def.subgraph);
  observeQueries(ds, metrics.observeQuery);
  const prepare = options.prepare ?? migrateOnStart(url);
  if (prepare) await prepareRegionalDatabase(ds, def, options.log ?? ((line) => log.info(line)));
  const schema = await buildRegionalSchema(def);
  const resolveIdentity = identityResolver(options.internalPublicKey, def.subgraph, {
    onRejected: ({ reason, detail }) => log.warn({ reason, detail }, 'internal token refused'),
  });
  // Ownership of material files is checked here, on the shared store, with the gateway's public key.
  const files = new MaterialFiles(options.fileStore ?? fileStoreFromEnv(), options.internalPublicKey ?? null);
  const clock = options.clock ?? (() => new Date());
  const national = options.national ?? (await nationalClientFromEnv(process.env, log));
  const workflow = new ApplicationWorkflow(ds, def, files, clock, national);
  const appeals = new AppealWorkflow(ds, def, files, clock, national);
  const feedback = new FeedbackWorkflow(ds, def, clock);
  const dispatcher =
    options.notifications === false
      ? null
      : new OutboxDispatcher(
          ds,
          routeByChannel(
            options.notifications ?? transportFromEnv(process.env, (line) => log.info(line)),
            options.nationalIndex ? new NationalIndexTransport(def.policy.code, options.nationalIndex) : null,
          ),
          {
            ...outboxOptionsFromEnv(process.env),
            metrics: new OutboxMetrics(metrics.registry),
            log: (line) => log.warn(line),
          },
        );
  dispatcher?.start();
  const server = await startGraphQLHttpServer<RegionalContext>(
    {
      name: def.subgraph,
      schema,
      metrics: metrics.registry,
      metricsPort: options.metricsPort,
      plugins: [
        resolverTimingPlugin(metrics.resolverDuration),
        auditFlushPlugin((err) => log.error({ err }, 'audit rows could not be written')),
        publicCachePlugin({
          publicTypes: new Set([...PUBLIC_POLICY_TYPES, `${def.prefix}Region`]),
          publicRootFields: new Set([`${lowerFirst(def.prefix)}Region`]),
        }),
      ],
      logger: options.logger,
      shutdownDelayMs: options.shutdownDelayMs,
      limits: options.limits,
      exposeSchema: options.exposeSchema,
      tls: options.tls,
      context: async (req) => {
        const { identity, requestId } = await resolveIdentity(req);
        return {
          identity,
          requestId,
          loaders: new PolicyLoaders(ds),
          records: new RecordLoaders(ds, clock),
          audit: new Auditor(ds, identity, requestId),
          workflow,
          ds,
          appeals,
          feedback,
          appealRecords: new AppealLoaders(ds),
          deadline: deadlineOf(req.headers[DEADLINE_HEADER]),
          clock,
          remoteCare: def.policy.remoteCare ?? null,
        };
      },
      health: databaseReadiness(ds, options.healthDbTimeoutMs, { region: def.policy.code }),
    },
    options.port ?? Number(process.env.PORT ?? 0),
  );
  return {
    ...server,
    dataSource: ds,
    dispatcher,
    metrics,
    async close() {
      await server.close();
      await dispatcher?.stop();
      await ds.destroy();
    },
  };
}
