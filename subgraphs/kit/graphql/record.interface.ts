import { Ctx, Field, ID, InterfaceType } from 'type-graphql';

import { personKey } from '../persistence/record.loader';
import { isStaffRead } from '../platform/auth/access';
import { Appeal, Feedback, toAppeal, toFeedback } from './appeal.types';
import { ApplicationBase } from './application.interface';
import type { RegionalContext } from './context';
import { toCertification, toRemoteCareFiling } from './record.service';
import { Certification, RemoteCareFiling } from './record.types';
import { RegionBase } from './region.interface';

/**
 * The contract's `RegionalRecord`: one person's applications, certifications and remote-care
 * filings in one region. Reached only through its reference resolver, which authorises the read.
 */
@InterfaceType('RegionalRecord', { autoRegisterImplementations: false })
export abstract class RecordBase {
  @Field(() => ID) personId: string;
  @Field(() => ID) regionCode: string;

  constructor(personId: string, regionCode: string) {
    this.personId = personId;
    this.regionCode = regionCode;
  }

  protected abstract regionOf(code: string): RegionBase;
  protected abstract applicationOf(row: ConstructorParameters<typeof ApplicationBase>[0]): ApplicationBase;

  private get key(): string {
    return personKey(this.regionCode, this.personId);
  }

  /** A staff read of this person's data here is audited, but only where data was read. */
  private async audited<T>(ctx: RegionalContext, rows: T[]): Promise<T[]> {
    if (rows.length > 0 && isStaffRead(ctx.identity)) await ctx.audit.record('READ_PERSON_RECORD', this.personId);
    return rows;
  }

  @Field(() => RegionBase)
  region(): RegionBase {
    return this.regionOf(this.regionCode);
  }

  @Field(() => [ApplicationBase])
  async applications(@Ctx() ctx: RegionalContext): Promise<ApplicationBase[]> {
    return (await this.audited(ctx, await ctx.records.applicationsByPerson.load(this.key))).map((row) =>
      this.applicationOf(row),
    );
  }

  @Field(() => [Certification])
  async certifications(@Ctx() ctx: RegionalContext): Promise<Certification[]> {
    const rows = await this.audited(ctx, await ctx.records.certificationsByPerson.load(this.key));
    return Promise.all(rows.map((row) => toCertification(row, ctx)));
  }

  @Field(() => [RemoteCareFiling], { description: '异地就医备案, filed with the insured region.' })
  async remoteCareFilings(@Ctx() ctx: RegionalContext): Promise<RemoteCareFiling[]> {
    return (await this.audited(ctx, await ctx.records.filingsByPerson.load(this.key))).map(toRemoteCareFiling);
  }

  @Field(() => [Appeal], { description: '申诉 against rejections in this region, oldest first.' })
  async appeals(@Ctx() ctx: RegionalContext): Promise<Appeal[]> {
    return (await ctx.appealRecords.appealsByPerson.load(this.key)).map(toAppeal);
  }

  @Field(() => [Feedback], { description: '意见反馈 sent to this region, with its replies, oldest first.' })
  async feedback(@Ctx() ctx: RegionalContext): Promise<Feedback[]> {
    return (await ctx.appealRecords.feedbackByPerson.load(this.key)).map(toFeedback);
  }
}
