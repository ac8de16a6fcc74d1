import { randomUUID } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import { addWorkingDays } from '../domain/calendar';
import { boundAcceptanceNumber, boundApplicationInput, boundMaterials, boundReason } from '../domain/input-bounds';
import type { ApplicationInput, MaterialInput } from '../domain/inputs';
import { appendAudit, type AuditAction } from '../persistence/audit';
import { CounterActionEntity, type CounterActionKind, InPersonRequestEntity } from '../persistence/db/counter.entities';
import { ChannelEntity } from '../persistence/db/policy.entities';
import { type ApplicationRow, InsuredPersonEntity } from '../persistence/db/record.entities';
import { idempotent } from '../persistence/idempotency';
import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina } from '../platform/clock';
import { type Problem, problem } from '../platform/errors';
import { PERSON_ID_PATTERN } from '../platform/file-owners';
import { requireClerk } from './authorization';
import { counterPlace, openInPersonRequest } from './in-person';
import {
  type ApplicationWorkflow,
  CONFLICT,
  fail,
  illegal,
  NOT_FOUND,
  type OnBehalf,
  type Outcome,
  type WriteOptions,
} from './workflow';

// The counter (线下窗口, 政务中心医保窗口): a COUNTER_CLERK of the region serves people who are
// not at ease with phones. The clerk finds the person by identity number in the national person
// index (`personByIdNumber`, audited there) — the region knows people only by person id, as it
// knows an applicant by the id in their token — and then, with that id:
//   - submits an application for them (submit<P>ApplicationAtCounter),
//   - supplements materials for them (supplement<P>MaterialsAtCounter),
//   - records an in-person verification a reviewer asked for (record<P>InPersonVerification).
// Each records that the originals were seen (原件核验) and where (the region's counter), and is
// audited in the same transaction (actor = the clerk, subject = the person). The person's own
// real-name claim is not needed: the clerk checks the ID card itself. The application's history
// names the clerk as actor; notifications go to the person as for any application.

const ORIGINALS_REQUIRED = problem(
  'ORIGINALS_NOT_VERIFIED',
  '窗口代办须先核验申请人身份证件及申请材料原件，核验无误后再提交',
  'originalsVerified',
);

function personProblems(personId: string): Problem[] {
  return PERSON_ID_PATTERN.test(personId.trim())
    ? []
    : [problem('PERSON_ID_INVALID', '申请人编号格式不正确，请先按身份证号查询申请人', 'personId')];
}

export interface CounterOptions extends WriteOptions {
  originalsVerified: boolean;
  note?: string | null;
}

export class CounterDesk {
  constructor(
    private readonly wf: ApplicationWorkflow,
    private readonly requestId: string,
  ) {}

  private onBehalf(
    identity: Identity,
    personId: string,
    action: CounterActionKind,
    audit: AuditAction,
    originalsVerified: boolean,
    note: string | null,
  ): OnBehalf {
    const { place, illustrative } = counterPlace(this.wf.def);
    return {
      personId,
      within: async (tx: EntityManager, row: ApplicationRow) => {
        const at = nowInChina(this.wf.clock());
        const position = await tx.getRepository(CounterActionEntity).countBy({ applicationId: row.id });
        await tx.getRepository(CounterActionEntity).insert({
          id: randomUUID(),
          regionCode: this.wf.code,
          applicationId: row.id,
          position,
          personId,
          action,
          originalsVerified,
          place,
          placeIllustrative: illustrative,
          clerk: describeActor(identity),
          at,
          note,
        });
        await appendAudit(tx, { identity, action: audit, subject: personId, requestId: this.requestId, at });
      },
    };
  }

  /** Is `personId` insured here? The same question the applicant's own submission answers (INSURED_*). */
  private async known(personId: string): Promise<boolean> {
    const row = await this.wf.ds
      .getRepository(InsuredPersonEntity)
      .findOneBy({ regionCode: this.wf.code, personId: personId.trim() });
    return row !== null;
  }

  async submit(
    identity: Identity,
    rawPersonId: string,
    raw: ApplicationInput,
    opts: CounterOptions,
  ): Promise<Outcome<ApplicationRow>> {
    requireClerk(identity, this.wf.def);
    const { value: input, problems: bounds } = boundApplicationInput(raw);
    const problems = [
      ...personProblems(rawPersonId),
      ...(opts.originalsVerified ? [] : [ORIGINALS_REQUIRED]),
      ...bounds,
    ];
    if (problems.length > 0) return fail(...problems);
    const personId = rawPersonId.trim();
    if (!(await this.known(personId))) return fail(notInsuredHere(this.wf));
    return idempotent(this.wf.ds, {
      scope: this.wf.scopeOf(identity),
      key: input.idempotencyKey,
      operation: `submit${this.wf.def.prefix}ApplicationAtCounter`,
      args: {
        personId,
        originalsVerified: true,
        input: { ...input, idempotencyKey: null, diseaseCode: input.diseaseCode.trim().toUpperCase() },
      },
      load: this.wf.applicationById,
      now: () => nowInChina(this.wf.clock()),
      run: (remember) =>
        this.wf.submitOnce(
          identity,
          input,
          opts,
          remember,
          this.onBehalf(identity, personId, 'SUBMITTED', 'COUNTER_SUBMIT', true, '窗口代为提交申请，已核验原件'),
        ),
    });
  }

  async supplement(
    identity: Identity,
    rawPersonId: string,
    rawNumber: string,
    rawMaterials: MaterialInput[],
    opts: CounterOptions,
  ): Promise<Outcome<ApplicationRow>> {
    requireClerk(identity, this.wf.def);
    const { value: acceptanceNumber, problems: numberBounds } = boundAcceptanceNumber(rawNumber);
    const { value: materials, problems: bounds } = boundMaterials(rawMaterials);
    const problems = [
      ...personProblems(rawPersonId),
      ...(opts.originalsVerified ? [] : [ORIGINALS_REQUIRED]),
      ...numberBounds,
      ...bounds,
    ];
    if (problems.length > 0) return fail(...problems);
    const personId = rawPersonId.trim();
    return idempotent(this.wf.ds, {
      scope: this.wf.scopeOf(identity),
      key: opts.idempotencyKey,
      operation: `supplement${this.wf.def.prefix}MaterialsAtCounter`,
      args: { personId, acceptanceNumber: acceptanceNumber.toUpperCase(), materials, originalsVerified: true },
      load: this.wf.applicationById,
      now: () => nowInChina(this.wf.clock()),
      run: (remember) =>
        this.wf.supplementOnce(
          identity,
          acceptanceNumber,
          materials,
          opts,
          remember,
          this.onBehalf(identity, personId, 'SUPPLEMENTED', 'COUNTER_SUPPLEMENT', true, '窗口代为补充材料，已核验原件'),
        ),
    });
  }

  /**
   * The visit a reviewer asked for (线下补充核验): AWAITING_IN_PERSON → ACCEPTED, review time running
   * again from today. `originalsVerified` is what the clerk found (false: the originals did not
   * match the uploaded copies; the reviewer decides). A visit after the due date is still
   * recorded, noted 逾期到场, until a reviewer has closed the application.
   */
  async recordInPerson(
    identity: Identity,
    rawPersonId: string,
    rawNumber: string,
    opts: CounterOptions,
  ): Promise<Outcome<ApplicationRow>> {
    requireClerk(identity, this.wf.def);
    const { value: acceptanceNumber, problems: numberBounds } = boundAcceptanceNumber(rawNumber);
    const { value: note, problems: noteBounds } = boundReason(opts.note);
    const problems = [...personProblems(rawPersonId), ...numberBounds, ...noteBounds.map(asNote)];
    if (problems.length > 0) return fail(...problems);
    const personId = rawPersonId.trim();
    return idempotent(this.wf.ds, {
      scope: this.wf.scopeOf(identity),
      key: opts.idempotencyKey,
      operation: `record${this.wf.def.prefix}InPersonVerification`,
      args: {
        personId,
        acceptanceNumber: acceptanceNumber.toUpperCase(),
        originalsVerified: opts.originalsVerified,
        note,
      },
      load: this.wf.applicationById,
      now: () => nowInChina(this.wf.clock()),
      run: async (remember) => {
        const wf = this.wf;
        const row = await wf.applicationOf(personId, acceptanceNumber);
        if (!row) return fail<ApplicationRow>(NOT_FOUND);
        if (row.status !== 'AWAITING_IN_PERSON') return fail<ApplicationRow>(illegal(row.status, '登记线下核验'));
        const today = wf.today();
        const late = today > row.dueDate;
        const channel = await wf.ds
          .getRepository(ChannelEntity)
          .findOneByOrFail({ regionCode: wf.code, id: row.channelId });
        const due = addWorkingDays(today, channel.reviewMax);
        const outcome = opts.originalsVerified ? '原件核验一致' : '原件与所传材料不一致';
        const text = `线下核验已完成：${outcome}${late ? '（逾期到场）' : ''}${note ? `；${note}` : ''}`;
        const onBehalf = this.onBehalf(
          identity,
          personId,
          'IN_PERSON_VERIFIED',
          'COUNTER_IN_PERSON_VERIFIED',
          opts.originalsVerified,
          text,
        );
        return wf.write(opts, async (tx) => {
          const changes = {
            status: 'ACCEPTED' as const,
            dueDate: due.date,
            dueWorkingDays: due.workingDays,
            dueProvisional: due.provisional,
          };
          if (!(await wf.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
          const actor = describeActor(identity);
          const open = await openInPersonRequest(tx, row.id);
          if (open) {
            await tx
              .getRepository(InPersonRequestEntity)
              .update({ id: open.id }, { status: 'VERIFIED', settledAt: nowInChina(wf.clock()), settledBy: actor });
          }
          await wf.event(tx, row.id, 'ACCEPTED', actor, `${text}，审核时限重新计算至${due.date}`);
          const updated = { ...row, ...changes, version: row.version + 1 };
          await wf.notify(tx, updated, 'IN_PERSON_VERIFICATION_RECORDED', { dueDate: due.date });
          await onBehalf.within(tx, updated);
          await remember(tx, row.id);
          return { value: updated, problems: [] };
        });
      },
    });
  }
}

function notInsuredHere(wf: ApplicationWorkflow): Problem {
  return problem(
    'PERSON_NOT_INSURED_HERE',
    `未查到该申请人在${wf.def.policy.name}的参保记录，请核对身份证号或到参保地办理`,
    'personId',
  );
}

const asNote = (p: Problem): Problem => ({ ...p, field: 'note' });
