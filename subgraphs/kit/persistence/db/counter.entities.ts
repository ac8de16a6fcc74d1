import { EntitySchema } from 'typeorm';

import { bool, int, str } from './columns';

// The counter (线下窗口) records of a region: what a counter clerk did for an applicant (submitted,
// supplemented, verified in person) with the originals check, and the in-person verifications
// (线下补充核验) reviewers asked for. Written by workflow/counter.ts and workflow/in-person.ts.

export type CounterActionKind = 'SUBMITTED' | 'SUPPLEMENTED' | 'IN_PERSON_VERIFIED';

export interface CounterActionRow {
  id: string;
  regionCode: string;
  applicationId: string;
  /** 0, 1, … per application: the order of the clerk's actions. */
  position: number;
  personId: string;
  action: CounterActionKind;
  /** 原件核验: the clerk saw the originals of the identity document and the materials. */
  originalsVerified: boolean;
  /** Where: the region's counter channel, or a placeholder name (placeIllustrative). */
  place: string;
  placeIllustrative: boolean;
  /** The clerk, as in audit logs: COUNTER_CLERK:<region>:<subject>. */
  clerk: string;
  at: string;
  note: string | null;
}

export const CounterActionEntity = new EntitySchema<CounterActionRow>({
  name: 'CounterAction',
  tableName: 'counter_action',
  columns: {
    id: { type: String, length: 40, primary: true },
    regionCode: str('region_code', 12),
    applicationId: str('application_id', 32),
    position: int('position'),
    personId: str('person_id', 40),
    action: str('action', 24),
    originalsVerified: bool('originals_verified'),
    place: str('place', 100),
    placeIllustrative: bool('place_illustrative'),
    clerk: str('clerk', 100),
    at: str('at', 32),
    note: str('note', 500, true),
  },
});

export type InPersonStatus = 'REQUESTED' | 'VERIFIED' | 'LAPSED' | 'WITHDRAWN';

export interface InPersonRequestRow {
  id: string;
  regionCode: string;
  applicationId: string;
  personId: string;
  status: InPersonStatus;
  /** What to bring (the reviewer's reason). */
  reason: string;
  requestedBy: string;
  requestedAt: string;
  requestedOn: string;
  dueDate: string;
  dueWorkingDays: number;
  /** No regional document gives the period: true while IN_PERSON_WORKING_DAYS is a placeholder. */
  dueIllustrative: boolean;
  place: string;
  placeIllustrative: boolean;
  settledAt: string | null;
  settledBy: string | null;
}

export const InPersonRequestEntity = new EntitySchema<InPersonRequestRow>({
  name: 'InPersonRequest',
  tableName: 'in_person_request',
  columns: {
    id: { type: String, length: 40, primary: true },
    regionCode: str('region_code', 12),
    applicationId: str('application_id', 32),
    personId: str('person_id', 40),
    status: str('status', 16),
    reason: str('reason', 500),
    requestedBy: str('requested_by', 100),
    requestedAt: str('requested_at', 32),
    requestedOn: str('requested_on', 10),
    dueDate: str('due_date', 10),
    dueWorkingDays: int('due_working_days'),
    dueIllustrative: bool('due_illustrative'),
    place: str('place', 100),
    placeIllustrative: bool('place_illustrative'),
    settledAt: str('settled_at', 32, true),
    settledBy: str('settled_by', 100, true),
  },
});

export const COUNTER_ENTITIES = [CounterActionEntity, InPersonRequestEntity];
