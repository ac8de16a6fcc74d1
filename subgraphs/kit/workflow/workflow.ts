import { randomUUID } from 'node:crypto';

import { type DataSource, type EntityManager, IsNull } from 'typeorm';

import { formatAcceptanceNumber } from '../domain/acceptance-number';
import { addWorkingDays } from '../domain/calendar';
import {
  boundAcceptanceNumber,
  boundApplicationInput,
  boundMaterials,
  boundRemoteCareInput,
} from '../domain/input-bounds';
import type { ApplicationInput, MaterialInput, RemoteCareInput, ReviewDecision } from '../domain/inputs';
import type { RegionDefinition } from '../domain/region-definition';
import { materialProblems, materialRulesFor, validateSubmission } from '../domain/rules';
import { appendAudit } from '../persistence/audit';
import { ChannelEntity, DiseaseEntity, HospitalEntity, MaterialEntity } from '../persistence/db/policy.entities';
import {
  ApplicationEntity,
  type ApplicationRow,
  type ApplicationStatus,
  CertificationEntity,
  InsuredPersonEntity,
  MaterialFileEntity,
  RemoteCareFilingEntity,
  type RemoteCareFilingRow,
  StatusEventEntity,
} from '../persistence/db/record.entities';
import { enqueueHistoryReport } from '../persistence/history-report';
import { idempotencyScope, idempotent, type Outcome } from '../persistence/idempotency';
import { keepInInbox } from '../persistence/inbox';
import type { NationalLookup } from '../persistence/national-client';
import { timeOrderedId } from '../persistence/ordered-id';
import { enqueueNotifications, type NotificationMessage } from '../persistence/outbox';
import { isUniqueViolation, retryOnDeadlock } from '../persistence/sql-errors';
import { describeActor, type Identity } from '../platform/auth/identity';
import { todayInChina } from '../platform/clock';
import { nowInChina } from '../platform/clock';
import { type Problem, problem } from '../platform/errors';
import type { MaterialFiles } from '../platform/file-owners';
import { requireApplicant } from './authorization';
import { certify } from './certification';
import { deadlineOf, transactionBefore } from './deadline';
import { firstStep, type HospitalDecision, hospitalName, hospitalPending, reviewAtHospital } from './hospital-review';
import { reviewInPerson, withdrawInPersonRequest } from './in-person';
import { askNational, proofHospitals, withoutNationalChecks } from './national-facts';
import { realNameProblems } from './real-name';
import { checkRemoteCare } from './remote-care';
import { reviewRequest } from './review-request';
import { ensureSequenceRow, nextSequence } from './sequences';

// The 门特 application lifecycle of one region: submit → [AWAITING_HOSPITAL → (hospital confirms,
// ./hospital-review.ts)] → ACCEPTED → (SUPPLEMENT_REQUESTED →
// supplemented → ACCEPTED) → APPROVED | REJECTED, or WITHDRAWN before a decision. Every mutation
// is one transaction: the status change, its history event, its notification (outbox) and, for a
// review, its audit row commit together or not at all.

export type { Outcome };

export const fail = <T>(...problems: Problem[]): Outcome<T> => ({ value: null, problems });
export const NOT_FOUND = problem('APPLICATION_NOT_FOUND', '未找到该申请，请核对受理号', 'acceptanceNumber');
export const CONFLICT = problem('CONFLICT', '该申请刚被他人处理过，请刷新后重试', 'acceptanceNumber');

const STATUS_NAME: Record<ApplicationStatus, string> = {
  AWAITING_HOSPITAL: '待定点医疗机构审核',
  ACCEPTED: '已受理',
  SUPPLEMENT_REQUESTED: '待补充材料',
  AWAITING_IN_PERSON: '待线下核验',
  APPROVED: '已通过',
  REJECTED: '未通过',
  WITHDRAWN: '已撤回',
};

export function illegal(from: ApplicationStatus, action: string): Problem {
  return problem('ILLEGAL_TRANSITION', `申请当前状态为“${STATUS_NAME[from]}”，不能${action}`, 'acceptanceNumber');
}

/** What every write receives besides its arguments: its idempotency key and its deadline (epoch ms). */
export interface WriteOptions {
  idempotencyKey?: string | null;
  /** Commit only before this instant (x-mente-deadline); default: WRITE_DEADLINE_MAX_MS from now. */
  deadline?: number;
}

/**
 * Acting for an applicant at the counter (./counter.ts): whose application it is, and what else the
 * clerk's transaction records (the counter record, the audit row).
 */
export interface OnBehalf {
  personId: string;
  within(tx: EntityManager, row: ApplicationRow): Promise<void>;
}

// The helpers below without `private` are shared with ./counter.ts and ./in-person.ts, which add
// the counter journeys on top of this lifecycle; nothing outside workflow/ calls them.
export class ApplicationWorkflow {
  constructor(
    readonly ds: DataSource,
    readonly def: RegionDefinition,
    readonly files: MaterialFiles,
    readonly clock: () => Date = () => new Date(),
    /** Where residence (常住地) and proof hospitals are looked up (./national-facts.ts); null: unavailable. */
    private readonly national: NationalLookup | null = null,
  ) {}

  get code(): string {
    return this.def.policy.code;
  }

  /** One write transaction that commits only before the request's deadline. */
  write<T>(opts: WriteOptions, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return transactionBefore(this.ds, opts.deadline ?? deadlineOf(undefined), work);
  }

  /** Catalogue entries in force (not retired): what a new request may choose. */
  private get inForce() {
    return { regionCode: this.code, retiredOn: IsNull() };
  }

  applicationById = (id: string) => this.ds.getRepository(ApplicationEntity).findOneBy({ id });

  scopeOf(identity: Identity): string {
    return idempotencyScope(this.code, identity);
  }

  today(): string {
    return todayInChina(this.clock());
  }

  async event(tx: EntityManager, applicationId: string, status: ApplicationStatus, actor: string, note: string | null) {
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

  async notify(tx: EntityManager, row: ApplicationRow, template: string, extra: Record<string, string> = {}) {
    const payload = { acceptanceNumber: row.id, regionName: this.def.policy.name, ...extra };
    const messages: NotificationMessage[] = (['SMS', 'APP'] as const).map((channel) => ({
      template,
      personId: row.personId,
      applicationId: row.id,
      channel,
      payload,
    }));
    await enqueueNotifications(tx, this.code, messages, this.clock());
    await keepInInbox(tx, this.code, messages, this.clock());
  }

  /** Changes status only if nobody else changed the application since it was read (optimistic lock). */
  async transition(tx: EntityManager, row: ApplicationRow, changes: Partial<ApplicationRow>): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(ApplicationEntity)
      .set({ ...changes, version: row.version + 1 })
      .where('id = :id AND version = :version', { id: row.id, version: row.version })
      .execute();
    return result.affected === 1;
  }

  async submit(identity: Identity, raw: ApplicationInput, opts: WriteOptions = {}): Promise<Outcome<ApplicationRow>> {
    requireApplicant(identity);
    const { value: input, problems: bounds } = boundApplicationInput(raw);
    const realName = realNameProblems(identity, this.def);
    if (realName.length + bounds.length > 0) return fail(...realName, ...bounds);
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: input.idempotencyKey,
      operation: `submit${this.def.prefix}Application`,
      args: { input: { ...input, idempotencyKey: null, diseaseCode: input.diseaseCode.trim().toUpperCase() } },
      load: this.applicationById,
      now: () => nowInChina(this.clock()),
      run: (remember) => this.submitOnce(identity, input, opts, remember),
    });
  }

  async submitOnce(
    identity: Identity,
    input: ApplicationInput,
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
    onBehalf?: OnBehalf,
  ): Promise<Outcome<ApplicationRow>> {
    const personId = onBehalf ? onBehalf.personId : requireApplicant(identity);
    // The key on the application row is the applicant's own (unique per person): a clerk's key at
    // the counter is kept only under the clerk's scope (idempotency_key, the person in its
    // fingerprint), so a clerk's key that happens to equal one of the applicant's never answers
    // with the applicant's earlier application, nor theirs with the clerk's.
    const key = onBehalf ? null : input.idempotencyKey?.trim() || null;
    const byKey = () =>
      this.ds.getRepository(ApplicationEntity).findOneBy({ regionCode: this.code, personId, idempotencyKey: key! });
    if (key) {
      const first = await byKey();
      if (first) return { value: first, problems: [] };
    }
    const today = this.today();
    const record = { regionCode: this.code, personId };
    const m = this.ds.manager;
    const [
      insured,
      diseases,
      channels,
      hospitals,
      materialRules,
      applications,
      certifications,
      filings,
      uploaded,
      national,
    ] = await Promise.all([
      m.getRepository(InsuredPersonEntity).findOneBy(record),
      m.getRepository(DiseaseEntity).findBy(this.inForce),
      m.getRepository(ChannelEntity).findBy(this.inForce),
      m.getRepository(HospitalEntity).findBy(this.inForce),
      m.getRepository(MaterialEntity).find({ where: this.inForce, order: { position: 'ASC' } }),
      m.getRepository(ApplicationEntity).find({ where: record, order: { submittedAt: 'ASC', id: 'ASC' } }),
      m.getRepository(CertificationEntity).find({ where: record, order: { validFrom: 'ASC', id: 'ASC' } }),
      m.getRepository(RemoteCareFilingEntity).findBy(record),
      this.files.usableBy(
        personId,
        input.materials.map((x) => x.sha256),
      ),
      askNational(this.national, identity, personId, input.materials, null),
    ]);
    const disease = diseases.find((d) => d.code === input.diseaseCode.trim().toUpperCase()) ?? null;
    const channel = channels.find((c) => c.id === input.channelId) ?? null;
    const problems = validateSubmission(
      {
        regionCode: this.code,
        regionName: this.def.policy.name,
        today,
        input,
        insured,
        disease,
        channel,
        hospitals,
        materialRules,
        applications,
        certifications,
        filings,
        nationalPerson: national.ok ? national.person : null,
        proofHospitals: proofHospitals(hospitals, national.ok ? national.directory : new Map()),
        uploaded,
      },
      this.def.rules,
    );
    // The national subgraph out of reach: its problem, with every other one it could not have changed.
    if (!national.ok) problems.splice(0, problems.length, national.problem, ...withoutNationalChecks(problems));
    if (problems.length > 0 || !disease || !channel) {
      // A duplicate with the same key that raced past the first check sees the first one as "open".
      const first = key ? await byKey() : null;
      return first ? { value: first, problems: [] } : fail(...problems);
    }

    // 经定点医疗机构审核备案 (rules.hospitalReview): first to the hospital named, with its own due date.
    const hospital = hospitals.find((h) => h.code === input.hospitalCode?.trim()) ?? null;
    const step = firstStep(this.def, today, channel.reviewMax, hospital);
    const due = step.due;
    await ensureSequenceRow(this.ds, this.code, today);
    const previous = applications.filter((a) => a.diseaseCode === disease.code && a.status === 'REJECTED').at(-1);
    await this.files.markReferenced(
      this.code,
      personId,
      input.materials.map((x) => x.sha256),
    );
    try {
      const row = await retryOnDeadlock(() =>
        this.write(opts, async (tx) => {
          const id = formatAcceptanceNumber(this.code, today, await nextSequence(tx, this.code, today));
          const row: ApplicationRow = {
            id,
            regionCode: this.code,
            personId,
            type: input.type,
            diseaseCode: disease.code,
            channelId: channel.id,
            hospitalCode: input.hospitalCode ?? null,
            status: step.status,
            submittedAt: nowInChina(this.clock()),
            acceptedOn: today,
            dueDate: due.date,
            dueWorkingDays: due.workingDays,
            dueProvisional: due.provisional,
            decisionReason: null,
            decidedAt: null,
            previousApplicationId: previous?.id ?? null,
            // The column holds 100 characters; longer keys (up to 128) live only in idempotency_key.
            idempotencyKey: key && key.length <= 100 ? key : null,
            openSlot: `${personId}|${disease.code}`,
            version: 1,
          };
          await tx.getRepository(ApplicationEntity).insert(row);
          await this.insertMaterials(tx, id, 0, input.materials);
          await this.event(
            tx,
            id,
            step.status,
            describeActor(identity),
            previous
              ? `重新申请，原受理号${previous.id}${step.status === 'AWAITING_HOSPITAL' ? `；${step.note}` : ''}`
              : step.note,
          );
          await this.notify(tx, row, step.template, step.extra);
          // The national index learns this region now holds the person's history (Person.records).
          await enqueueHistoryReport(
            tx,
            this.code,
            { personId: row.personId, kind: 'APPLIED', applicationId: null },
            this.clock(),
          );
          await onBehalf?.within(tx, row);
          await remember(tx, id);
          return row;
        }),
      );
      return { value: row, problems: [] };
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Lost a race at a unique index: to the same key (return the winner) or to another open
      // application for the same disease.
      const first = key ? await byKey() : null;
      if (first) return { value: first, problems: [] };
      return fail(
        problem('DUPLICATE_OPEN_APPLICATION', `您已有一笔${disease.name}的申请正在办理中，请勿重复申请`, 'diseaseCode'),
      );
    }
  }

  async insertMaterials(tx: EntityManager, applicationId: string, start: number, materials: MaterialInput[]) {
    if (materials.length === 0) return;
    await tx.getRepository(MaterialFileEntity).insert(
      materials.map((x, i) => ({
        id: randomUUID(),
        applicationId,
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

  /** The application if `identity` may act on it as its applicant; otherwise null (same answer). */
  private async ownApplication(identity: Identity, acceptanceNumber: string): Promise<ApplicationRow | null> {
    return this.applicationOf(requireApplicant(identity), acceptanceNumber);
  }

  /** `personId`'s application in this region with that number, or null (same answer either way). */
  async applicationOf(personId: string, acceptanceNumber: string): Promise<ApplicationRow | null> {
    const row = await this.ds.getRepository(ApplicationEntity).findOneBy({ id: acceptanceNumber.trim().toUpperCase() });
    return row && row.personId === personId && row.regionCode === this.code ? row : null;
  }

  async supplement(
    identity: Identity,
    rawNumber: string,
    rawMaterials: MaterialInput[],
    opts: WriteOptions = {},
  ): Promise<Outcome<ApplicationRow>> {
    requireApplicant(identity);
    const { value: acceptanceNumber, problems: numberBounds } = boundAcceptanceNumber(rawNumber);
    const { value: materials, problems: bounds } = boundMaterials(rawMaterials);
    const realName = realNameProblems(identity, this.def);
    if (realName.length + numberBounds.length + bounds.length > 0) {
      return fail(...realName, ...numberBounds, ...bounds);
    }
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: opts.idempotencyKey,
      operation: `supplement${this.def.prefix}Materials`,
      args: { acceptanceNumber: acceptanceNumber.toUpperCase(), materials },
      load: this.applicationById,
      now: () => nowInChina(this.clock()),
      run: (remember) => this.supplementOnce(identity, acceptanceNumber, materials, opts, remember),
    });
  }

  async supplementOnce(
    identity: Identity,
    acceptanceNumber: string,
    materials: MaterialInput[],
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
    onBehalf?: OnBehalf,
  ): Promise<Outcome<ApplicationRow>> {
    const row = onBehalf
      ? await this.applicationOf(onBehalf.personId, acceptanceNumber)
      : await this.ownApplication(identity, acceptanceNumber);
    if (!row) return fail(NOT_FOUND);
    if (row.status !== 'SUPPLEMENT_REQUESTED') return fail(illegal(row.status, '补充材料'));
    if (materials.length === 0) return fail(problem('MATERIAL_MISSING', '请至少上传一份补充材料', 'materials'));
    const [disease, rules, hospitals, uploaded] = await Promise.all([
      this.ds.getRepository(DiseaseEntity).findOneBy({ regionCode: this.code, code: row.diseaseCode }),
      this.ds.getRepository(MaterialEntity).findBy(this.inForce),
      this.ds.getRepository(HospitalEntity).findBy(this.inForce),
      this.files.usableBy(
        row.personId,
        materials.map((x) => x.sha256),
      ),
    ]);
    const today = this.today();
    const national = await askNational(this.national, identity, null, materials, hospitals);
    if (!national.ok) return fail(national.problem);
    const problems = materialProblems(
      materials,
      materialRulesFor(rules, disease),
      proofHospitals(hospitals, national.directory),
      today,
      uploaded,
    );
    if (problems.length > 0) return fail(...problems);
    await this.files.markReferenced(
      this.code,
      row.personId,
      materials.map((x) => x.sha256),
    );
    // Review time runs again from the day the materials are complete (补正后重新计算).
    const channel = await this.ds
      .getRepository(ChannelEntity)
      .findOneByOrFail({ regionCode: this.code, id: row.channelId });
    const due = addWorkingDays(today, channel.reviewMax);
    return this.write(opts, async (tx) => {
      const changes = {
        status: 'ACCEPTED' as const,
        dueDate: due.date,
        dueWorkingDays: due.workingDays,
        dueProvisional: due.provisional,
      };
      if (!(await this.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
      const start = await tx.getRepository(MaterialFileEntity).countBy({ applicationId: row.id });
      await this.insertMaterials(tx, row.id, start, materials);
      await this.event(
        tx,
        row.id,
        'ACCEPTED',
        describeActor(identity),
        `已补充材料${materials.length}份，审核时限重新计算至${due.date}`,
      );
      const updated = { ...row, ...changes, version: row.version + 1 };
      await this.notify(tx, updated, 'MATERIALS_SUPPLEMENTED', { dueDate: due.date });
      await onBehalf?.within(tx, updated);
      await remember(tx, row.id);
      return { value: updated, problems: [] };
    });
  }

  async withdraw(identity: Identity, rawNumber: string, opts: WriteOptions = {}): Promise<Outcome<ApplicationRow>> {
    requireApplicant(identity);
    const { value: acceptanceNumber, problems: bounds } = boundAcceptanceNumber(rawNumber);
    if (bounds.length > 0) return fail(...bounds);
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: opts.idempotencyKey,
      operation: `withdraw${this.def.prefix}Application`,
      args: { acceptanceNumber: acceptanceNumber.toUpperCase() },
      load: this.applicationById,
      now: () => nowInChina(this.clock()),
      run: (remember) => this.withdrawOnce(identity, acceptanceNumber, opts, remember),
    });
  }

  private async withdrawOnce(
    identity: Identity,
    acceptanceNumber: string,
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<ApplicationRow>> {
    const row = await this.ownApplication(identity, acceptanceNumber);
    if (!row) return fail(NOT_FOUND);
    const open: ApplicationStatus[] = ['AWAITING_HOSPITAL', 'ACCEPTED', 'SUPPLEMENT_REQUESTED', 'AWAITING_IN_PERSON'];
    if (!open.includes(row.status)) return fail(illegal(row.status, '撤回'));
    return this.write(opts, async (tx) => {
      const changes = { status: 'WITHDRAWN' as const, decidedAt: nowInChina(this.clock()), openSlot: null };
      if (!(await this.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
      await this.event(tx, row.id, 'WITHDRAWN', describeActor(identity), '申请人撤回申请');
      if (row.status === 'AWAITING_IN_PERSON') await withdrawInPersonRequest(tx, row.id, changes.decidedAt, identity);
      const updated = { ...row, ...changes, version: row.version + 1 };
      await this.notify(tx, updated, 'APPLICATION_WITHDRAWN');
      await remember(tx, row.id);
      return { value: updated, problems: [] };
    });
  }

  review(
    identity: Identity,
    requestId: string,
    rawNumber: string,
    decision: ReviewDecision,
    rawReason: string | null | undefined,
    opts: WriteOptions = {},
  ): Promise<Outcome<ApplicationRow>> {
    return reviewRequest(this.ds, {
      identity,
      def: this.def,
      rawNumber,
      decision,
      rawReason,
      operation: `review${this.def.prefix}Application`,
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
    decision: ReviewDecision,
    note: string | null,
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<ApplicationRow>> {
    const row = await this.ds.getRepository(ApplicationEntity).findOneBy({ id: acceptanceNumber.toUpperCase() });
    if (!row || row.regionCode !== this.code) return fail(NOT_FOUND);
    // 线下补充核验 (./in-person.ts): closing a request the applicant let lapse, and asking for one.
    const inPerson = { identity, requestId, row, decision, note, opts, remember };
    if (row.status === 'AWAITING_HOSPITAL') {
      return fail(hospitalPending(row, await hospitalName(this.ds, this.code, row.hospitalCode)));
    }
    if (row.status === 'AWAITING_IN_PERSON') return reviewInPerson(this, inPerson);
    if (row.status !== 'ACCEPTED') return fail(illegal(row.status, '审核'));
    if (decision === 'REQUEST_IN_PERSON_VERIFICATION') return reviewInPerson(this, inPerson);
    if (decision !== 'APPROVE' && !note) {
      return fail(
        problem(
          'REASON_REQUIRED',
          decision === 'REJECT' ? '不予通过时须说明原因' : '要求补充材料时须说明缺少哪些材料',
          'reason',
        ),
      );
    }
    const at = nowInChina(this.clock());
    const status: ApplicationStatus =
      decision === 'APPROVE' ? 'APPROVED' : decision === 'REJECT' ? 'REJECTED' : 'SUPPLEMENT_REQUESTED';
    return this.write(opts, async (tx) => {
      const changes: Partial<ApplicationRow> =
        status === 'SUPPLEMENT_REQUESTED'
          ? { status, decisionReason: note }
          : { status, decisionReason: note, decidedAt: at, openSlot: null };
      if (!(await this.transition(tx, row, changes))) return fail<ApplicationRow>(CONFLICT);
      const actor = describeActor(identity);
      await this.event(tx, row.id, status, actor, note ?? '审核通过');
      if (status === 'APPROVED') await certify(tx, this.def, row, this.today());
      await appendAudit(tx, { identity, action: 'REVIEW_DECISION', subject: row.id, requestId, at });
      const updated = { ...row, ...changes, version: row.version + 1 } as ApplicationRow;
      await this.notify(tx, updated, `APPLICATION_${status}`, note ? { reason: note } : {});
      await remember(tx, row.id);
      return { value: updated, problems: [] };
    });
  }

  /** confirm<P>HospitalReview: the named designated hospital's decision (./hospital-review.ts). */
  reviewAtHospital(
    identity: Identity,
    requestId: string,
    rawNumber: string,
    decision: HospitalDecision,
    rawReason: string | null | undefined,
    opts: WriteOptions = {},
  ): Promise<Outcome<ApplicationRow>> {
    return reviewAtHospital(this, { identity, requestId, rawNumber, decision, rawReason, opts });
  }

  async fileRemoteCare(
    identity: Identity,
    raw: RemoteCareInput,
    opts: WriteOptions = {},
  ): Promise<Outcome<RemoteCareFilingRow>> {
    requireApplicant(identity);
    const { value: input, problems: bounds } = boundRemoteCareInput(raw);
    const realName = realNameProblems(identity, this.def);
    if (realName.length + bounds.length > 0) return fail(...realName, ...bounds);
    return idempotent(this.ds, {
      scope: this.scopeOf(identity),
      key: input.idempotencyKey ?? opts.idempotencyKey,
      operation: `file${this.def.prefix}RemoteCare`,
      args: { input: { ...input, idempotencyKey: null } },
      load: (id) => this.ds.getRepository(RemoteCareFilingEntity).findOneBy({ id }),
      now: () => nowInChina(this.clock()),
      run: (remember) => this.fileRemoteCareOnce(identity, input, opts, remember),
    });
  }

  private async fileRemoteCareOnce(
    identity: Identity,
    input: RemoteCareInput,
    opts: WriteOptions,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ): Promise<Outcome<RemoteCareFilingRow>> {
    const personId = requireApplicant(identity);
    const today = this.today();
    const insured = await this.ds.getRepository(InsuredPersonEntity).findOneBy({ regionCode: this.code, personId });
    const existing = await this.ds.getRepository(RemoteCareFilingEntity).findBy({ regionCode: this.code, personId });
    const { code, name, validFrom, problems } = checkRemoteCare({
      regionCode: this.code,
      regionName: this.def.policy.name,
      today,
      input,
      insured,
      existing,
    });
    if (problems.length > 0 || !name) return fail(...problems);
    const filing: RemoteCareFilingRow = {
      id: timeOrderedId(),
      regionCode: this.code,
      personId,
      residenceRegionCode: code,
      residenceRegionName: name,
      validFrom,
      validUntil: input.validUntil ?? null,
      filedAt: nowInChina(this.clock()),
    };
    const sameFiling = {
      regionCode: this.code,
      personId,
      residenceRegionName: name,
      validFrom,
    };
    try {
      await this.write(opts, async (tx) => {
        await tx.getRepository(RemoteCareFilingEntity).insert(filing);
        const filed: NotificationMessage[] = [
          {
            template: 'REMOTE_CARE_FILED',
            personId,
            applicationId: null,
            channel: 'APP',
            payload: { residence: name, validFrom },
          },
        ];
        await enqueueNotifications(tx, this.code, filed, this.clock());
        await keepInInbox(tx, this.code, filed, this.clock());
        await enqueueHistoryReport(tx, this.code, { personId, kind: 'FILED', applicationId: null }, this.clock());
        await remember(tx, filing.id);
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // A parallel twin filed the same residence and period first (unique index): that filing is the answer.
      const first = await this.ds.getRepository(RemoteCareFilingEntity).findOneBy(sameFiling);
      if (!first) throw e;
      return { value: first, problems: [] };
    }
    return { value: filing, problems: [] };
  }
}
