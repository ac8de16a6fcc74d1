import { Directive, Field, ID, ObjectType } from 'type-graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import type { ApplicationRow } from '../../persistence/db/record.entities';
import { ApplicationBase } from '../application.interface';
import type { ApplicationPayload } from '../mutation.types';
import { RecordBase } from '../record.interface';
import { RegionBase } from '../region.interface';

/** `SichuanPanzhihua` → `sichuanPanzhihua`: the prefix of a region's root fields. */
export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The concrete, prefixed GraphQL object types of one region, built from the kit's interfaces. */
export function createRegionObjectTypes(def: RegionDefinition) {
  const { prefix } = def;

  @ObjectType(`${prefix}Region`, {
    implements: RegionBase,
    description: `${def.policy.province}${def.policy.name} (${def.policy.code})`,
  })
  @Directive('@key(fields: "code")')
  class ConcreteRegion extends RegionBase {}

  @ObjectType(`${prefix}Application`, {
    implements: ApplicationBase,
    description: `An application to ${def.policy.name}.`,
  })
  @Directive('@key(fields: "id")')
  @Directive('@key(fields: "ref")')
  class ConcreteApplication extends ApplicationBase {
    /** The national subgraph's routing key (the acceptance number), hidden from clients. */
    @Field(() => ID)
    @Directive('@inaccessible')
    ref: string = this.row.id;

    protected regionOf(code: string): RegionBase {
      return new ConcreteRegion(code);
    }
  }

  @ObjectType(`${prefix}Record`, { implements: RecordBase, description: `A person's records in ${def.policy.name}.` })
  @Directive('@key(fields: "personId regionCode")')
  class ConcreteRecord extends RecordBase {
    protected regionOf(code: string): RegionBase {
      return new ConcreteRegion(code);
    }
    protected applicationOf(row: ApplicationRow): ApplicationBase {
      return new ConcreteApplication(row);
    }
  }
  return { ConcreteRegion, ConcreteApplication, ConcreteRecord };
}

export type RegionObjectTypes = ReturnType<typeof createRegionObjectTypes>;

/** A mutation's answer about one application: the region's concrete type, or the problems. */
export const applicationPayload =
  ({ ConcreteApplication }: Pick<RegionObjectTypes, 'ConcreteApplication'>) =>
  (outcome: { value: ApplicationRow | null; problems: ApplicationPayload['problems'] }): ApplicationPayload => ({
    application: outcome.value && new ConcreteApplication(outcome.value),
    problems: outcome.problems,
  });
