import 'reflect-metadata';

import { REGIONS_DIR } from '../../schema/registry';
import { loadRegionFile } from '../kit/domain/region-file';
import { loadInternalPublicKey } from '../kit/platform/auth/request-identity';
import { ConfigError, subgraphConfigFromEnv } from '../kit/platform/config';
import { runUntilSignal } from '../kit/platform/process';
import { startTracing } from '../kit/platform/tracing';
import { nationalIndexFromEnv } from '../kit/start-up/history-config';
import { type RegionalSubgraph, startRegionalSubgraph } from '../kit/start-up/start';

// The one regional subgraph entry point; a region is its data file (subgraphs/regions/<name>.yaml).
//   REGION=guangdong-yunfu PORT=4003 DATABASE_URL=mysql://… node --import tsx subgraphs/regional/index.ts
//   REGIONS=guangdong-yunfu,sichuan-panzhihua …  several regions in one process (a provincial
//   deployment), each on its own port and database: PORT_<NAME>, DATABASE_URL_<NAME>, METRICS_PORT_<NAME>
//   (e.g. PORT_GUANGDONG_YUNFU), defaulting to the region file's port.

const envName = (subgraph: string) => subgraph.toUpperCase().replace(/-/g, '_');

function requestedRegions(env: NodeJS.ProcessEnv): string[] {
  const one = env.REGION?.trim();
  const many = (env.REGIONS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (one && many.length > 0) throw new ConfigError('regional subgraph', ['set REGION or REGIONS, not both']);
  const names = one ? [one] : many;
  if (names.length === 0) {
    throw new ConfigError('regional subgraph', [
      `REGION (one region) or REGIONS (a comma-separated list) must name region files in ${REGIONS_DIR}`,
    ]);
  }
  return names;
}

runUntilSignal(process.env.REGION ?? process.env.REGIONS ?? 'regional subgraph', async () => {
  const names = requestedRegions(process.env);
  startTracing(names.join(','));
  const definitions = names.map((name) => loadRegionFile(`${REGIONS_DIR}/${name}.yaml`));
  const single = definitions.length === 1;
  const internalPublicKey = await loadInternalPublicKey();
  const started: RegionalSubgraph[] = [];
  try {
    for (const def of definitions) {
      // One region: PORT and DATABASE_URL as before; several: each region's own variables.
      const env = single
        ? process.env
        : {
            ...process.env,
            PORT: process.env[`PORT_${envName(def.subgraph)}`],
            DATABASE_URL: process.env[`DATABASE_URL_${envName(def.subgraph)}`],
            METRICS_PORT: process.env[`METRICS_PORT_${envName(def.subgraph)}`],
          };
      const config = subgraphConfigFromEnv(def.subgraph, { defaultPort: def.port }, env);
      started.push(
        await startRegionalSubgraph(def, {
          port: config.port,
          metricsPort: config.metricsPort,
          healthDbTimeoutMs: config.healthDbTimeoutMs,
          databaseUrl: config.databaseUrl,
          shutdownDelayMs: config.shutdownDelayMs,
          tls: config.tls,
          internalPublicKey,
          nationalIndex: await nationalIndexFromEnv(def.policy.code),
        }),
      );
    }
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw e;
  }
  return {
    graphqlUrl: started.map((s) => s.graphqlUrl).join(' '),
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
});
