import { EntitySchema } from 'typeorm';

import { bool, int, str } from './columns';

// 申诉 and 意见反馈: an applicant's appeal against a rejection, and feedback with the region's reply.
// Instants are ISO 8601 strings with +08:00 and dates 'YYYY-MM-DD', as in record.entities.ts.

export type AppealStatus = 'PENDING' | 'UPHELD' | 'DISMISSED';

export interface AppealRow {
  id: string;
  regionCode: string;
  personId: string;
  /** The rejected application's acceptance number. */
  applicationId: string;
  status: AppealStatus;
  reason: string;
  filedAt: string;
  filedOn: string;
  dueDate: string;
  dueWorkingDays: number;
  dueProvisional: boolean;
  /** Who rejected the application (`REVIEWER:<region>:<subject>`): they may not decide the appeal. */
  rejectedBy: string;
  decidedBy: string | null;
  decisionReason: string | null;
  decidedAt: string | null;
  /** The application's id while the appeal is pending, else null: a unique index allows one pending appeal. */
  openSlot: string | null;
  version: number;
}

export const AppealEntity = new EntitySchema<AppealRow>({
  name: 'ApplicationAppeal',
  tableName: 'application_appeal',
  columns: {
    id: { type: String, length: 40, primary: true },
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    applicationId: str('application_id', 32),
    status: str('status', 16),
    reason: str('reason', 500),
    filedAt: str('filed_at', 32),
    filedOn: str('filed_on', 10),
    dueDate: str('due_date', 10),
    dueWorkingDays: int('due_working_days'),
    dueProvisional: bool('due_provisional'),
    rejectedBy: str('rejected_by', 100),
    decidedBy: str('decided_by', 100, true),
    decisionReason: str('decision_reason', 500, true),
    decidedAt: str('decided_at', 32, true),
    openSlot: str('open_slot', 32, true),
    version: { type: Number, name: 'version', version: true },
  },
});

export type FeedbackCategory = 'CONSULTATION' | 'COMPLAINT' | 'SUGGESTION' | 'OTHER';
export type FeedbackStatus = 'OPEN' | 'REPLIED';

export interface FeedbackRow {
  /** The tracking number (反馈编号), F + an acceptance number of its own daily counter (workflow/feedback.ts). */
  id: string;
  regionCode: string;
  personId: string;
  category: FeedbackCategory;
  subject: string;
  text: string;
  /** The applicant's own application it is about, if any. */
  applicationId: string | null;
  status: FeedbackStatus;
  submittedAt: string;
  reply: string | null;
  repliedBy: string | null;
  repliedAt: string | null;
  version: number;
}

export const FeedbackEntity = new EntitySchema<FeedbackRow>({
  name: 'Feedback',
  tableName: 'feedback',
  columns: {
    id: { type: String, length: 32, primary: true },
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    category: str('category', 16),
    subject: str('subject', 50),
    text: str('text', 1000),
    applicationId: str('application_id', 32, true),
    status: str('status', 16),
    submittedAt: str('submitted_at', 32),
    reply: str('reply', 1000, true),
    repliedBy: str('replied_by', 100, true),
    repliedAt: str('replied_at', 32, true),
    version: { type: Number, name: 'version', version: true },
  },
});

export const APPEAL_ENTITIES = [AppealEntity, FeedbackEntity];
