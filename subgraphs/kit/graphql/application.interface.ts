import { Ctx, Field, ID, InterfaceType } from 'type-graphql';

import { calendarSources } from '../domain/calendar';
import type { ApplicationRow, ApplicationStatus, ApplicationType } from '../persistence/db/record.entities';
import { todayInChina } from '../platform/clock';
import { Appeal, toAppeal } from './appeal.types';
import type { RegionalContext } from './context';
import { ApplicationStatusEnum, ApplicationTypeEnum } from './enums';
import { Channel, Disease, DueDate, Hospital } from './policy.types';
import { isOverdue, toCertification } from './record.service';
import { Certification, Material, PersonRef, StatusEvent } from './record.types';
import { RegionBase } from './region.interface';
import { toChannel, toDisease, toHospital } from './region.service';
import { DateScalar, DateTimeScalar } from './scalars';

/**
 * The contract's `Application` interface and how every region resolves it. Concrete types
 * (`PanzhihuaApplication`, ...) extend it; an instance wraps one row, already authorised by
 * whoever handed it out (a record, or the reference resolver).
 */
@InterfaceType('Application', { autoRegisterImplementations: false })
export abstract class ApplicationBase {
  @Field(() => ID, { description: 'The acceptance number: it encodes the region.' }) id: string;
  @Field(() => String) acceptanceNumber: string;
  @Field(() => ApplicationTypeEnum) type: ApplicationType;
  @Field(() => ApplicationStatusEnum) status: ApplicationStatus;
  @Field(() => DateTimeScalar) submittedAt: string;
  @Field(() => DateScalar) acceptedOn: string;
  @Field(() => String, { nullable: true }) decisionReason: string | null;

  constructor(protected readonly row: ApplicationRow) {
    this.id = row.id;
    this.acceptanceNumber = row.id;
    this.type = row.type;
    this.status = row.status;
    this.submittedAt = row.submittedAt;
    this.acceptedOn = row.acceptedOn;
    this.decisionReason = row.decisionReason;
  }

  /** The region's own concrete Region type, supplied by the region's type factory. */
  protected abstract regionOf(code: string): RegionBase;

  @Field(() => RegionBase)
  region(): RegionBase {
    return this.regionOf(this.row.regionCode);
  }

  @Field(() => PersonRef)
  applicant(): PersonRef {
    return { id: this.row.personId };
  }

  @Field(() => Disease)
  async disease(@Ctx() ctx: RegionalContext): Promise<Disease> {
    const row = (await ctx.loaders.allDiseases.load(this.row.regionCode)).find((d) => d.code === this.row.diseaseCode);
    if (!row) throw new Error(`application ${this.id}: disease ${this.row.diseaseCode} is not in the catalogue`);
    return toDisease(row);
  }

  @Field(() => Channel)
  async channel(@Ctx() ctx: RegionalContext): Promise<Channel> {
    const row = (await ctx.loaders.allChannels.load(this.row.regionCode)).find((c) => c.id === this.row.channelId);
    if (!row) throw new Error(`application ${this.id}: channel ${this.row.channelId} is unknown`);
    return toChannel(row);
  }

  @Field(() => Hospital, { nullable: true })
  async hospital(@Ctx() ctx: RegionalContext): Promise<Hospital | null> {
    if (!this.row.hospitalCode) return null;
    const row = (await ctx.loaders.allHospitals.load(this.row.regionCode)).find(
      (h) => h.code === this.row.hospitalCode,
    );
    return row ? toHospital(row) : null;
  }

  @Field(() => DueDate)
  dueDate(): DueDate {
    return {
      date: this.row.dueDate,
      workingDays: this.row.dueWorkingDays,
      provisional: this.row.dueProvisional,
      calendarSources: calendarSources(this.row.acceptedOn, this.row.dueDate),
    };
  }

  @Field(() => Boolean, { description: 'Waiting for a decision past its due date.' })
  overdue(@Ctx() ctx: RegionalContext): boolean {
    return isOverdue(this.row, todayInChina(ctx.clock()));
  }

  @Field(() => [Material])
  async materials(@Ctx() ctx: RegionalContext): Promise<Material[]> {
    return (await ctx.records.materials.load(this.id)).map(({ applicationId: _a, position: _p, ...m }) => m);
  }

  @Field(() => [StatusEvent])
  async history(@Ctx() ctx: RegionalContext): Promise<StatusEvent[]> {
    return (await ctx.records.history.load(this.id)).map(({ status, at, actor, note }) => ({
      status,
      at,
      actor,
      note,
    }));
  }

  @Field(() => Certification, { nullable: true })
  async certification(@Ctx() ctx: RegionalContext): Promise<Certification | null> {
    const row = await ctx.records.certificationOfApplication.load(this.id);
    return row && toCertification(row, ctx);
  }

  @Field(() => Appeal, { nullable: true, description: '申诉 against its rejection, the latest if any.' })
  async appeal(@Ctx() ctx: RegionalContext): Promise<Appeal | null> {
    const row = (await ctx.appealRecords.appealsByApplication.load(this.id)).at(-1);
    return row ? toAppeal(row) : null;
  }
}
