// Who is calling: the one identity type the gateway and every subgraph share. The gateway
// authenticates the caller (gateway/auth/jwt.ts) and forwards the result to subgraphs in a signed
// internal token (./internal-token.ts); resolvers only ever see an Identity.

export type Role = 'APPLICANT' | 'REVIEWER' | 'COUNTER_CLERK' | 'HOSPITAL_REVIEWER' | 'NATIONAL_OPERATOR';

export type Identity =
  | { role: 'ANONYMOUS' }
  /**
   * `realNameVerified`: the identity provider vouches that the person passed real-name
   * verification (实名认证); the caller token's `realNameVerified: true` claim. Applying needs it.
   */
  | { role: 'APPLICANT'; personId: string; subject: string; realNameVerified?: boolean }
  | { role: 'REVIEWER'; regionCode: string; subject: string }
  /** Staff at a region's window (线下窗口): submits and supplements for applicants, verifies originals. */
  | { role: 'COUNTER_CLERK'; regionCode: string; subject: string }
  /**
   * Staff of one designated hospital (定点医疗机构) of a region: confirms or declines the
   * applications that name it, where the region's rules ask for it (Yunfu: 经定点医疗机构审核备案).
   */
  | { role: 'HOSPITAL_REVIEWER'; regionCode: string; hospitalCode: string; subject: string }
  | { role: 'NATIONAL_OPERATOR'; subject: string };

export const ROLES: readonly Role[] = [
  'APPLICANT',
  'REVIEWER',
  'COUNTER_CLERK',
  'HOSPITAL_REVIEWER',
  'NATIONAL_OPERATOR',
];

/** The caller token claim that says the applicant passed real-name verification (实名认证). */
export const REAL_NAME_CLAIM = 'realNameVerified';

/** A region (统筹区) code: six digits, e.g. 510400 for Panzhihua. */
export const REGION_CODE_PATTERN = /^\d{6}$/;

/** A designated hospital's code (定点医疗机构编码) as region files write it, e.g. H44530200001. */
export const HOSPITAL_CODE_PATTERN = /^H\d{11}$/;

export const ANONYMOUS: Identity = Object.freeze({ role: 'ANONYMOUS' });

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * How an actor is written in audit logs and application history:
 * "APPLICANT:P0001", "REVIEWER:510400:alice", "COUNTER_CLERK:510400:carol",
 * "HOSPITAL_REVIEWER:445300:H44530200001:dora", "NATIONAL_OPERATOR:bob", "ANONYMOUS".
 */
export function describeActor(identity: Identity): string {
  switch (identity.role) {
    case 'APPLICANT':
      return `APPLICANT:${identity.personId}`;
    case 'REVIEWER':
    case 'COUNTER_CLERK':
      return `${identity.role}:${identity.regionCode}:${identity.subject}`;
    case 'HOSPITAL_REVIEWER':
      return `HOSPITAL_REVIEWER:${identity.regionCode}:${identity.hospitalCode}:${identity.subject}`;
    case 'NATIONAL_OPERATOR':
      return `NATIONAL_OPERATOR:${identity.subject}`;
    case 'ANONYMOUS':
      return 'ANONYMOUS';
  }
}

/**
 * Builds an Identity from untrusted claim values, or explains why it cannot. Shared by the caller
 * token (gateway) and the internal token (subgraphs) so both apply the same rules.
 * `allowAnonymous` is only for the internal token, which also carries anonymous requests.
 */
export function identityFromClaims(
  claims: {
    role: unknown;
    personId: unknown;
    regionCode: unknown;
    subject: unknown;
    realNameVerified?: unknown;
    hospitalCode?: unknown;
  },
  options: { allowAnonymous?: boolean } = {},
): { identity: Identity } | { reason: string } {
  const { role, personId, regionCode, subject } = claims;
  if (role === 'ANONYMOUS' && options.allowAnonymous) return { identity: ANONYMOUS };
  if (!isRole(role)) return { reason: `role claim missing or not one of ${ROLES.join(', ')}` };
  if (typeof subject !== 'string' || subject.trim() === '') return { reason: 'sub claim missing or empty' };
  switch (role) {
    case 'APPLICANT':
      if (typeof personId !== 'string' || personId.trim() === '') {
        return { reason: 'personId claim missing or empty for role APPLICANT' };
      }
      // Only a literal `true` counts; anything else (absent, "true", 1) is an unverified applicant.
      return {
        identity:
          claims.realNameVerified === true
            ? { role, personId, subject, realNameVerified: true }
            : { role, personId, subject },
      };
    case 'REVIEWER':
    case 'COUNTER_CLERK':
      if (typeof regionCode !== 'string' || !REGION_CODE_PATTERN.test(regionCode)) {
        return { reason: `regionCode claim missing or not six digits for role ${role}` };
      }
      return { identity: { role, regionCode, subject } };
    case 'HOSPITAL_REVIEWER': {
      if (typeof regionCode !== 'string' || !REGION_CODE_PATTERN.test(regionCode)) {
        return { reason: `regionCode claim missing or not six digits for role ${role}` };
      }
      const { hospitalCode } = claims;
      if (typeof hospitalCode !== 'string' || !HOSPITAL_CODE_PATTERN.test(hospitalCode)) {
        return { reason: `hospitalCode claim missing or not H + 11 digits for role ${role}` };
      }
      return { identity: { role, regionCode, hospitalCode, subject } };
    }
    case 'NATIONAL_OPERATOR':
      return { identity: { role, subject } };
  }
}
