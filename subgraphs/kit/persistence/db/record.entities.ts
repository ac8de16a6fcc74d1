import { EntitySchema } from 'typeorm';

import type {
  ApplicationRow,
  CertificationRow,
  InsuredPersonRow,
  MaterialFileRow,
  RemoteCareFilingRow,
  StatusEventRow,
} from '../../domain/record-rows';
import { bool, int, str } from './columns';

// A region's own records of people: insured status, applications with their materials and
// history, certifications (认定) and remote-care filings (异地就医备案). Dates are 'YYYY-MM-DD'
// strings and instants ISO 8601 strings with +08:00, stored as text so MySQL and SQLite agree.

export type {
  ApplicationRow,
  ApplicationStatus,
  ApplicationType,
  CertificationRow,
  InsuredPersonRow,
  InsuredStatus,
  MaterialFileRow,
  RemoteCareFilingRow,
  StatusEventRow,
} from '../../domain/record-rows';

const id = (length = 40) => ({ type: String, length, primary: true }) as const;

export const InsuredPersonEntity = new EntitySchema<InsuredPersonRow>({
  name: 'InsuredPerson',
  tableName: 'insured_person',
  columns: {
    regionCode: { ...str('region_code', 12), primary: true },
    personId: { ...str('person_id', 40), primary: true },
    insuranceType: str('insurance_type', 16),
    status: str('status', 16),
    inArrears: bool('in_arrears'),
    contributionTier: int('contribution_tier', true),
  },
});

export const ApplicationEntity = new EntitySchema<ApplicationRow>({
  name: 'Application',
  tableName: 'application',
  columns: {
    id: id(32),
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    type: str('type', 20),
    diseaseCode: str('disease_code', 16),
    channelId: str('channel_id', 64),
    hospitalCode: str('hospital_code', 32, true),
    status: str('status', 24),
    submittedAt: str('submitted_at', 32),
    acceptedOn: str('accepted_on', 10),
    dueDate: str('due_date', 10),
    dueWorkingDays: int('due_working_days'),
    dueProvisional: bool('due_provisional'),
    decisionReason: str('decision_reason', 500, true),
    decidedAt: str('decided_at', 32, true),
    previousApplicationId: str('previous_application_id', 32, true),
    idempotencyKey: str('idempotency_key', 100, true),
    openSlot: str('open_slot', 64, true),
    version: { type: Number, name: 'version', version: true },
  },
});

export const MaterialFileEntity = new EntitySchema<MaterialFileRow>({
  name: 'ApplicationMaterial',
  tableName: 'application_material',
  columns: {
    id: id(),
    applicationId: str('application_id', 32),
    position: int('position'),
    kind: str('kind', 32),
    issuedOn: str('issued_on', 10, true),
    hospitalCode: str('hospital_code', 32, true),
    stamped: bool('stamped'),
    fileName: str('file_name', 255),
    sha256: str('sha256', 64),
  },
});

export const StatusEventEntity = new EntitySchema<StatusEventRow>({
  name: 'StatusEvent',
  tableName: 'status_event',
  columns: {
    id: id(),
    applicationId: str('application_id', 32),
    position: int('position'),
    status: str('status', 24),
    at: str('at', 32),
    actor: str('actor', 100),
    note: str('note', 500, true),
  },
});

export const CertificationEntity = new EntitySchema<CertificationRow>({
  name: 'Certification',
  tableName: 'certification',
  columns: {
    id: id(),
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    applicationId: str('application_id', 32, true),
    diseaseCode: str('disease_code', 16),
    hospitalCode: str('hospital_code', 32, true),
    validFrom: str('valid_from', 10),
    validUntil: str('valid_until', 10, true),
    renewableFrom: str('renewable_from', 10, true),
  },
});

export const RemoteCareFilingEntity = new EntitySchema<RemoteCareFilingRow>({
  name: 'RemoteCareFiling',
  tableName: 'remote_care_filing',
  columns: {
    id: id(),
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    residenceRegionCode: str('residence_region_code', 12, true),
    residenceRegionName: str('residence_region_name', 100),
    validFrom: str('valid_from', 10),
    validUntil: str('valid_until', 10, true),
    filedAt: str('filed_at', 32),
  },
});

/** The last acceptance-number sequence issued per region and day (受理号 daily counter). */
export interface AcceptanceSequenceRow {
  regionCode: string;
  day: string;
  lastSequence: number;
}

export const AcceptanceSequenceEntity = new EntitySchema<AcceptanceSequenceRow>({
  name: 'AcceptanceSequence',
  tableName: 'acceptance_sequence',
  columns: {
    regionCode: { ...str('region_code', 12), primary: true },
    day: { ...str('day', 10), primary: true },
    lastSequence: int('last_sequence'),
  },
});

export const RECORD_ENTITIES = [
  InsuredPersonEntity,
  ApplicationEntity,
  MaterialFileEntity,
  StatusEventEntity,
  CertificationEntity,
  RemoteCareFilingEntity,
  AcceptanceSequenceEntity,
];
