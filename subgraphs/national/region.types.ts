import { Directive, Field, ID, InterfaceType, ObjectType } from 'type-graphql';

import { REGIONS } from '../../schema/registry';

// The national subgraph owns `Region` as an entity interface (Federation 2.3+) and knows each
// implementation only by its key: a stub generated per registry entry. The gateway fetches every
// other field from the region's own subgraph.

@InterfaceType('Region', { autoRegisterImplementations: false, resolveType: (ref: RegionRef) => ref.__typename })
@Directive('@key(fields: "code")')
export abstract class RegionRef {
  @Field(() => ID)
  code!: string;

  __typename!: string;
}

function regionStub(prefix: string): Function {
  @ObjectType(`${prefix}Region`, { implements: RegionRef })
  @Directive('@key(fields: "code")')
  class RegionStub extends RegionRef {}
  return RegionStub;
}

export const REGION_STUBS = REGIONS.map((r) => regionStub(r.prefix));

/** A typed reference the gateway completes from the owning subgraph. */
export function regionRef(code: string): RegionRef | null {
  const region = REGIONS.find((r) => r.code === code);
  return region ? { __typename: `${region.prefix}Region`, code: region.code } : null;
}
