import type { InsuranceType, MaterialKind } from './policy';

// A region's records of people as plain shapes (no database): the rules take these, and
// persistence/db/record.entities.ts maps them to tables.

export type ApplicationType = 'NEW' | 'RENEWAL' | 'CHANGE_HOSPITAL';
export type ApplicationStatus =
  /** 经定点医疗机构审核备案: waiting for the named designated hospital's review (workflow/hospital-review.ts). */
  | 'AWAITING_HOSPITAL'
  | 'ACCEPTED'
  | 'SUPPLEMENT_REQUESTED'
  /** 线下补充核验: a reviewer asked the applicant to come to the window by a due date (workflow/in-person.ts). */
  | 'AWAITING_IN_PERSON'
  | 'APPROVED'
  | 'REJECTED'
  | 'WITHDRAWN';
export type InsuredStatus = 'NORMAL' | 'SUSPENDED' | 'TERMINATED';

export interface InsuredPersonRow {
  regionCode: string;
  personId: string;
  insuranceType: InsuranceType;
  status: InsuredStatus;
  inArrears: boolean;
  contributionTier: number | null;
}

export interface ApplicationRow {
  /** The acceptance number (受理号); it encodes the region. */
  id: string;
  regionCode: string;
  personId: string;
  type: ApplicationType;
  diseaseCode: string;
  channelId: string;
  hospitalCode: string | null;
  status: ApplicationStatus;
  submittedAt: string;
  acceptedOn: string;
  dueDate: string;
  dueWorkingDays: number;
  dueProvisional: boolean;
  decisionReason: string | null;
  decidedAt: string | null;
  previousApplicationId: string | null;
  idempotencyKey: string | null;
  /**
   * `<personId>|<diseaseCode>` while the application is open (ACCEPTED, SUPPLEMENT_REQUESTED),
   * null once decided or withdrawn: a unique index makes a second open application for the same
   * disease impossible, however many arrive at once.
   */
  openSlot: string | null;
  /** Optimistic lock: every change increments it. */
  version: number;
}

export interface MaterialFileRow {
  id: string;
  applicationId: string;
  position: number;
  kind: MaterialKind;
  issuedOn: string | null;
  hospitalCode: string | null;
  stamped: boolean;
  fileName: string;
  sha256: string;
}

export interface StatusEventRow {
  id: string;
  applicationId: string;
  position: number;
  status: ApplicationStatus;
  at: string;
  actor: string;
  note: string | null;
}

export interface CertificationRow {
  id: string;
  regionCode: string;
  personId: string;
  applicationId: string | null;
  diseaseCode: string;
  hospitalCode: string | null;
  validFrom: string;
  validUntil: string | null;
  renewableFrom: string | null;
}

export interface RemoteCareFilingRow {
  id: string;
  regionCode: string;
  personId: string;
  residenceRegionCode: string | null;
  residenceRegionName: string;
  validFrom: string;
  validUntil: string | null;
  filedAt: string;
}
