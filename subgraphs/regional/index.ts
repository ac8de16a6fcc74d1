import 'reflect-metadata';

import { REGIONAL_SUBGRAPHS, REGIONS, REGIONS_DIR } from '../../schema/registry';
import { loadRegionFile } from '../kit/domain/region-file';
import { loadInternalPublicKey } from '../kit/platform/auth/request-identity';
import { subgraphConfigFromEnv } from '../kit/platform/config';
import { withPassword } from '../kit/platform/db/url';
import { runUntilSignal } from '../kit/platform/process';
import { startTracing } from '../kit/platform/tracing';
import { nationalIndexFromEnv } from '../kit/start-up/history-config';
import { startProvincialSubgraph } from '../kit/start-up/provincial-start';
import { startRegionalSubgraph } from '../kit/start-up/start';
import { regionalDeploymentFromEnv } from './deployment';

// The one regional subgraph entry point; a region is its data file (subgraphs/regions/<name>.yaml).
//   REGION=guangdong-yunfu PORT=4003 DATABASE_URL=mysql://… node --import tsx subgraphs/regional/index.ts
// A provincial subgraph: ONE process, port and schema serving several regions, each on its own
// database (DATABASE_URL_<REGION>, e.g. DATABASE_URL_SICHUAN_PANZHIHUA; none = embedded files), all as
// one user, whose password DATABASE_PASSWORD_FILE may hold (then the URLs carry none):
//   SUBGRAPH=sichuan                  the registry's subgraph `sichuan` (region files with `host: sichuan`)
//   REGIONS=sichuan-panzhihua,…       these regions in one subgraph: their common host, or SUBGRAPH=<name>
// See ./deployment.ts for the rules and their messages.

runUntilSignal(process.env.SUBGRAPH ?? process.env.REGION ?? process.env.REGIONS ?? 'regional subgraph', async () => {
  const deployment = regionalDeploymentFromEnv(process.env, { regions: REGIONS, subgraphs: REGIONAL_SUBGRAPHS });
  startTracing(deployment.name);
  const definitions = deployment.regions.map((r) => loadRegionFile(`${REGIONS_DIR}/${r.name}.yaml`));
  const config = subgraphConfigFromEnv(deployment.name, { defaultPort: deployment.port }, deployment.env);
  const internalPublicKey = await loadInternalPublicKey();
  const common = {
    port: config.port,
    metricsPort: config.metricsPort,
    healthDbTimeoutMs: config.healthDbTimeoutMs,
    shutdownDelayMs: config.shutdownDelayMs,
    tls: config.tls,
    internalPublicKey,
  };
  if (!deployment.provincial) {
    return startRegionalSubgraph(definitions[0]!, {
      ...common,
      databaseUrl: config.databaseUrl,
      nationalIndex: await nationalIndexFromEnv(definitions[0]!.policy.code),
    });
  }
  return startProvincialSubgraph(
    deployment.name,
    definitions.map((def, i) => ({
      def,
      databaseUrl: withPassword(deployment.regions[i]!.databaseUrl, config.databasePassword),
    })),
    common,
  );
});
