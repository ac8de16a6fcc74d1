import 'reflect-metadata';

import { startGateway } from '../gateway/gateway';
import { NATIONAL, REGIONS } from '../schema/registry';
import { databaseUrlFor, recreateMysqlDatabase } from '../scripts/lib/databases';
import { loadRegionDefinition } from '../scripts/lib/subgraphs';
import { type RegionalSubgraph, startRegionalSubgraph } from '../subgraphs/kit/regional-subgraph';
import type { RunningServer } from '../subgraphs/kit/server';
import { startNationalSubgraph } from '../subgraphs/national/server';

// The real thing, in one process: every subgraph and the gateway over HTTP on port 0, each region
// on its own freshly migrated database — MySQL/MariaDB when MYSQL_URL is set (CI), else in-memory
// SQLite. An unreachable MYSQL_URL fails the suite; it never falls back.

export interface Stack {
  gateway: RunningServer;
  national: RunningServer;
  regions: Record<string, RegionalSubgraph>;
  /** POST a GraphQL operation to the gateway (or to `url`). */
  query<T = any>(query: string, variables?: Record<string, unknown>, url?: string): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export const usingMysql = () => Boolean(process.env.MYSQL_URL);

export async function startStack(): Promise<Stack> {
  const regions: Record<string, RegionalSubgraph> = {};
  for (const entry of REGIONS) {
    const def = loadRegionDefinition(entry.subgraph);
    let databaseUrl = 'memory:';
    if (usingMysql()) {
      databaseUrl = databaseUrlFor(entry.subgraph, process.env, 'mente_test_')!;
      await recreateMysqlDatabase(databaseUrl);
    }
    regions[entry.subgraph] = await startRegionalSubgraph(def, { port: 0, databaseUrl, prepare: true, log: () => {} });
  }
  const national = await startNationalSubgraph({ port: 0 });
  const subgraphUrls: Record<string, string> = { [NATIONAL.name]: national.graphqlUrl };
  for (const [name, server] of Object.entries(regions)) subgraphUrls[name] = server.graphqlUrl;
  const gateway = await startGateway({ port: 0, subgraphUrls });

  return {
    gateway,
    national,
    regions,
    async query(query, variables, url = `${gateway.url}/`) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<any>;
    },
    async close() {
      await gateway.close();
      await national.close();
      for (const server of Object.values(regions)) await server.close();
    },
  };
}
