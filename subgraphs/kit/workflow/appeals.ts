import { randomUUID } from 'node:crypto';

import { type DataSource, type EntityManager, IsNull } from 'typeorm';

import { appealDueDate, appealPeriodProblem, lastAppealDay } from '../domain/appeal-rules';
import { boundAcceptanceNumber, boundMaterials, boundReason } from '../domain/input-bounds';
import type { MaterialInput } from '../domain/inputs';
import type { RegionDefinition } from '../domain/region-definition';
import { materialProblems, materialRulesFor } from '../domain/rules';
import { appendAudit } from '../persistence/audit';
import { AppealEntity, type AppealRow } from '../persistence/db/appeal.entities';
import { DiseaseEntity, HospitalEntity, MaterialEntity } from '../persistence/db/policy.entities';
import {
  ApplicationEntity,
  type ApplicationRow,
  type ApplicationStatus,
  MaterialFileEntity,
  StatusEventEntity,
} from '../persistence/db/record.entities';
import { idempotencyScope, idempotent, type Outcome } from '../persistence/idempotency';
import { keepInInbox } from '../persistence/inbox';
import type { NationalLookup } from '../persistence/national-client';
import { timeOrderedId } from '../persistence/ordered-id';
import { enqueueNotifications, type NotificationMessage } from '../persistence/outbox';
import { isUniqueViolation } from '../persistence/sql-errors';
import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina, todayInChina } from '../platform/clock';
import { type Problem, problem } from '../platform/errors';
import type { MaterialFiles } from '../platform/file-owners';
import { requireApplicant } from './authorization';
import { certify } from './certification';
import { deadlineOf, transactionBefore } from './deadline';
import { askNational, proofHospitals, withoutNationalChecks } from './national-facts';
import { realNameProblems } from './real-name';
import { reviewRequest } from './review-request';
import type { WriteOptions } from './workflow';

// 申诉: a rejected applicant appeals within the region's appeal period (rules.appeal.periodDays,
// calendar days from the rejection, that day included); a reviewer of the region other than the
// one who rejected decides it within rules.appeal.reviewWorkingDays working days. UPHOLD approves
// the application as a review would (status APPROVED, certification, notification); DISMISS
// leaves it rejected with the reason. One appeal per rejection: a second one, pending or decided,
// is refused. Each change, its history event, its notifications (and for a decision its audit
// row) commit together in one transaction, as in ./workflow.ts.

export type AppealDecision = 'UPHOLD' | 'DISMISS';

const fail = <T>(...problems: Problem[]): Outcome<T> => ({ value: null, problems });
const NOT_FOUND = problem('APPLICATION_NOT_FOUND', '未找到该申请，请核对受理号', 'acceptanceNumber');
const CONFLICT = problem('CONFLICT', '该申请刚被他人处理过，请刷新后重试', 'acceptanceNumber');

export class AppealWorkflow {
  constructor(
    private readonly ds: DataSource,
    private readonly def: RegionDefinition,
    private readonly files: MaterialFiles,
    private readonly clock: () => Date = () => new Date(),
    /** Proof hospitals outside the region's list are looked up in the national directory (./national-facts.ts). */
    private readonly national: NationalLookup | null = null,
  ) {}

  private get code(): string {
    return this.def.policy.code;
  }

  /** The region's appeal figures (rules.appeal of its region file). */
  get rules() {
    return this.def.rules.appeal;
  }

  private today(): string {
    return todayInChina(this.clock());
  }

  private scopeOf(identity: Identity): string {
    return idempotencyScope(this.code, identity);
  }

  private write<T>(opts: WriteOptions, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return transactionBefore(this.ds, opts.deadline ?? deadlineOf(undefined), work);
  }

  private applicationById = (id: string) => this.ds.getRepository(ApplicationEntity).findOneBy({ id });

  /** The last day an appeal against a rejection decided at `decidedAt` may be filed. */
  lastAppealDay(decidedAt: string): string {
    return lastAppealDay(this.def.rules.appeal, decidedAt);
  }

  private async event(
    tx: EntityManager,
    applicationId: string,
    status: ApplicationStatus,
    actor: string,
    note: string,
  ) {
    const position = await tx.getRepository(StatusEventEntity).countBy({ applicationId });
    await tx.getRepository(StatusEventEntity).insert({
      id: randomUUID(),
      applicationId,
      position,
      status,
      at: nowInChina(this.clock()),
      actor,
      note,
    });
  }

  private async notify(tx: EntityManager, row: ApplicationRow, template: string, extra: Record<string, string>) {
    const payload = { acceptanceNumber: row.id, regionName: this.def.policy.name, ...extra };
    const messages: NotificationMessage[] = (['SMS', 'APP'] as const).map((channel) => ({
      template,
      personId: row.personId,
      applicationId: row.id,
      channel,
      payload,
    }));
    await enqueueNotifications(tx, this.code, messages, this.clock());
    await keepInInbox(tx, this.code, messages, this.clock()); // the message centre (我的消息)
  }

  /** A later application for the same disease that is open or approved: upholding would certify twice. */
  private async supersededBy(row: ApplicationRow): Promise<ApplicationRow | null> {
    const later = await this.ds
      .getRepository(ApplicationEntity)
      .findBy({ regionCode: this.code, personId: row.personId, diseaseCode: row.diseaseCode });
    // Later: its reapplication, or submitted after it (at the same instant, a later number of the day).
    const isLater = (a: ApplicationRow) =>
      a.previousApplicationId === row.id ||
      a.submittedAt > row.submittedAt ||
      (a.submittedAt === row.submittedAt && a.id > row.id);
    return (
      later.find((a) => a.id !== row.id && isLater(a) && a.status !== 'REJECTED' && a.status !== 'WITHDRAWN') ?? null
    );
  }

  async appeal(
    identity: Identity,
    rawNumber: string,
    rawReason: string | null | undefined,
    rawMaterials: MaterialInput[] | null | undefined,
    opts: WriteOptions = {},
  ): Promise<Outcome<ApplicationRow>> {
    requireApplicant(identity);
    const { value: acceptanceNumber, problems: numberBounds } = boundAcceptanceNumber(rawNumber);
    const { value: reason, problems: reasonBounds } = boundReason(rawReason);
    const { value: materials, problems: materialBounds } = boundMaterials(rawMaterials ?? []);
    const bounds = [...realNameProblems(identity, this.def), ...numberBounds, ...reasonBounds, ...materialBounds];
    if (bounds.length > 0) return fail(...bounds);
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: opts.idempotencyKey,
      operation: `appeal${this.def.prefix}Application`,
      args: { acceptanceNumber: acceptanceNumber.toUpperCase(), reason, materials },
      load: this.applicationById,
      now: () => nowInChina(this.clock()),
      run: (remember) => this.appealOnce(identity, acceptanceNumber, reason, materials, opts, remember),
    });
  }

  /** Every reason this appeal cannot be filed, all at once. */
  private async appealOnce(
    identity: Identity,
    acceptanceNumber: string,
    reason: string | null,
    materials: MaterialInput[],
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<ApplicationRow>> {
    const personId = requireApplicant(identity);
    const row = await this.ds.getRepository(ApplicationEntity).findOneBy({ id: acceptanceNumber.toUpperCase() });
    if (!row || row.personId !== personId || row.regionCode !== this.code) return fail(NOT_FOUND);
    const today = this.today();
    const problems: Problem[] = [];
    if (!reason) problems.push(problem('APPEAL_REASON_REQUIRED', '请填写申诉理由', 'reason'));
    const earlier = await this.ds
      .getRepository(AppealEntity)
      .find({ where: { applicationId: row.id }, order: { filedAt: 'ASC', id: 'ASC' } });
    if (row.status !== 'REJECTED' || !row.decidedAt) {
      problems.push(problem('APPEAL_NOT_REJECTED', '只有审核未通过的申请可以申诉', 'acceptanceNumber'));
    } else {
      const expired = appealPeriodProblem(this.def.rules.appeal, row.decidedAt, today);
      if (expired) problems.push(expired);
    }
    const newer = row.status === 'REJECTED' ? await this.supersededBy(row) : null;
    if (newer) {
      problems.push(
        problem(
          'APPEAL_SUPERSEDED',
          `您已就该病种重新提出申请（受理号${newer.id}），请在新申请中办理，不能再对原申请申诉`,
          'acceptanceNumber',
        ),
      );
    }
    if (earlier.some((a) => a.status === 'PENDING')) {
      problems.push(problem('APPEAL_ALREADY_OPEN', '该申请已有一笔申诉正在处理中，请勿重复申诉', 'acceptanceNumber'));
    } else if (earlier.length > 0) {
      // One appeal per rejection: a dismissed appeal is the region's last word on it.
      problems.push(problem('APPEAL_ALREADY_DECIDED', '该申请的申诉已有处理结果，不能再次申诉', 'acceptanceNumber'));
    }
    if (materials.length > 0) {
      const [disease, rules, hospitals, uploaded] = await Promise.all([
        this.ds.getRepository(DiseaseEntity).findOneBy({ regionCode: this.code, code: row.diseaseCode }),
        this.ds.getRepository(MaterialEntity).findBy({ regionCode: this.code, retiredOn: IsNull() }),
        this.ds.getRepository(HospitalEntity).findBy({ regionCode: this.code, retiredOn: IsNull() }),
        this.files.usableBy(
          personId,
          materials.map((m) => m.sha256),
        ),
      ]);
      const national = await askNational(this.national, identity, null, materials, hospitals);
      const proof = proofHospitals(hospitals, national.ok ? national.directory : new Map());
      const found = materialProblems(materials, materialRulesFor(rules, disease), proof, today, uploaded);
      problems.push(...(national.ok ? found : [national.problem, ...withoutNationalChecks(found)]));
    }
    if (problems.length > 0) return fail(...problems);

    const rejection = (
      await this.ds.getRepository(StatusEventEntity).find({
        where: { applicationId: row.id, status: 'REJECTED' },
        order: { position: 'DESC' },
        take: 1,
      })
    )[0];
    const due = appealDueDate(this.def.rules.appeal, today);
    if (materials.length > 0) {
      await this.files.markReferenced(
        this.code,
        personId,
        materials.map((m) => m.sha256),
      );
    }
    const appeal: AppealRow = {
      id: timeOrderedId(),
      regionCode: this.code,
      personId,
      applicationId: row.id,
      status: 'PENDING',
      reason: reason!,
      filedAt: nowInChina(this.clock()),
      filedOn: today,
      dueDate: due.date,
      dueWorkingDays: due.workingDays,
      dueProvisional: due.provisional,
      rejectedBy: rejection?.actor ?? 'UNKNOWN',
      decidedBy: null,
      decisionReason: null,
      decidedAt: null,
      openSlot: row.id,
      version: 1,
    };
    try {
      await this.write(opts, async (tx) => {
        await tx.getRepository(AppealEntity).insert(appeal);
        if (materials.length > 0) {
          const start = await tx.getRepository(MaterialFileEntity).countBy({ applicationId: row.id });
          await tx.getRepository(MaterialFileEntity).insert(
            materials.map((x, i) => ({
              id: randomUUID(),
              applicationId: row.id,
              position: start + i,
              kind: x.kind,
              issuedOn: x.issuedOn ?? null,
              hospitalCode: x.hospitalCode ?? null,
              stamped: x.stamped,
              fileName: x.fileName.slice(0, 255),
              sha256: x.sha256,
            })),
          );
        }
        const withMaterials = materials.length > 0 ? `，附申诉材料${materials.length}份` : '';
        await this.event(
          tx,
          row.id,
          'REJECTED',
          describeActor(identity),
          `已提出申诉${withMaterials}，申诉处理时限至${due.date}`,
        );
        await this.notify(tx, row, 'APPEAL_RECEIVED', { dueDate: due.date });
        await remember(tx, row.id);
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // A parallel twin filed its appeal first (ux_appeal_open).
      return fail(problem('APPEAL_ALREADY_OPEN', '该申请已有一笔申诉正在处理中，请勿重复申诉', 'acceptanceNumber'));
    }
    return { value: row, problems: [] };
  }

  review(
    identity: Identity,
    requestId: string,
    rawNumber: string,
    decision: AppealDecision,
    rawReason: string | null | undefined,
    opts: WriteOptions = {},
  ): Promise<Outcome<ApplicationRow>> {
    return reviewRequest(this.ds, {
      identity,
      def: this.def,
      rawNumber,
      decision,
      rawReason,
      operation: `review${this.def.prefix}Appeal`,
      idempotencyKey: opts.idempotencyKey,
      clock: this.clock,
      run: (acceptanceNumber, note, remember) =>
        this.reviewOnce(identity, requestId, acceptanceNumber, decision, note, opts, remember),
    });
  }

  private async reviewOnce(
    identity: Identity,
    requestId: string,
    acceptanceNumber: string,
    decision: AppealDecision,
    note: string | null,
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<ApplicationRow>> {
    const row = await this.ds.getRepository(ApplicationEntity).findOneBy({ id: acceptanceNumber.toUpperCase() });
    if (!row || row.regionCode !== this.code) return fail(NOT_FOUND);
    const appeal = await this.ds.getRepository(AppealEntity).findOneBy({ applicationId: row.id, status: 'PENDING' });
    const actor = describeActor(identity);
    const problems: Problem[] = [];
    if (!appeal) problems.push(problem('APPEAL_NOT_FOUND', '该申请没有待处理的申诉', 'acceptanceNumber'));
    else if (appeal.rejectedBy === actor) {
      problems.push(problem('APPEAL_SAME_REVIEWER', '申诉须由作出原审核决定以外的审核人员处理', 'acceptanceNumber'));
    }
    // Applied again for the same disease since the appeal was filed: upholding would certify twice.
    const newer = appeal && decision === 'UPHOLD' ? await this.supersededBy(row) : null;
    if (newer) {
      problems.push(
        problem(
          'APPEAL_SUPERSEDED',
          `申请人已就该病种重新提出申请（受理号${newer.id}），申诉不能改判为通过，请驳回申诉并审核新申请`,
          'acceptanceNumber',
        ),
      );
    }
    if (decision === 'DISMISS' && !note) {
      problems.push(problem('REASON_REQUIRED', '驳回申诉时须说明原因', 'reason'));
    }
    if (problems.length > 0 || !appeal) return fail(...problems);
    if (row.status !== 'REJECTED') return fail(CONFLICT);

    const at = nowInChina(this.clock());
    const upheld = decision === 'UPHOLD';
    return this.write(opts, async (tx) => {
      const decided = await tx
        .createQueryBuilder()
        .update(AppealEntity)
        .set({
          status: upheld ? 'UPHELD' : 'DISMISSED',
          decidedBy: actor,
          decisionReason: note,
          decidedAt: at,
          openSlot: null,
          version: appeal.version + 1,
        })
        .where('id = :id AND version = :version', { id: appeal.id, version: appeal.version })
        .execute();
      if (decided.affected !== 1) return fail<ApplicationRow>(CONFLICT);
      let updated = row;
      if (upheld) {
        const changes = { status: 'APPROVED' as const, decisionReason: note, decidedAt: at, openSlot: null };
        const moved = await tx
          .createQueryBuilder()
          .update(ApplicationEntity)
          .set({ ...changes, version: row.version + 1 })
          .where('id = :id AND version = :version', { id: row.id, version: row.version })
          .execute();
        if (moved.affected !== 1) throw new AppealConflict();
        updated = { ...row, ...changes, version: row.version + 1 };
        await this.event(tx, row.id, 'APPROVED', actor, note ? `申诉成立：${note}` : '申诉成立，审核通过');
        await certify(tx, this.def, row, this.today());
      } else {
        await this.event(tx, row.id, 'REJECTED', actor, `申诉不成立：${note}`);
      }
      await appendAudit(tx, { identity, action: 'REVIEW_DECISION', subject: row.id, requestId, at });
      await this.notify(tx, updated, 'APPEAL_DECIDED', {
        outcome: upheld ? 'UPHELD' : 'DISMISSED',
        ...(note ? { reason: note } : {}),
      });
      await remember(tx, row.id);
      return { value: updated, problems: [] };
    }).catch((e: unknown) => {
      if (e instanceof AppealConflict) return fail<ApplicationRow>(CONFLICT);
      throw e;
    });
  }
}

/** Thrown inside the decision's transaction to roll back the appeal's change when the application moved. */
class AppealConflict extends Error {}
