import { cacheControlFromInfo } from '@apollo/cache-control-types';
import type { ApolloServerPlugin } from '@apollo/server';

// Public policy (catalogue, hospitals, materials, channels, deadlines, cost sharing) changes only
// with a new policy version, so it carries a PUBLIC cache hint and the gateway may answer a
// repeated public query from its response cache. Personal data is never hinted: any unhinted
// composite field makes the whole response uncacheable (Apollo cache control takes the minimum).

/** Seconds a public policy answer may be reused; PUBLIC_CACHE_MAX_AGE overrides, 0 turns it off. */
export function publicCacheMaxAge(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.PUBLIC_CACHE_MAX_AGE ?? 300);
  return Number.isInteger(value) && value >= 0 ? value : 300;
}

export interface PublicCacheRules {
  /** Object types whose fields are public policy. */
  publicTypes: ReadonlySet<string>;
  /** Root fields that return only public data or references to it. */
  publicRootFields: ReadonlySet<string>;
}

export function publicCachePlugin(rules: PublicCacheRules, maxAge = publicCacheMaxAge()): ApolloServerPlugin<any> {
  if (maxAge === 0) return {};
  return {
    async requestDidStart() {
      return {
        async executionDidStart() {
          return {
            willResolveField({ info, args }) {
              const parent = info.parentType.name;
              let isPublic = rules.publicTypes.has(parent);
              if (parent === 'Query') {
                isPublic =
                  rules.publicRootFields.has(info.fieldName) ||
                  (info.fieldName === '_entities' &&
                    Array.isArray(args.representations) &&
                    (args.representations as { __typename?: string }[]).every(
                      (r) => typeof r.__typename === 'string' && rules.publicTypes.has(r.__typename),
                    ));
              }
              if (isPublic) cacheControlFromInfo(info).setCacheHint({ maxAge, scope: 'PUBLIC' });
            },
          };
        },
      };
    },
  };
}

/** The public policy types every regional subgraph serves. */
export const PUBLIC_POLICY_TYPES = [
  'Channel',
  'WorkingDayRange',
  'ReviewDeadline',
  'DueDate',
  'CalendarSource',
  'HolidayNotice',
  'Disease',
  'Hospital',
  'MaterialRequirement',
  'MaterialCondition',
  'CostSharingRule',
  'RateBand',
  'ReimbursementEstimate',
  'PolicyFigure',
  'AppealPolicy',
];
