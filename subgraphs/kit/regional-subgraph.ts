import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { KeyLike } from 'jose';
import { Args, ArgsType, Ctx, Directive, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { DataSource } from 'typeorm';

import { DEADLINE_HEADER, deadlineOf } from './application/deadline';
import { IdempotencyEntity } from './application/idempotency';
import { ApplicationWorkflow, type WriteOptions } from './application/workflow';
import { AuditEntity, auditFlushPlugin, Auditor } from './audit';
import { assertPersonRecordAccess, deniedError, isStaffRead } from './auth/access';
import { enforceAccessTable } from './auth/access-rules';
import { identityResolver } from './auth/request-identity';
import type { SubgraphTls } from './config';
import { createDataSource, initializeWithRetry, migrateOnStart, observeQueries } from './db/data-source';
import { PolicyTables1763800000000 } from './db/migrations/1763800000000-policy-tables';
import { RecordTables1763900000000 } from './db/migrations/1763900000000-record-tables';
import { AuditLog1764000000000 } from './db/migrations/1764000000000-audit-log';
import { NotificationOutbox1764200000000 } from './db/migrations/1764200000000-notification-outbox';
import { AcceptanceSequence1764300000000 } from './db/migrations/1764300000000-acceptance-sequence';
import { OutboxLeases1764420000000 } from './db/migrations/1764420000000-outbox-leases';
import { PolicyFigures1764500000000 } from './db/migrations/1764500000000-policy-figures';
import { IdempotencyKeys1764500000100 } from './db/migrations/1764500000100-idempotency-keys';
import { RemoteCareUnique1764500000200 } from './db/migrations/1764500000200-remote-care-unique';
import { CatalogueRetiredOn1764500000300 } from './db/migrations/1764500000300-catalogue-retired-on';
import { POLICY_ENTITIES } from './db/policy.entities';
import { databaseReadiness } from './db/readiness';
import { type ApplicationRow, type ApplicationStatus, RECORD_ENTITIES } from './db/record.entities';
import { seedRegionPolicy } from './db/seed';
import { badInput, problem } from './errors';
import { MaterialFiles } from './file-owners';
import { type FileStore, fileStoreFromEnv } from './files';
import { ApplicationBase } from './graphql/application.interface';
import type { RegionalContext } from './graphql/context';
import { ApplicationStatusEnum } from './graphql/enums';
import { buildFederatedSchema } from './graphql/federation';
import {
  ApplicationInput,
  ApplicationPayload,
  MaterialInput,
  RemoteCareInput,
  RemoteCarePayload,
  type ReviewDecision,
  ReviewDecisionEnum,
} from './graphql/mutation.types';
import { PUBLIC_POLICY_TYPES, publicCachePlugin } from './graphql/public-cache';
import { RecordBase } from './graphql/record.interface';
import { RegionBase } from './graphql/region.interface';
import type { Limits } from './limits';
import { type Logger, logger as rootLogger } from './log';
import { resolverTimingPlugin, SubgraphMetrics } from './metrics';
import {
  type NotificationTransport,
  OutboxDispatcher,
  OutboxEntity,
  OutboxMetrics,
  outboxOptionsFromEnv,
  transportFromEnv,
} from './outbox';
import { PolicyLoaders } from './policy.loader';
import { RecordLoaders } from './record.loader';
import { toRemoteCareFiling } from './record.service';
import type { RegionDefinition } from './region-definition';
import { regionalAccessTable } from './regional-access';
import { type RunningServer, startGraphQLHttpServer } from './server';

/** Everything that makes one region different: its names, its policy data. */

export const REGIONAL_MIGRATIONS = [
  PolicyTables1763800000000,
  RecordTables1763900000000,
  AuditLog1764000000000,
  NotificationOutbox1764200000000,
  AcceptanceSequence1764300000000,
  OutboxLeases1764420000000,
  PolicyFigures1764500000000,
  IdempotencyKeys1764500000100,
  RemoteCareUnique1764500000200,
  CatalogueRetiredOn1764500000300,
];
export const REGIONAL_ENTITIES = [...POLICY_ENTITIES, ...RECORD_ENTITIES, AuditEntity, OutboxEntity, IdempotencyEntity];

@ArgsType()
class AcceptanceNumberArgs {
  @Field(() => String) acceptanceNumber!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The same key twice returns the first result; a key reused for another request is refused.',
  })
  idempotencyKey?: string | null;
}

@ArgsType()
class SupplementArgs extends AcceptanceNumberArgs {
  @Field(() => [MaterialInput]) materials!: MaterialInput[];
}

@ArgsType()
class ReviewArgs extends AcceptanceNumberArgs {
  @Field(() => ReviewDecisionEnum) decision!: ReviewDecision;
  @Field(() => String, {
    nullable: true,
    description: 'Required for REJECT (why) and REQUEST_SUPPLEMENT (what is missing).',
  })
  reason?: string | null;
}

const MAX_QUEUE_PAGE = 1000;

@ArgsType()
class ReviewQueueArgs {
  @Field(() => ApplicationStatusEnum, { defaultValue: 'ACCEPTED' }) status!: ApplicationStatus;
  @Field(() => Boolean, { defaultValue: false, description: 'Only applications past their due date.' })
  overdueOnly!: boolean;
  @Field(() => Int, { defaultValue: 50, description: `At most ${MAX_QUEUE_PAGE}.` }) first!: number;
  @Field(() => Int, { defaultValue: 0 }) offset!: number;
}

@ArgsType()
class SubmitArgs {
  @Field(() => ApplicationInput) input!: ApplicationInput;
}

@ArgsType()
class RemoteCareArgs {
  @Field(() => RemoteCareInput) input!: RemoteCareInput;
}

const writeOptions = (args: AcceptanceNumberArgs, ctx: RegionalContext): WriteOptions => ({
  idempotencyKey: args.idempotencyKey,
  deadline: ctx.deadline,
});

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The concrete, prefixed GraphQL types of one region, built from the kit's interfaces. */
export function createRegionTypes(def: RegionDefinition) {
  const { prefix } = def;

  @ObjectType(`${prefix}Region`, {
    implements: RegionBase,
    description: `${def.policy.province}${def.policy.name} (${def.policy.code})`,
  })
  @Directive('@key(fields: "code")')
  class ConcreteRegion extends RegionBase {}

  @ObjectType(`${prefix}Application`, {
    implements: ApplicationBase,
    description: `An application to ${def.policy.name}.`,
  })
  @Directive('@key(fields: "id")')
  class ConcreteApplication extends ApplicationBase {
    protected regionOf(code: string): RegionBase {
      return new ConcreteRegion(code);
    }
  }

  @ObjectType(`${prefix}Record`, { implements: RecordBase, description: `A person's records in ${def.policy.name}.` })
  @Directive('@key(fields: "personId regionCode")')
  class ConcreteRecord extends RecordBase {
    protected regionOf(code: string): RegionBase {
      return new ConcreteRegion(code);
    }
    protected applicationOf(row: ApplicationRow): ApplicationBase {
      return new ConcreteApplication(row);
    }
  }

  @Resolver(() => ConcreteRegion)
  class ConcreteRegionResolver {
    @Query(() => ConcreteRegion, {
      name: `${lowerFirst(prefix)}Region`,
      description: `${def.policy.name} itself, for calling this subgraph directly.`,
    })
    region(): ConcreteRegion {
      return new ConcreteRegion(def.policy.code);
    }

    @Query(() => [ConcreteApplication], {
      name: `${lowerFirst(prefix)}ReviewQueue`,
      description: `${def.policy.name}'s applications by due date, for its reviewers (national operators may read it).`,
    })
    async reviewQueue(@Args(() => ReviewQueueArgs) args: ReviewQueueArgs, @Ctx() ctx: RegionalContext) {
      // Who may ask: REGION_STAFF in regionalAccessTable, enforced before this runs.
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_QUEUE_PAGE || args.offset < 0) {
        throw badInput([problem('INVALID_PAGE', `每页条数须在1到${MAX_QUEUE_PAGE}之间，偏移量不能为负`, 'first')]);
      }
      const rows = await ctx.records.reviewQueue(
        def.policy.code,
        args.status,
        args.overdueOnly,
        args.first,
        args.offset,
      );
      // One row per person on the page, written with the request's other rows in one INSERT.
      for (const row of rows) await ctx.audit.record('READ_REVIEW_QUEUE', row.personId);
      return rows.map((row) => new ConcreteApplication(row));
    }
  }

  const payload = (outcome: {
    value: ApplicationRow | null;
    problems: ApplicationPayload['problems'];
  }): ApplicationPayload => ({
    application: outcome.value && new ConcreteApplication(outcome.value),
    problems: outcome.problems,
  });

  // The region's own mutations: typed per region so routing stays inside the query planner.
  @Resolver()
  class ConcreteMutationResolver {
    @Mutation(() => ApplicationPayload, {
      name: `submit${prefix}Application`,
      description: `Apply to ${def.policy.name}.`,
    })
    async submit(
      @Args(() => SubmitArgs) { input }: SubmitArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(await ctx.workflow.submit(ctx.identity, input, { deadline: ctx.deadline }));
    }

    @Mutation(() => ApplicationPayload, { name: `supplement${prefix}Materials` })
    async supplement(
      @Args(() => SupplementArgs) args: SupplementArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(
        await ctx.workflow.supplement(ctx.identity, args.acceptanceNumber, args.materials, writeOptions(args, ctx)),
      );
    }

    @Mutation(() => ApplicationPayload, { name: `withdraw${prefix}Application` })
    async withdraw(
      @Args(() => AcceptanceNumberArgs) args: AcceptanceNumberArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<ApplicationPayload> {
      return payload(await ctx.workflow.withdraw(ctx.identity, args.acceptanceNumber, writeOptions(args, ctx)));
    }

    @Mutation(() => ApplicationPayload, { name: `review${prefix}Application` })
    async review(@Args(() => ReviewArgs) args: ReviewArgs, @Ctx() ctx: RegionalContext): Promise<ApplicationPayload> {
      return payload(
        await ctx.workflow.review(
          ctx.identity,
          ctx.requestId,
          args.acceptanceNumber,
          args.decision,
          args.reason,
          writeOptions(args, ctx),
        ),
      );
    }

    @Mutation(() => RemoteCarePayload, {
      name: `file${prefix}RemoteCare`,
      description: `异地就医备案 with ${def.policy.name}.`,
    })
    async fileRemoteCare(
      @Args(() => RemoteCareArgs) { input }: RemoteCareArgs,
      @Ctx() ctx: RegionalContext,
    ): Promise<RemoteCarePayload> {
      const outcome = await ctx.workflow.fileRemoteCare(ctx.identity, input, { deadline: ctx.deadline });
      return { filing: outcome.value && toRemoteCareFiling(outcome.value), problems: outcome.problems };
    }
  }

  const referenceResolvers = {
    [`${prefix}Region`]: {
      async __resolveReference(ref: Pick<RegionBase, 'code'>, ctx: RegionalContext) {
        return (await ctx.loaders.region.load(ref.code)) ? new ConcreteRegion(ref.code) : null;
      },
    },
    [`${prefix}Record`]: {
      async __resolveReference(ref: Pick<RecordBase, 'personId' | 'regionCode'>, ctx: RegionalContext) {
        if (ref.regionCode !== def.policy.code) return null;
        assertPersonRecordAccess(ctx.identity, ref.personId, ref.regionCode);
        if (isStaffRead(ctx.identity)) await ctx.audit.record('READ_PERSON_RECORD', ref.personId);
        // A person with nothing here still has a (empty) record: not an error.
        return new ConcreteRecord(ref.personId, ref.regionCode);
      },
    },
    [`${prefix}Application`]: {
      async __resolveReference(ref: Pick<ApplicationBase, 'id'>, ctx: RegionalContext) {
        if (ctx.identity.role === 'ANONYMOUS') throw deniedError('UNAUTHENTICATED');
        const row = await ctx.records.application.load(ref.id);
        // Applicants: unknown and not-yours answer alike, so nobody learns which numbers exist.
        // Staff are told plainly; an error (not a null entity) keeps the gateway from adding its own.
        if (!row) {
          if (isStaffRead(ctx.identity)) {
            throw new GraphQLError('未找到该受理号对应的申请', { extensions: { code: 'NOT_FOUND' } });
          }
          throw deniedError('FORBIDDEN');
        }
        assertPersonRecordAccess(ctx.identity, row.personId, row.regionCode);
        if (isStaffRead(ctx.identity)) await ctx.audit.record('READ_APPLICATION', row.id);
        return new ConcreteApplication(row);
      },
    },
  };
  return {
    ConcreteRegion,
    ConcreteApplication,
    ConcreteRecord,
    resolvers: [ConcreteRegionResolver, ConcreteMutationResolver] as const,
    referenceResolvers,
  };
}

export async function buildRegionalSchema(def: RegionDefinition): Promise<GraphQLSchema> {
  const types = createRegionTypes(def);
  const schema = await buildFederatedSchema(
    {
      resolvers: types.resolvers,
      orphanedTypes: [types.ConcreteRegion, types.ConcreteApplication, types.ConcreteRecord],
    },
    types.referenceResolvers,
  );
  return enforceAccessTable(schema, regionalAccessTable(def.prefix), {
    subgraph: def.subgraph,
    regionCode: def.policy.code,
    regionName: def.policy.name,
  });
}

export function createRegionalDataSource(
  def: RegionDefinition,
  url = process.env.DATABASE_URL,
  onQuery?: (sql: string) => void,
) {
  return createDataSource({
    name: def.subgraph,
    url,
    entities: REGIONAL_ENTITIES,
    migrations: REGIONAL_MIGRATIONS,
    onQuery,
  });
}

/** Migrations then the idempotent policy seed: what `npm run migrate` / `npm run seed` do. */
export async function prepareRegionalDatabase(ds: DataSource, def: RegionDefinition, log = console.log) {
  const applied = await ds.runMigrations({ transaction: 'each' });
  for (const m of applied) log(`[${def.subgraph}] migrated ${m.name}`);
  const outcome = await seedRegionPolicy(ds, def.policy);
  log(`[${def.subgraph}] policy ${def.policy.version}: ${outcome}`);
}

export interface RegionalSubgraph extends RunningServer {
  dataSource: DataSource;
  metrics: SubgraphMetrics;
  /** Delivers the outbox; null when started with notifications: false. */
  dispatcher: OutboxDispatcher | null;
}

export interface StartOptions {
  port?: number;
  databaseUrl?: string;
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
  /** The clock the workflow reads (tests pin it to a date); default: the system clock. */
  clock?: () => Date;
  /** Access and error lines; default the root logger (stdout, LOG_LEVEL). */
  logger?: Logger;
  /** See startGraphQLHttpServer: readiness is 503 for this long before draining. */
  shutdownDelayMs?: number;
  /** Where GET /metrics is served (METRICS_PORT); default 0, any free port. */
  metricsPort?: number;
  /** Deadline of readiness's database round trip (HEALTH_DB_TIMEOUT_MS); default 1000. */
  healthDbTimeoutMs?: number;
  /** Depth, alias, cost and batch limits (default LIMIT_MAX_*), as at the gateway. */
  limits?: Limits;
  /** Introspection; off also hides schema names from error messages (default EXPOSE_SCHEMA). */
  exposeSchema?: boolean;
  /** Mutual TLS with the gateway (SUBGRAPH_TLS_*): HTTPS, client certificates required. */
  tls?: SubgraphTls;
  /** Tries to reach the database at start-up, with backoff 0.5 s → 8 s (DATABASE_CONNECT_RETRIES, default 10). */
  connectTries?: number;
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
  const workflow = new ApplicationWorkflow(ds, def, files, clock);
  const dispatcher =
    options.notifications === false
      ? null
      : new OutboxDispatcher(ds, options.notifications ?? transportFromEnv(process.env, (line) => log.info(line)), {
          ...outboxOptionsFromEnv(process.env),
          metrics: new OutboxMetrics(metrics.registry),
          log: (line) => log.warn(line),
        });
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
          deadline: deadlineOf(req.headers[DEADLINE_HEADER]),
          clock,
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
