import type { GraphQLSchema } from 'graphql';
import { Directive, ObjectType, Query, Resolver } from 'type-graphql';
import type { DataSource } from 'typeorm';

import { createDataSource, pingDatabase } from './db/data-source';
import { PolicyTables1763800000000 } from './db/migrations/1763800000000-policy-tables';
import { POLICY_ENTITIES } from './db/policy.entities';
import { seedRegionPolicy } from './db/seed';
import type { RegionalContext } from './graphql/context';
import { buildFederatedSchema } from './graphql/federation';
import { RegionBase } from './graphql/region.interface';
import type { RegionPolicy } from './policy';
import { PolicyLoaders } from './policy.loader';
import { type RunningServer, startGraphQLHttpServer } from './server';

/** Everything that makes one region different: its names, its policy data. */
export interface RegionDefinition {
  /** GraphQL type prefix: `Panzhihua` → PanzhihuaRegion, panzhihuaRegion. */
  prefix: string;
  /** The subgraph's name in schema/registry.json, e.g. `sichuan-panzhihua`. */
  subgraph: string;
  policy: RegionPolicy;
}

export const REGIONAL_MIGRATIONS = [PolicyTables1763800000000];
export const REGIONAL_ENTITIES = POLICY_ENTITIES;

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The concrete, prefixed GraphQL types of one region, built from the kit's interfaces. */
export function createRegionTypes(def: RegionDefinition) {
  @ObjectType(`${def.prefix}Region`, {
    implements: RegionBase,
    description: `${def.policy.province}${def.policy.name} (${def.policy.code})`,
  })
  @Directive('@key(fields: "code")')
  class ConcreteRegion extends RegionBase {}

  @Resolver(() => ConcreteRegion)
  class ConcreteRegionResolver {
    @Query(() => ConcreteRegion, {
      name: `${lowerFirst(def.prefix)}Region`,
      description: `${def.policy.name} itself, for calling this subgraph directly.`,
    })
    region(): ConcreteRegion {
      return new ConcreteRegion(def.policy.code);
    }
  }

  const referenceResolvers = {
    [`${def.prefix}Region`]: {
      async __resolveReference(ref: Pick<RegionBase, 'code'>, ctx: RegionalContext) {
        return (await ctx.loaders.region.load(ref.code)) ? new ConcreteRegion(ref.code) : null;
      },
    },
  };
  return { ConcreteRegion, resolvers: [ConcreteRegionResolver] as const, referenceResolvers };
}

export async function buildRegionalSchema(def: RegionDefinition): Promise<GraphQLSchema> {
  const types = createRegionTypes(def);
  return buildFederatedSchema(
    { resolvers: types.resolvers, orphanedTypes: [types.ConcreteRegion] },
    types.referenceResolvers,
  );
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
}

export interface StartOptions {
  port?: number;
  databaseUrl?: string;
  /** Run migrations and seed at start-up (default: on for the embedded database). */
  prepare?: boolean;
  onQuery?: (sql: string) => void;
  log?: (line: string) => void;
}

export async function startRegionalSubgraph(
  def: RegionDefinition,
  options: StartOptions = {},
): Promise<RegionalSubgraph> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  const ds = createRegionalDataSource(def, url, options.onQuery);
  await ds.initialize();
  const prepare =
    options.prepare ??
    (process.env.MIGRATE_ON_START ? process.env.MIGRATE_ON_START === 'true' : !url?.startsWith('mysql'));
  if (prepare) await prepareRegionalDatabase(ds, def, options.log);
  const schema = await buildRegionalSchema(def);
  const server = await startGraphQLHttpServer<RegionalContext>(
    {
      name: def.subgraph,
      schema,
      context: async () => ({ loaders: new PolicyLoaders(ds) }),
      health: async () => {
        const database = (await pingDatabase(ds)) ? 'up' : 'down';
        return { status: database === 'up' ? 'ok' : 'degraded', database, region: def.policy.code };
      },
    },
    options.port ?? Number(process.env.PORT ?? 0),
  );
  return {
    ...server,
    dataSource: ds,
    async close() {
      await server.close();
      await ds.destroy();
    },
  };
}
