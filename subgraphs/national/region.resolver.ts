import { Arg, ID, Query, Resolver } from 'type-graphql';

import { REGIONS } from '../../schema/registry';
import { RegionRef, regionRef } from './region.types';

@Resolver(() => RegionRef)
export class RegionResolver {
  @Query(() => [RegionRef], {
    nullable: 'items',
    description: 'Every region in the registry; a region whose subgraph is down is null with an error naming it.',
  })
  regions(): (RegionRef | null)[] {
    return REGIONS.map((r) => regionRef(r.code));
  }

  @Query(() => RegionRef, { nullable: true, description: 'Null for an unknown code.' })
  region(@Arg('code', () => ID) code: string): RegionRef | null {
    return regionRef(code.trim());
  }
}
