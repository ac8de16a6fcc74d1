import { GraphQLError } from 'graphql';
import type { DataSource, EntityManager } from 'typeorm';

import { addWorkingDays } from '../domain/calendar';
import { hospitalReviewDaysIllustrative } from '../domain/hospital-review-rules';
import { boundAcceptanceNumber, boundReason } from '../domain/input-bounds';
import type { RegionDefinition } from '../domain/region-definition';
import { appendAudit } from '../persistence/audit';
import { ChannelEntity, HospitalEntity } from '../persistence/db/policy.entities';
import { ApplicationEntity, type ApplicationRow, type ApplicationStatus } from '../persistence/db/record.entities';
import { idempotencyScope, idempotent, type Outcome } from '../persistence/idempotency';
import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina } from '../platform/clock';
import { type Problem, problem } from '../platform/errors';
import { requireHospitalReviewer } from './authorization';
import type { WorkflowParts } from './in-person';

// 经定点医疗机构审核备案 (Yunfu): "经定点医疗机构审核备案后，即可享受医保报销待遇"; the applicant
// names a designated hospital (定点医疗机构) in the application; "审核通过后系统自动备案". Where a
// region's file has `rules.hospitalReview`, a new application enters AWAITING_HOSPITAL with the
// hospital's own due date (working days on the calendar; illustrative: no document gives them).
// A HOSPITAL_REVIEWER of the application's own hospital decides: CONFIRM → ACCEPTED, the region's
// review time running from that day (recorded with the region: 备案); DECLINE → REJECTED with
// its reason. The region's reviewer cannot decide before the hospital has (HOSPITAL_REVIEW_PENDING);
// the applicant may withdraw meanwhile. Each decision is audited, in history, and notified.

export type HospitalDecision = 'CONFIRM' | 'DECLINE';

/** What this file needs of the lifecycle besides ./in-person.ts's parts. */
export interface HospitalWorkflowParts extends WorkflowParts {
  readonly ds: DataSource;
}

/** How a new application starts: at the hospital (rule on) or with the region (rule off). */
export interface FirstStep {
  status: Extract<ApplicationStatus, 'AWAITING_HOSPITAL' | 'ACCEPTED'>;
  due: ReturnType<typeof addWorkingDays>;
  /** The history note of the first event. */
  note: string;
  template: string;
  extra: Record<string, string>;
}

/** The first step of a new application in `def`'s region, submitted `today`. */
export function firstStep(
  def: RegionDefinition,
  today: string,
  reviewMax: number,
  hospital: { code: string; name: string } | null,
): FirstStep {
  const rule = def.rules.hospitalReview;
  if (!rule || !hospital) {
    const due = addWorkingDays(today, reviewMax);
    return { status: 'ACCEPTED', due, note: '已受理', template: 'APPLICATION_ACCEPTED', extra: { dueDate: due.date } };
  }
  const due = addWorkingDays(today, rule.workingDays);
  return {
    status: 'AWAITING_HOSPITAL',
    due,
    note: `已受理，待定点医疗机构${hospital.name}审核备案（期限${due.date}${hospitalReviewDaysIllustrative(rule) ? '，示意' : ''}）`,
    template: 'APPLICATION_AWAITING_HOSPITAL',
    extra: { dueDate: due.date, hospitalName: hospital.name },
  };
}

const fail = <T>(...problems: Problem[]): Outcome<T> => ({ value: null, problems });
const NOT_FOUND = problem('APPLICATION_NOT_FOUND', '未找到该申请，请核对受理号', 'acceptanceNumber');
const CONFLICT = problem('CONFLICT', '该申请刚被他人处理过，请刷新后重试', 'acceptanceNumber');

/** The problem `review<P>Application` answers while the hospital has not decided. */
export function hospitalPending(row: ApplicationRow, hospitalName: string): Problem {
  return problem(
    'HOSPITAL_REVIEW_PENDING',
    `该申请正等待定点医疗机构${hospitalName}审核备案（期限${row.dueDate}），医疗机构审核通过后方可审核`,
    'acceptanceNumber',
  );
}

/** A hospital's name in the region's catalogue (retired ones too), or its code. */
export async function hospitalName(ds: DataSource | EntityManager, regionCode: string, code: string | null) {
  if (!code) return '';
  const row = await ds.getRepository(HospitalEntity).findOneBy({ regionCode, code });
  return row?.name ?? code;
}

export interface HospitalReviewRequest {
  identity: Identity;
  requestId: string;
  rawNumber: string;
  decision: HospitalDecision;
  rawReason: string | null | undefined;
  opts: { idempotencyKey?: string | null; deadline?: number };
}

/** confirm<P>HospitalReview: the hospital's decision, once per idempotency key. */
export function reviewAtHospital(
  wf: HospitalWorkflowParts,
  r: HospitalReviewRequest,
): Promise<Outcome<ApplicationRow>> {
  const hospitalCode = requireHospitalReviewer(r.identity, wf.def);
  const { value: acceptanceNumber, problems: numberBounds } = boundAcceptanceNumber(r.rawNumber);
  // Masked like a region reviewer's reason: the applicant reads it, identity and phone numbers hidden.
  const { value: note, problems: bounds } = boundReason(r.rawReason);
  if (numberBounds.length + bounds.length > 0) return Promise.resolve(fail(...numberBounds, ...bounds));
  return idempotent(wf.ds, {
    scope: idempotencyScope(wf.code, r.identity),
    key: r.opts.idempotencyKey,
    operation: `confirm${wf.def.prefix}HospitalReview`,
    args: { acceptanceNumber: acceptanceNumber.toUpperCase(), decision: r.decision, reason: note },
    load: (id: string) => wf.ds.getRepository(ApplicationEntity).findOneBy({ id }),
    now: () => nowInChina(wf.clock()),
    run: (remember) => decide(wf, r, hospitalCode, acceptanceNumber.toUpperCase(), note, remember),
  });
}

async function decide(
  wf: HospitalWorkflowParts,
  { identity, requestId, decision, opts }: HospitalReviewRequest,
  hospitalCode: string,
  acceptanceNumber: string,
  note: string | null,
  remember: (tx: EntityManager, resultId: string) => Promise<void>,
): Promise<Outcome<ApplicationRow>> {
  const row = await wf.ds.getRepository(ApplicationEntity).findOneBy({ id: acceptanceNumber });
  if (!row || row.regionCode !== wf.code) return fail(NOT_FOUND);
  if (row.hospitalCode !== hospitalCode) {
    throw new GraphQLError('只有申请所选定点医疗机构的审核人员可以审核该申请', {
      extensions: { code: 'FORBIDDEN' },
    });
  }
  if (row.status !== 'AWAITING_HOSPITAL') {
    return fail(
      problem(
        'HOSPITAL_REVIEW_NOT_PENDING',
        row.status === 'WITHDRAWN'
          ? '申请人已撤回该申请，无需医疗机构审核'
          : '该申请已不在定点医疗机构审核环节，不能再进行医疗机构审核',
        'acceptanceNumber',
      ),
    );
  }
  if (decision === 'DECLINE' && !note) {
    return fail(problem('REASON_REQUIRED', '医疗机构审核不通过时须说明原因', 'reason'));
  }
  const name = await hospitalName(wf.ds, wf.code, hospitalCode);
  const at = nowInChina(wf.clock());
  const today = wf.today();
  // Confirmed: the region's review time runs from today, by the channel the applicant chose.
  const channel =
    decision === 'CONFIRM'
      ? await wf.ds.getRepository(ChannelEntity).findOneByOrFail({ regionCode: wf.code, id: row.channelId })
      : null;
  const due = channel ? addWorkingDays(today, channel.reviewMax) : null;
  return wf.write(opts, async (tx) => {
    const changes: Partial<ApplicationRow> = due
      ? {
          status: 'ACCEPTED',
          decisionReason: null,
          dueDate: due.date,
          dueWorkingDays: due.workingDays,
          dueProvisional: due.provisional,
        }
      : { status: 'REJECTED', decisionReason: note, decidedAt: at, openSlot: null };
    if (!(await wf.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
    const actor = describeActor(identity);
    await wf.event(
      tx,
      row.id,
      changes.status!,
      actor,
      due
        ? `${name}审核通过，已备案${note ? `（${note}）` : ''}；审核时限自${today}起计算至${due.date}`
        : `${name}审核未通过：${note}`,
    );
    await appendAudit(tx, { identity, action: 'HOSPITAL_REVIEW_DECISION', subject: row.id, requestId, at });
    const updated = { ...row, ...changes, version: row.version + 1 } as ApplicationRow;
    await wf.notify(
      tx,
      updated,
      due ? 'HOSPITAL_REVIEW_CONFIRMED' : 'APPLICATION_REJECTED',
      due ? { dueDate: due.date, hospitalName: name } : { reason: note!, hospitalName: name },
    );
    await remember(tx, row.id);
    return { value: updated, problems: [] };
  });
}
