import type { KeyLike } from 'jose';
import type { DataSource } from 'typeorm';

import { NATIONAL, REGIONS } from '../../schema/registry';
import { AuditEntity, auditFlushPlugin, Auditor } from '../kit/persistence/audit';
import { AuditLog1764000000000 } from '../kit/persistence/db/migrations/1764000000000-audit-log';
import { identityResolver } from '../kit/platform/auth/request-identity';
import { createDataSource, initializeWithRetry, migrateOnStart, observeQueries } from '../kit/platform/db/data-source';
import { databaseReadiness } from '../kit/platform/db/readiness';
import { publicCachePlugin } from '../kit/platform/graphql/public-cache';
import { logger as rootLogger } from '../kit/platform/log';
import { resolverTimingPlugin, SubgraphMetrics } from '../kit/platform/metrics';
import type { PiiVault } from '../kit/platform/pii';
import { type RunningServer, startGraphQLHttpServer } from '../kit/platform/server';
import type { SubgraphServerOptions } from '../kit/platform/subgraph-options';
import { type NationalContext, personLoader } from './context';
import { PersonHistoryEntity } from './db/history.entity';
import { DirectoryHospitalEntity } from './db/hospital.entity';
import { Person1764100000000 } from './db/migrations/1764100000000-person';
import { ResidenceAndHospitals1765200000000 } from './db/migrations/1765200000000-residence-and-hospitals';
import { PersonHistory1765300000000 } from './db/migrations/1765300000000-person-history';
import { PersonEntity } from './db/person.entity';
import { historyLoader, historyRoute } from './history';
import { HospitalDirectory, seedHospitalDirectory } from './hospital-directory';
import { loadPiiVault } from './pii-keys';
import { buildNationalSchema } from './schema';

const NATIONAL_MIGRATIONS = [
  Person1764100000000,
  AuditLog1764000000000,
  ResidenceAndHospitals1765200000000,
  PersonHistory1765300000000,
];

export function createNationalDataSource(url = process.env.DATABASE_URL, onQuery?: (sql: string) => void): DataSource {
  return createDataSource({
    name: NATIONAL.name,
    url,
    entities: [PersonEntity, AuditEntity, DirectoryHospitalEntity, PersonHistoryEntity],
    migrations: NATIONAL_MIGRATIONS,
    onQuery,
  });
}

export interface NationalSubgraph extends RunningServer {
  dataSource: DataSource;
  metrics: SubgraphMetrics;
}

export interface NationalOptions extends SubgraphServerOptions {
  /** Run migrations at start-up (default: on for the embedded database). */
  prepare?: boolean;
  internalPublicKey?: KeyLike | null;
  /** Each region's public key for its reports to the national index (POST /internal/person-history). */
  regionPublicKeys?: ReadonlyMap<string, KeyLike>;
  /** Keys for identity numbers (default: PII_* or the development keys). */
  vault?: PiiVault;
  log?: (line: string) => void;
}

export async function startNationalSubgraph(options: NationalOptions = {}): Promise<NationalSubgraph> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  const ds = createNationalDataSource(url);
  await initializeWithRetry(ds, {
    tries: options.connectTries,
    log: (line) => (options.logger ?? rootLogger).warn({ service: NATIONAL.name }, line),
  });
  const metrics = new SubgraphMetrics(NATIONAL.name);
  observeQueries(ds, metrics.observeQuery);
  const prepare = options.prepare ?? migrateOnStart(url);
  if (prepare) {
    const applied = await ds.runMigrations({ transaction: 'each' });
    const log =
      options.log ?? ((line: string) => (options.logger ?? rootLogger).info({ service: NATIONAL.name }, line));
    for (const m of applied) log(`[${NATIONAL.name}] migrated ${m.name}`);
    log(`[${NATIONAL.name}] hospital directory: ${await seedHospitalDirectory(ds)}`);
  }
  const resolveIdentity = identityResolver(options.internalPublicKey, NATIONAL.name, {
    onRejected: ({ reason, detail }) =>
      (options.logger ?? rootLogger).warn({ service: NATIONAL.name, reason, detail }, 'internal token refused'),
  });
  const vault = options.vault ?? loadPiiVault();
  const personByIdNumberHash = (hash: string) => ds.getRepository(PersonEntity).findOneBy({ idNumberHash: hash });
  const server = await startGraphQLHttpServer<NationalContext>(
    {
      name: NATIONAL.name,
      schema: await buildNationalSchema(),
      metrics: metrics.registry,
      metricsPort: options.metricsPort,
      plugins: [
        resolverTimingPlugin(metrics.resolverDuration),
        auditFlushPlugin((err) =>
          (options.logger ?? rootLogger).error({ err, service: NATIONAL.name }, 'audit rows could not be written'),
        ),
        // Region references are public: they let the gateway cache public policy answers.
        publicCachePlugin({
          publicTypes: new Set(REGIONS.map((r) => `${r.prefix}Region`)),
          publicRootFields: new Set(['regions', 'region', 'hospital', 'hospitals']),
        }),
      ],
      logger: options.logger,
      mountRoutes: historyRoute(
        ds,
        options.regionPublicKeys ?? new Map(),
        (options.logger ?? rootLogger).child({ service: NATIONAL.name }),
      ),
      shutdownDelayMs: options.shutdownDelayMs,
      limits: options.limits,
      exposeSchema: options.exposeSchema,
      tls: options.tls,
      context: async (req) => {
        const { identity, requestId } = await resolveIdentity(req);
        return {
          identity,
          requestId,
          people: personLoader(ds),
          history: historyLoader(ds),
          personByIdNumberHash,
          vault,
          hospitals: new HospitalDirectory(ds),
          audit: new Auditor(ds, identity, requestId),
        };
      },
      health: databaseReadiness(ds, options.healthDbTimeoutMs),
    },
    options.port ?? Number(process.env.PORT ?? 0),
  );
  return {
    ...server,
    dataSource: ds,
    metrics,
    async close() {
      await server.close();
      await ds.destroy();
    },
  };
}
