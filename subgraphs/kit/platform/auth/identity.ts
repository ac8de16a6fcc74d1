// Who is calling: the one identity type the gateway and every subgraph share. The gateway
// authenticates the caller (gateway/auth/jwt.ts) and forwards the result to subgraphs in a signed
// internal token (./internal-token.ts); resolvers only ever see an Identity.

export type Role = 'APPLICANT' | 'REVIEWER' | 'NATIONAL_OPERATOR';

export type Identity =
  | { role: 'ANONYMOUS' }
  | { role: 'APPLICANT'; personId: string; subject: string }
  | { role: 'REVIEWER'; regionCode: string; subject: string }
  | { role: 'NATIONAL_OPERATOR'; subject: string };

export const ROLES: readonly Role[] = ['APPLICANT', 'REVIEWER', 'NATIONAL_OPERATOR'];

/** A region (统筹区) code: six digits, e.g. 510400 for Panzhihua. */
export const REGION_CODE_PATTERN = /^\d{6}$/;

export const ANONYMOUS: Identity = Object.freeze({ role: 'ANONYMOUS' });

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * How an actor is written in audit logs and application history:
 * "APPLICANT:P0001", "REVIEWER:510400:alice", "NATIONAL_OPERATOR:bob", "ANONYMOUS".
 */
export function describeActor(identity: Identity): string {
  switch (identity.role) {
    case 'APPLICANT':
      return `APPLICANT:${identity.personId}`;
    case 'REVIEWER':
      return `REVIEWER:${identity.regionCode}:${identity.subject}`;
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
  claims: { role: unknown; personId: unknown; regionCode: unknown; subject: unknown },
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
      return { identity: { role, personId, subject } };
    case 'REVIEWER':
      if (typeof regionCode !== 'string' || !REGION_CODE_PATTERN.test(regionCode)) {
        return { reason: 'regionCode claim missing or not six digits for role REVIEWER' };
      }
      return { identity: { role, regionCode, subject } };
    case 'NATIONAL_OPERATOR':
      return { identity: { role, subject } };
  }
}
