import { REGIONS } from '../../../schema/registry';
import type { AccessRule } from './auth/access-rules';
import { isValidIsoDate } from './dates';

// Routing: how a region code or an acceptance number finds its region, as pure functions of the
// registry (schema/registry.ts). The national subgraph's routing root fields — `regions`,
// `region(code:)`, `application(acceptanceNumber:)` — answer nothing but these typed key stubs,
// and the gateway answers the same fields in-process with the same functions
// (gateway/local-registry.ts), so they live here, in the layer both share.

// 受理号: region code (6) + acceptance date YYYYMMDD (8) + daily sequence (6) + check character,
// e.g. 510400 20260212 000123 7. The region code lets the national subgraph route a number to
// its region with no lookup table; the check character (ISO 7064 MOD 11-2, as in identity
// numbers) turns a mistyped number into "not found" instead of somebody else's application.
// Numbers are made by the domain (kit/domain/acceptance-number.ts: formatAcceptanceNumber).

const PATTERN = /^(\d{6})(\d{4})(\d{2})(\d{2})(\d{6})([\dX])$/;
const CHECK_CHARS = '10X98765432';
const WEIGHTS = Array.from({ length: 20 }, (_, i) => 2 ** (20 - i) % 11);

/** The check character of a number's first 20 digits. */
export function acceptanceCheckChar(body: string): string {
  const sum = [...body].reduce((acc, digit, i) => acc + Number(digit) * WEIGHTS[i]!, 0);
  return CHECK_CHARS[sum % 11]!;
}

export interface AcceptanceNumber {
  regionCode: string;
  acceptedOn: string;
  sequence: number;
}

/** The parts of a well-formed number, or null (wrong shape, impossible date, wrong check character). */
export function parseAcceptanceNumber(raw: string): AcceptanceNumber | null {
  const value = raw.trim().toUpperCase();
  const m = PATTERN.exec(value);
  if (!m) return null;
  const [, regionCode, y, mo, d, seq, check] = m;
  const acceptedOn = `${y}-${mo}-${d}`;
  if (!isValidIsoDate(acceptedOn) || acceptanceCheckChar(value.slice(0, 20)) !== check) return null;
  return { regionCode: regionCode!, acceptedOn, sequence: Number(seq) };
}

/** A region's typed key stub (`<Prefix>Region`), which the gateway completes from the owning region. */
export interface RegionStub {
  __typename: string;
  code: string;
}

/** An application's typed key stub (`<Prefix>Application`), keyed by its acceptance number. */
export interface ApplicationStub {
  __typename: string;
  ref: string;
}

/** The stub of the region with this code, or null for a code the registry does not know. */
export function regionRef(code: string): RegionStub | null {
  const region = REGIONS.find((r) => r.code === code);
  return region ? { __typename: `${region.prefix}Region`, code: region.code } : null;
}

/** The stub of an acceptance number (it encodes the region); null for a malformed number or an unknown region. */
export function applicationRef(acceptanceNumber: string): ApplicationStub | null {
  const parsed = parseAcceptanceNumber(acceptanceNumber);
  const region = parsed && REGIONS.find((r) => r.code === parsed.regionCode);
  return region ? { __typename: `${region.prefix}Application`, ref: acceptanceNumber.trim().toUpperCase() } : null;
}

/**
 * The routing root fields of the national subgraph, each its access rule and its answer. The
 * national subgraph's resolvers and access table (subgraphs/national/) and the gateway's local
 * registry both read them from here, so the two cannot answer or refuse differently.
 */
export const ROUTING_FIELDS = {
  regions: {
    access: 'PUBLIC',
    resolve: (): (RegionStub | null)[] => REGIONS.map((r) => regionRef(r.code)),
  },
  region: {
    access: 'PUBLIC',
    resolve: (args: { code: string }): RegionStub | null => regionRef(args.code.trim()),
  },
  // Routing only: answers the typed key of the number sent, without looking it up; the owning
  // region decides who sees the application. Anonymous callers are refused here already.
  application: {
    access: 'SIGNED_IN',
    resolve: (args: { acceptanceNumber: string }): ApplicationStub | null => applicationRef(args.acceptanceNumber),
  },
} as const satisfies Record<string, { access: AccessRule; resolve: (args: never) => unknown }>;

export type RoutingField = keyof typeof ROUTING_FIELDS;

/** The routing fields' lines of an access table: `Query.regions` → PUBLIC, … */
export const ROUTING_ACCESS: Readonly<Record<`Query.${RoutingField}`, AccessRule>> = {
  'Query.regions': ROUTING_FIELDS.regions.access,
  'Query.region': ROUTING_FIELDS.region.access,
  'Query.application': ROUTING_FIELDS.application.access,
};
