import { publicCacheMaxAge } from '../subgraphs/kit/platform/graphql/public-cache';
import { runUntilSignal } from '../subgraphs/kit/platform/process';
import { startTracing } from '../subgraphs/kit/platform/tracing';
import { resolveBuiltinsFirst } from './builtin-require';
import { gatewayConfigFromEnv, loadGatewaySecurity } from './config';
import { startGateway } from './gateway';

// Entry point: `PORT=4000 SUBGRAPH_URL_NATIONAL=... tsx gateway/index.ts`. Configuration: README.
// Every setting is checked first; a wrong or missing one stops the start with all problems listed.
resolveBuiltinsFirst();
runUntilSignal('gateway', async () => {
  const config = gatewayConfigFromEnv();
  startTracing('gateway');
  // PUBLIC_CACHE_MAX_AGE=0 turns public-policy caching off here and in the subgraphs alike.
  return startGateway({ ...config, responseCache: publicCacheMaxAge() > 0, security: await loadGatewaySecurity() });
});
