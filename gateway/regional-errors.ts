import type { ApolloServerPlugin } from '@apollo/server';

import { REGIONS } from '../schema/registry';
import type { GatewayContext } from './context';

// Errors from a regional subgraph name the region, so a client can tell which part of a
// cross-region answer is missing. The national subgraph returns `regions` and `Person.records`
// in registry order, which lets the path be put right where @apollo/gateway 2.14 gets it wrong:
// - an _entities error carries the index the entity had in that subgraph's own fetch (0 for the
//   only Yunfu record) rather than its index in the list: restored from the registry;
// - a failed fetch (region down, timed out, HTTP 500) carries no path at all: it gets one error
//   per region entry the failure left null.

const REGION_LISTS = new Set(['regions', 'records']);

type Path = (string | number)[];

/** Paths of the entries of `regionIndex` in every region-ordered list of the response that are null. */
function nullRegionEntries(data: unknown, regionIndex: number, at: Path = []): Path[] {
  if (data === null || typeof data !== 'object') return [];
  if (Array.isArray(data)) return data.flatMap((item, i) => nullRegionEntries(item, regionIndex, [...at, i]));
  return Object.entries(data).flatMap(([key, value]) => {
    const here = [...at, key];
    if (REGION_LISTS.has(key) && Array.isArray(value)) {
      const own = value[regionIndex] === null ? [[...here, regionIndex]] : [];
      return [...own, ...value.flatMap((item, i) => nullRegionEntries(item, regionIndex, [...here, i]))];
    }
    return nullRegionEntries(value, regionIndex, here);
  });
}

export function regionalErrorsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          const data = response.body.singleResult.data;
          response.body.singleResult.errors = errors.flatMap((error) => {
            const region = REGIONS.find((r) => r.subgraph === error.extensions?.serviceName);
            if (!region) return [error];
            const extensions = { ...error.extensions, regionCode: region.code, regionName: region.name };
            const index = REGIONS.indexOf(region);
            if (!error.path) {
              const paths = nullRegionEntries(data, index);
              return paths.length ? paths.map((path) => ({ ...error, path, extensions })) : [{ ...error, extensions }];
            }
            const path = [...error.path];
            const listAt = path.findIndex((p, i) => REGION_LISTS.has(String(p)) && typeof path[i + 1] === 'number');
            if (listAt >= 0) path[listAt + 1] = index;
            return [{ ...error, path, extensions }];
          });
        },
      };
    },
  };
}
