import { createHash } from 'node:crypto';

import type { DataSource, EntityManager, EntitySchema } from 'typeorm';

import { formatAcceptanceNumber } from '../../subgraphs/kit/domain/acceptance-number';
import { addDays, addWorkingDays } from '../../subgraphs/kit/domain/calendar';
import type { MaterialKind, RegionPolicy } from '../../subgraphs/kit/domain/policy';
import {
  ApplicationEntity,
  type ApplicationRow,
  type ApplicationStatus,
  InsuredPersonEntity,
  type InsuredPersonRow,
  MaterialFileEntity,
  type MaterialFileRow,
  StatusEventEntity,
  type StatusEventRow,
} from '../../subgraphs/kit/persistence/db/record.entities';

// Bench data, written straight into a region's database with the entities (chunked inserts, one
// transaction): a realistic volume of applications — ~40% recent and mostly still ACCEPTED (the
// review queue), the rest spread over a year and mostly decided — each with 4–6 materials and its
// status history; and insured people with nothing on file, one per concurrent writer.
// Acceptance numbers are real (formatAcceptanceNumber), on days before today, with sequences from
// 5001 so they never meet the demo data's or a live submission's.

export interface SeedCounts {
  applications: number;
  accepted: number;
  materials: number;
  events: number;
  insured: number;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const instant = (date: string, time: string) => `${date}T${time}:00+08:00`;

/** Inserts in chunks that stay under MySQL's and SQLite's statement parameter limits. */
async function insertChunked<T extends object>(em: EntityManager, entity: EntitySchema<T>, rows: T[], columns: number) {
  const size = Math.max(1, Math.min(1000, Math.floor(30_000 / columns)));
  for (let i = 0; i < rows.length; i += size) {
    // updateEntity(false): no read-back of generated columns (a SELECT per chunk).
    await em
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(rows.slice(i, i + size) as never)
      .updateEntity(false)
      .execute();
  }
}

function statusFor(i: number, recent: boolean): ApplicationStatus {
  const r = (i * 37) % 100;
  if (recent) return r < 80 ? 'ACCEPTED' : r < 95 ? 'SUPPLEMENT_REQUESTED' : 'WITHDRAWN';
  return r < 70 ? 'APPROVED' : r < 90 ? 'REJECTED' : r < 95 ? 'WITHDRAWN' : 'ACCEPTED';
}

/**
 * `count` applications for `policy`'s region, 3 per (generated) person with distinct diseases;
 * person ids `P7<personOffset + n>`, each with an insured_person row.
 */
export async function seedBenchApplications(
  ds: DataSource,
  policy: RegionPolicy,
  count: number,
  options: { today: string; personOffset: number },
): Promise<SeedCounts> {
  const region = policy.code;
  const hospitals = policy.hospitals.filter((h) => h.qualifiedForSpecialDiseases);
  const applications: ApplicationRow[] = [];
  const materials: MaterialFileRow[] = [];
  const events: StatusEventRow[] = [];
  const insured: InsuredPersonRow[] = [];
  const sequences = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const personIndex = Math.floor(i / 3);
    const personId = `P7${String(options.personOffset + personIndex).padStart(5, '0')}`;
    if (i % 3 === 0) {
      insured.push({
        regionCode: region,
        personId,
        insuranceType: i % 2 ? 'EMPLOYEE' : 'RESIDENT',
        status: 'NORMAL',
        inArrears: false,
        contributionTier: i % 2 ? null : 1,
      });
    }
    const disease = policy.diseases[(personIndex + (i % 3)) % policy.diseases.length]!;
    const channel = policy.channels[i % policy.channels.length]!;
    const hospital = hospitals[i % hospitals.length]!;
    const recent = i % 5 < 2;
    const daysAgo = recent ? 1 + (i % 45) : 46 + ((i * 7919) % 320);
    const acceptedOn = addDays(options.today, -daysAgo);
    const sequence = (sequences.get(acceptedOn) ?? 5000) + 1;
    sequences.set(acceptedOn, sequence);
    const id = formatAcceptanceNumber(region, acceptedOn, sequence);
    const status = statusFor(i, recent);
    const due = addWorkingDays(acceptedOn, channel.reviewWorkingDays.max);
    const submittedAt = instant(
      acceptedOn,
      `${String(8 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
    );

    const history: StatusEventRow[] = [
      {
        id: `${id}-E1`,
        applicationId: id,
        position: 1,
        status: 'ACCEPTED',
        at: submittedAt,
        actor: `APPLICANT:${personId}`,
        note: `通过${channel.name}提交申请，已受理`,
      },
    ];
    if (status !== 'ACCEPTED') {
      const byApplicant = status === 'WITHDRAWN';
      const after = Math.min(1 + (i % 9), Math.max(1, daysAgo - 1));
      history.push({
        id: `${id}-E2`,
        applicationId: id,
        position: 2,
        status,
        at: instant(addDays(acceptedOn, after), '10:30'),
        actor: byApplicant ? `APPLICANT:${personId}` : `REVIEWER:${region}:bench-reviewer`,
        note:
          status === 'APPROVED'
            ? '审核通过，已完成门特待遇认定'
            : status === 'REJECTED'
              ? '不予认定：病历资料不符合认定标准'
              : status === 'SUPPLEMENT_REQUESTED'
                ? '材料不全，请补充：近半年内的门诊病历'
                : '申请人撤回申请',
      });
    }
    const decided = status === 'APPROVED' || status === 'REJECTED';
    applications.push({
      id,
      regionCode: region,
      personId,
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: channel.id,
      hospitalCode: hospital.code,
      status,
      submittedAt,
      acceptedOn,
      dueDate: due.date,
      dueWorkingDays: due.workingDays,
      dueProvisional: due.provisional,
      decisionReason:
        status === 'REJECTED'
          ? '病历资料不符合认定标准'
          : status === 'SUPPLEMENT_REQUESTED'
            ? '近半年内的门诊病历'
            : null,
      decidedAt: decided ? history.at(-1)!.at : null,
      previousApplicationId: null,
      idempotencyKey: null,
      openSlot: status === 'ACCEPTED' || status === 'SUPPLEMENT_REQUESTED' ? `${personId}|${disease.code}` : null,
      version: history.length,
    });
    events.push(...history);

    const kinds: MaterialKind[] = ['ID_CARD', 'APPLICATION_FORM', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD'];
    if (i % 3 === 0) kinds.push('MEDICAL_RECORD');
    if (disease.requiresPhoto) kinds.push('PHOTO');
    kinds.forEach((kind, p) => {
      const fromHospital = kind === 'DIAGNOSIS_CERTIFICATE' || kind === 'MEDICAL_RECORD';
      materials.push({
        id: `${id}-M${p + 1}`,
        applicationId: id,
        position: p + 1,
        kind,
        issuedOn: kind === 'ID_CARD' ? null : addDays(acceptedOn, -(3 + ((i + p * 7) % 60))),
        hospitalCode: fromHospital ? hospital.code : null,
        stamped: fromHospital,
        fileName: `${kind.toLowerCase()}-${p + 1}.pdf`,
        sha256: sha256Hex(`${id}:${p + 1}`),
      });
    });
  }
  await ds.transaction(async (tx) => {
    await insertChunked(tx, InsuredPersonEntity, insured, 6);
    await insertChunked(tx, ApplicationEntity, applications, 19);
    await insertChunked(tx, MaterialFileEntity, materials, 9);
    await insertChunked(tx, StatusEventEntity, events, 7);
  });
  return {
    applications: applications.length,
    accepted: applications.filter((a) => a.status === 'ACCEPTED').length,
    materials: materials.length,
    events: events.length,
    insured: insured.length,
  };
}

/** `count` insured people (NORMAL, EMPLOYEE, nothing on file) `P9xxxxx`, for the concurrent writers. */
export async function seedBenchPeople(ds: DataSource, regionCode: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, n) => `P9${String(n).padStart(5, '0')}`);
  await insertChunked(
    ds.manager,
    InsuredPersonEntity,
    ids.map((personId) => ({
      regionCode,
      personId,
      insuranceType: 'EMPLOYEE' as const,
      status: 'NORMAL' as const,
      inArrears: false,
      contributionTier: null,
    })),
    6,
  );
  return ids;
}
