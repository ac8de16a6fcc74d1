import type { ApolloServerPlugin } from '@apollo/server';

import { REGIONS } from '../schema/registry';
import type { GatewayContext } from './context';

// Errors from a regional subgraph name the region, so a client can tell which part of a
// cross-region answer is missing. The national subgraph returns `regions` and `Person.records`
// in registry order; @apollo/gateway 2.14 reports an _entities error at the index the entity had
// in that subgraph's own fetch (0 for the only Yunfu record) rather than in the list, so the
// index is restored from the region's place in the registry.

const REGION_LISTS = new Set(['regions', 'records']);

export function regionalErrorsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((error) => {
            const region = REGIONS.find((r) => r.subgraph === error.extensions?.serviceName);
            if (!region) return error;
            const path = error.path ? [...error.path] : undefined;
            const listAt = path
              ? path.findIndex((p, i) => REGION_LISTS.has(String(p)) && typeof path[i + 1] === 'number')
              : -1;
            if (path && listAt >= 0) path[listAt + 1] = REGIONS.indexOf(region);
            return {
              ...error,
              ...(path ? { path } : {}),
              extensions: { ...error.extensions, regionCode: region.code, regionName: region.name },
            };
          });
        },
      };
    },
  };
}
