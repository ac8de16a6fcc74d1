import { Arg, Args, ArgsType, Ctx, Field, ID, InterfaceType } from 'type-graphql';

import { AppealPolicy, toAppealPolicy } from './appeal.types';
import type { RegionalContext } from './context';
import {
  Channel,
  CostSharingRule,
  Disease,
  DueDate,
  Hospital,
  MaterialRequirement,
  ReimbursementEstimate,
  ReimbursementInput,
  ReviewDeadline,
} from './policy.types';
import * as service from './region.service';
import { DateScalar } from './scalars';

@ArgsType()
class DueDateArgs {
  @Field(() => DateScalar) acceptedOn!: string;
  @Field(() => ID, { nullable: true, description: "Defaults to the region's longest review time." })
  channelId?: string | null;
}

/**
 * The contract's `Region` interface and, as methods, how every regional subgraph resolves it.
 * Each region's concrete type (`PanzhihuaRegion`, `YunfuRegion`, ...) extends this class, so the
 * resolvers are written once. Implementations are registered per subgraph (orphanedTypes), never
 * automatically: one process may hold several regions' types.
 */
@InterfaceType('Region', { autoRegisterImplementations: false })
export abstract class RegionBase {
  @Field(() => ID)
  code!: string;

  constructor(code: string) {
    this.code = code;
  }

  private async row(ctx: RegionalContext) {
    const region = await ctx.loaders.region.load(this.code);
    if (!region) throw new Error(`region ${this.code} has no policy data loaded`);
    return region;
  }

  @Field(() => String, { description: 'e.g. 攀枝花市' })
  async name(@Ctx() ctx: RegionalContext): Promise<string> {
    return (await this.row(ctx)).name;
  }

  @Field(() => String, { description: 'e.g. 四川省' })
  async province(@Ctx() ctx: RegionalContext): Promise<string> {
    return (await this.row(ctx)).province;
  }

  @Field(() => String, { nullable: true })
  async hotline(@Ctx() ctx: RegionalContext): Promise<string | null> {
    return (await this.row(ctx)).hotline;
  }

  @Field(() => String, { description: 'Version of the policy data this region serves.' })
  async policyVersion(@Ctx() ctx: RegionalContext): Promise<string> {
    return (await this.row(ctx)).policyVersion;
  }

  @Field(() => [Channel])
  async channels(@Ctx() ctx: RegionalContext): Promise<Channel[]> {
    return (await ctx.loaders.channels.load(this.code)).map(service.toChannel);
  }

  @Field(() => [Disease], {
    description:
      'The catalogue; search matches a code or code prefix, the name, a synonym, full pinyin or pinyin initials, ranked in that order.',
  })
  async diseases(
    @Arg('search', () => String, { nullable: true }) search: string | null,
    @Ctx() ctx: RegionalContext,
  ): Promise<Disease[]> {
    return service.searchDiseases(await ctx.loaders.diseases.load(this.code), search).map(service.toDisease);
  }

  @Field(() => Disease, { nullable: true })
  async disease(@Arg('code', () => ID) code: string, @Ctx() ctx: RegionalContext): Promise<Disease | null> {
    const row = await service.findDisease(ctx.loaders, this.code, code);
    return row && service.toDisease(row);
  }

  @Field(() => [Hospital])
  async hospitals(@Ctx() ctx: RegionalContext): Promise<Hospital[]> {
    return (await ctx.loaders.hospitals.load(this.code)).map(service.toHospital);
  }

  @Field(() => [MaterialRequirement], {
    description:
      "With a disease code, the disease's own materials (photo, specialist certificate) are included and required.",
  })
  async materialRequirements(
    @Arg('diseaseCode', () => ID, { nullable: true }) diseaseCode: string | null,
    @Ctx() ctx: RegionalContext,
  ): Promise<MaterialRequirement[]> {
    return service.materialRequirements(ctx.loaders, this.code, diseaseCode);
  }

  @Field(() => [CostSharingRule])
  async costSharing(@Ctx() ctx: RegionalContext): Promise<CostSharingRule[]> {
    return (await service.costSharingPolicies(ctx.loaders, this.code)).map(service.toCostSharingRule);
  }

  @Field(() => ReviewDeadline)
  async reviewDeadline(@Ctx() ctx: RegionalContext): Promise<ReviewDeadline> {
    const region = await this.row(ctx);
    return {
      workingDays: { min: region.reviewMin, max: region.reviewMax },
      description: region.reviewDescription,
      ...service.sourceOf(region.reviewSource),
    };
  }

  @Field(() => DueDate, {
    description: "Counted in working days from the day after acceptance; the channel's maximum applies.",
  })
  async dueDate(@Args(() => DueDateArgs) args: DueDateArgs, @Ctx() ctx: RegionalContext): Promise<DueDate> {
    return service.dueDate(ctx.loaders, this.code, args.acceptedOn, args.channelId);
  }

  @Field(() => ReimbursementEstimate)
  async estimateReimbursement(
    @Arg('input', () => ReimbursementInput) input: ReimbursementInput,
    @Ctx() ctx: RegionalContext,
  ): Promise<ReimbursementEstimate> {
    return service.estimateReimbursement(ctx.loaders, this.code, input, ctx.remoteCare);
  }

  @Field(() => AppealPolicy, { description: '申诉: the appeal period and review time, each with its source.' })
  appealPolicy(@Ctx() ctx: RegionalContext): AppealPolicy {
    return toAppealPolicy(ctx.appeals.rules);
  }
}
