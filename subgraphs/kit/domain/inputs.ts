import type { MaterialKind } from './policy';
import type { ApplicationType } from './record-rows';

// What a person asks for, as the domain sees it: plain shapes, no GraphQL. The GraphQL input
// classes (graphql/mutation.types.ts) implement these, so the rules and the workflow never
// depend on the API layer.

export interface MaterialInput {
  kind: MaterialKind;
  /** Issue date of a dated document (diagnosis, records). */
  issuedOn?: string | null;
  /** The hospital that issued it. */
  hospitalCode?: string | null;
  stamped: boolean;
  fileName: string;
  /** sha256 of a file uploaded with POST /uploads. */
  sha256: string;
}

export interface ApplicationInput {
  type: ApplicationType;
  diseaseCode: string;
  channelId: string;
  hospitalCode?: string | null;
  /** The applicant's chosen 参保地. */
  insuredRegionCode: string;
  materials: MaterialInput[];
  idempotencyKey?: string | null;
  /** Region code where the applicant lives long-term, when not in this region. */
  residenceRegionCode?: string | null;
}

export interface RemoteCareInput {
  residenceRegionCode?: string | null;
  residenceRegionName?: string | null;
  validFrom?: string | null;
  validUntil?: string | null;
  /** The same key returns the first filing. */
  idempotencyKey?: string | null;
}

export type ReviewDecision = 'APPROVE' | 'REJECT' | 'REQUEST_SUPPLEMENT' | 'REQUEST_IN_PERSON_VERIFICATION';
