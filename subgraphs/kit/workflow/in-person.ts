import type { EntityManager } from 'typeorm';

import { addWorkingDays } from '../domain/calendar';
import type { ReviewDecision } from '../domain/inputs';
import type { RegionDefinition } from '../domain/region-definition';
import { appendAudit } from '../persistence/audit';
import { InPersonRequestEntity, type InPersonRequestRow } from '../persistence/db/counter.entities';
import type { ApplicationRow, ApplicationStatus } from '../persistence/db/record.entities';
import type { Outcome } from '../persistence/idempotency';
import { timeOrderedId } from '../persistence/ordered-id';
import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina } from '../platform/clock';
import { type Problem, problem } from '../platform/errors';

// 线下补充核验 (in-person verification): "部分特殊病种或材料复杂时，可能需线下补充核验"
// ({panzhihua-2025}). A reviewer decides REQUEST_IN_PERSON_VERIFICATION on an ACCEPTED
// application: it becomes AWAITING_IN_PERSON, its dueDate becomes the day to come by (a working
// day on the calendar), and the applicant is told by SMS and app message (outbox) what to bring
// and where. A counter clerk records the visit (./counter.ts): back to ACCEPTED, review time
// running again from that day, as after a supplement.
//
// An applicant who does not come by the due date: nothing happens by itself. The application
// stays AWAITING_IN_PERSON and shows as overdue (reviewQueue(status: AWAITING_IN_PERSON,
// overdueOnly: true)); a late visit is still recorded (noted 逾期到场) until a reviewer closes it;
// only then, after the due date, may the reviewer REJECT it (the request LAPSED), and the person
// may apply again. Before the due date the only decisions are the clerk's record or a withdrawal.

/** What this file needs of the lifecycle (./workflow.ts's ApplicationWorkflow; no import, no cycle). */
export interface WorkflowParts {
  readonly def: RegionDefinition;
  readonly clock: () => Date;
  readonly code: string;
  today(): string;
  write<T>(opts: { deadline?: number }, work: (tx: EntityManager) => Promise<T>): Promise<T>;
  transition(tx: EntityManager, row: ApplicationRow, changes: Partial<ApplicationRow>): Promise<boolean>;
  event(
    tx: EntityManager,
    applicationId: string,
    status: ApplicationStatus,
    actor: string,
    note: string | null,
  ): Promise<void>;
  notify(tx: EntityManager, row: ApplicationRow, template: string, extra?: Record<string, string>): Promise<unknown>;
}

const fail = <T>(...problems: Problem[]): Outcome<T> => ({ value: null, problems });
const CONFLICT = problem('CONFLICT', '该申请刚被他人处理过，请刷新后重试', 'acceptanceNumber');

/** Working days to come in. No regional document gives a period: a placeholder, flagged `dueIllustrative`. */
export const IN_PERSON_WORKING_DAYS = 10;
export const IN_PERSON_DAYS_ILLUSTRATIVE = true;

/** Where the region's window is: its COUNTER channel, or (none in its file) a placeholder name. */
export function counterPlace(def: RegionDefinition): { place: string; illustrative: boolean } {
  const counter = def.policy.channels.find((c) => c.kind === 'COUNTER');
  if (counter) return { place: counter.name, illustrative: false };
  return { place: `${def.policy.name}政务服务中心医保窗口`, illustrative: true };
}

/** The open in-person request of an application, if any. */
export function openInPersonRequest(tx: EntityManager, applicationId: string): Promise<InPersonRequestRow | null> {
  return tx.getRepository(InPersonRequestEntity).findOneBy({ applicationId, status: 'REQUESTED' });
}

export interface InPersonReview {
  identity: Identity;
  requestId: string;
  row: ApplicationRow;
  decision: ReviewDecision;
  note: string | null;
  opts: { deadline?: number };
  remember: (tx: EntityManager, resultId: string) => Promise<void>;
}

/**
 * A review of an application awaiting the visit, or one (of an ACCEPTED application: the
 * workflow checks that first) asking for it.
 */
export function reviewInPerson(wf: WorkflowParts, review: InPersonReview): Promise<Outcome<ApplicationRow>> {
  return review.row.status === 'AWAITING_IN_PERSON' ? closeLapsed(wf, review) : request(wf, review);
}

async function request(
  wf: WorkflowParts,
  { identity, requestId, row, note, opts, remember }: InPersonReview,
): Promise<Outcome<ApplicationRow>> {
  if (!note) return fail(problem('REASON_REQUIRED', '要求线下核验时须说明需携带哪些原件、核验什么', 'reason'));
  const today = wf.today();
  const due = addWorkingDays(today, IN_PERSON_WORKING_DAYS);
  const { place, illustrative } = counterPlace(wf.def);
  const at = nowInChina(wf.clock());
  return wf.write(opts, async (tx) => {
    const changes: Partial<ApplicationRow> = {
      status: 'AWAITING_IN_PERSON',
      decisionReason: note,
      dueDate: due.date,
      dueWorkingDays: due.workingDays,
      dueProvisional: due.provisional,
    };
    if (!(await wf.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
    const actor = describeActor(identity);
    await tx.getRepository(InPersonRequestEntity).insert({
      id: timeOrderedId(),
      regionCode: wf.code,
      applicationId: row.id,
      personId: row.personId,
      status: 'REQUESTED',
      reason: note,
      requestedBy: actor,
      requestedAt: at,
      requestedOn: today,
      dueDate: due.date,
      dueWorkingDays: due.workingDays,
      dueIllustrative: IN_PERSON_DAYS_ILLUSTRATIVE,
      place,
      placeIllustrative: illustrative,
      settledAt: null,
      settledBy: null,
    });
    await wf.event(tx, row.id, 'AWAITING_IN_PERSON', actor, `${note}（请于${due.date}前携带原件到${place}核验）`);
    await appendAudit(tx, { identity, action: 'REVIEW_DECISION', subject: row.id, requestId, at });
    const updated = { ...row, ...changes, version: row.version + 1 } as ApplicationRow;
    await wf.notify(tx, updated, 'IN_PERSON_VERIFICATION_REQUESTED', { reason: note, dueDate: due.date, place });
    await remember(tx, row.id);
    return { value: updated, problems: [] };
  });
}

/** Only a REJECT after the due date: the applicant did not come (the request lapses). */
async function closeLapsed(
  wf: WorkflowParts,
  { identity, requestId, row, decision, note, opts, remember }: InPersonReview,
): Promise<Outcome<ApplicationRow>> {
  if (decision !== 'REJECT') {
    return fail(
      problem(
        'IN_PERSON_VERIFICATION_PENDING',
        `该申请正等待申请人到窗口线下核验（期限${row.dueDate}），须由窗口经办人员登记核验后再审核`,
        'decision',
      ),
    );
  }
  if (wf.today() <= row.dueDate) {
    return fail(
      problem(
        'IN_PERSON_NOT_DUE',
        `线下核验期限${row.dueDate}尚未届满；申请人期满未到场的，方可不予通过`,
        'acceptanceNumber',
      ),
    );
  }
  if (!note) return fail(problem('REASON_REQUIRED', '不予通过时须说明原因', 'reason'));
  const at = nowInChina(wf.clock());
  return wf.write(opts, async (tx) => {
    const changes: Partial<ApplicationRow> = {
      status: 'REJECTED',
      decisionReason: note,
      decidedAt: at,
      openSlot: null,
    };
    if (!(await wf.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
    const actor = describeActor(identity);
    const open = await openInPersonRequest(tx, row.id);
    if (open) {
      await tx
        .getRepository(InPersonRequestEntity)
        .update({ id: open.id }, { status: 'LAPSED', settledAt: at, settledBy: actor });
    }
    await wf.event(tx, row.id, 'REJECTED', actor, `${note}（线下核验期限${row.dueDate}已过，申请人未到场）`);
    await appendAudit(tx, { identity, action: 'REVIEW_DECISION', subject: row.id, requestId, at });
    const updated = { ...row, ...changes, version: row.version + 1 } as ApplicationRow;
    await wf.notify(tx, updated, 'APPLICATION_REJECTED', { reason: note });
    await remember(tx, row.id);
    return { value: updated, problems: [] };
  });
}

/** The application was withdrawn while awaiting the visit: its request is closed with it. */
export async function withdrawInPersonRequest(
  tx: EntityManager,
  applicationId: string,
  at: string,
  identity: Identity,
): Promise<void> {
  const open = await openInPersonRequest(tx, applicationId);
  if (!open) return;
  await tx
    .getRepository(InPersonRequestEntity)
    .update({ id: open.id }, { status: 'WITHDRAWN', settledAt: at, settledBy: describeActor(identity) });
}
