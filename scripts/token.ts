import { parseArgs } from 'node:util';

import { SignJWT } from 'jose';

import { DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { REGIONS } from '../schema/registry';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import {
  HOSPITAL_CODE_PATTERN,
  isRole,
  REAL_NAME_CLAIM,
  REGION_CODE_PATTERN,
  type Role,
  ROLES,
} from '../subgraphs/kit/platform/auth/identity';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';

// `npm run token -- --role APPLICANT --person P000001`            (real-name verified, 实名认证)
// `npm run token -- --role APPLICANT --person P000001 --unverified` (not verified: cannot apply)
// `npm run token -- --role REVIEWER --region 510400 [--sub alice]`
// `npm run token -- --role COUNTER_CLERK --region 510400 [--sub carol]`
// `npm run token -- --role HOSPITAL_REVIEWER --region 445300 --hospital H44530200001 [--sub dora]`
// `npm run token -- --role NATIONAL_OPERATOR [--sub bob] [--ttl 8h]`
// Mints a development caller token signed with the development "caller" key (standing in for the
// identity provider). The token alone goes to stdout; a hint for the explorer goes to stderr.

const USAGE = `usage: npm run token -- --role <${ROLES.join('|')}> [options]
  --role APPLICANT --person <personId>     an applicant, identified by national person id,
                                           real-name verified (claim realNameVerified: true)
  --unverified                             APPLICANT only: without the real-name claim
  --role REVIEWER --region <6 digits>      a reviewer of one region, e.g. 510400
  --role COUNTER_CLERK --region <6 digits> a counter clerk (线下窗口) of one region
  --role HOSPITAL_REVIEWER --region <6 digits> --hospital <code>
                                           a reviewer at one of the region's designated
                                           hospitals (定点医疗机构), e.g. H44530200001
  --role NATIONAL_OPERATOR                 a national platform operator
  --sub <name>                             subject (login name); default derived from the role
  --ttl <n>[s|m|h|d]                       lifetime, default 8h (plain number = seconds)
  --keys <dir>                             key directory, default .data/keys`;

export interface MintOptions {
  role: Role | string;
  personId?: string;
  regionCode?: string;
  /** HOSPITAL_REVIEWER only: one of the region's designated hospitals. */
  hospitalCode?: string;
  subject?: string;
  /** APPLICANT only: the real-name claim (realNameVerified: true); default true. */
  realNameVerified?: boolean;
  /** "30m", "8h", "2d", "90s", or seconds as a number; default 8h. */
  ttl?: string | number;
  /** Development key directory; default as ensureDevelopmentKeys. */
  keysDir?: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** Lifetime in seconds from "90", "90s", "30m", "8h", "2d" or a number. */
export function parseTtl(ttl: string | number): number {
  let seconds: number;
  if (typeof ttl === 'number') seconds = ttl;
  else {
    const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(ttl);
    if (!m) throw new UsageError(`--ttl must look like 90s, 30m, 8h or 2d (got "${ttl}")`);
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2].toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
    seconds = Number(m[1]) * unit;
  }
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError('--ttl must be a positive whole duration');
  if (seconds > MAX_TTL_SECONDS) throw new UsageError('--ttl must not exceed 30d');
  return seconds;
}

/** Signs a development caller token (EdDSA, iss mente-dev-idp, aud mente) and returns it. */
export async function mintDevelopmentToken(options: MintOptions): Promise<string> {
  const { role } = options;
  if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const claims: Record<string, string | boolean> = { role };
  let defaultSubject: string;
  switch (role) {
    case 'APPLICANT': {
      const personId = options.personId?.trim();
      if (!personId) throw new UsageError('--role APPLICANT needs --person <personId>, e.g. --person P000001');
      claims.personId = personId;
      if (options.realNameVerified !== false) claims[REAL_NAME_CLAIM] = true;
      defaultSubject = `applicant-${personId}`;
      break;
    }
    case 'REVIEWER':
    case 'COUNTER_CLERK': {
      const regionCode = options.regionCode?.trim();
      if (!regionCode)
        throw new UsageError(`--role ${role} needs --region <6-digit region code>, e.g. --region 510400`);
      if (!REGION_CODE_PATTERN.test(regionCode)) {
        throw new UsageError(`--region must be a 6-digit region code such as 510400 (got "${regionCode}")`);
      }
      claims.regionCode = regionCode;
      defaultSubject = `${role === 'REVIEWER' ? 'reviewer' : 'clerk'}-${regionCode}`;
      break;
    }
    case 'HOSPITAL_REVIEWER': {
      const { regionCode, hospitalCode } = hospitalOf(options);
      claims.regionCode = regionCode;
      claims.hospitalCode = hospitalCode;
      defaultSubject = `hospital-${hospitalCode}`;
      break;
    }
    case 'NATIONAL_OPERATOR':
      defaultSubject = 'national-operator';
      break;
  }
  if (role !== 'APPLICANT' && options.personId !== undefined)
    throw new UsageError('--person applies to APPLICANT only');
  if (
    role !== 'REVIEWER' &&
    role !== 'COUNTER_CLERK' &&
    role !== 'HOSPITAL_REVIEWER' &&
    options.regionCode !== undefined
  )
    throw new UsageError('--region applies to REVIEWER, COUNTER_CLERK and HOSPITAL_REVIEWER only');
  if (role !== 'HOSPITAL_REVIEWER' && options.hospitalCode !== undefined)
    throw new UsageError('--hospital applies to HOSPITAL_REVIEWER only');
  if (role !== 'APPLICANT' && options.realNameVerified === false)
    throw new UsageError('--unverified applies to APPLICANT only');
  const subject = options.subject === undefined ? defaultSubject : options.subject.trim();
  if (!subject) throw new UsageError('--sub must not be empty');
  const ttlSeconds = parseTtl(options.ttl ?? '8h');

  const paths = await ensureDevelopmentKeys(options.keysDir);
  const key = await loadPrivateKey(paths.callerPrivateKeyPath);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key);
}

/** A hospital reviewer's region and hospital, the hospital checked against the region's file. */
function hospitalOf(options: MintOptions): { regionCode: string; hospitalCode: string } {
  const regionCode = options.regionCode?.trim();
  const hospitalCode = options.hospitalCode?.trim().toUpperCase();
  if (!regionCode || !hospitalCode) {
    throw new UsageError(
      '--role HOSPITAL_REVIEWER needs --region <6-digit region code> and --hospital <code>, e.g. --region 445300 --hospital H44530200001',
    );
  }
  if (!REGION_CODE_PATTERN.test(regionCode)) {
    throw new UsageError(`--region must be a 6-digit region code such as 445300 (got "${regionCode}")`);
  }
  if (!HOSPITAL_CODE_PATTERN.test(hospitalCode)) {
    throw new UsageError(`--hospital must be H followed by 11 digits, e.g. H44530200001 (got "${hospitalCode}")`);
  }
  const region = REGIONS.find((r) => r.code === regionCode);
  if (!region) throw new UsageError(`--region ${regionCode} is not a region of this deployment`);
  const designated = loadRegion(region.subgraph).policy.hospitals.map((h) => h.code);
  if (!designated.includes(hospitalCode)) {
    throw new UsageError(
      `--hospital ${hospitalCode} is not a designated hospital of ${region.name} (${designated.join(', ')})`,
    );
  }
  return { regionCode, hospitalCode };
}

export function parseTokenArgs(argv: string[]): MintOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        role: { type: 'string' },
        person: { type: 'string' },
        region: { type: 'string' },
        hospital: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        keys: { type: 'string' },
        unverified: { type: 'boolean' },
      },
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (typeof values.role !== 'string' || !values.role) throw new UsageError('--role is required');
  const text = (name: string) => values[name] as string | undefined;
  return {
    role: values.role.toUpperCase(),
    personId: text('person'),
    regionCode: text('region'),
    hospitalCode: text('hospital'),
    subject: text('sub'),
    ttl: text('ttl'),
    keysDir: text('keys'),
    ...(values.unverified === true ? { realNameVerified: false } : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.error(USAGE);
    return;
  }
  const options = parseTokenArgs(argv);
  const token = await mintDevelopmentToken(options);
  const publicKeyPath = developmentKeyPaths(options.keysDir).callerPublicKeyPath;
  process.stdout.write(`${token}\n`);
  console.error(
    `Explorer (Apollo Sandbox, or the local GraphiQL at /explorer) → Headers (or any HTTP client):\n  {"Authorization": "Bearer ${token}"}\n` +
      `Signed with the development caller key; the gateway accepts it when configured with issuer ` +
      `"${DEV_ISSUER}", audience "${DEV_AUDIENCE}" and publicKeyFile ${publicKeyPath}.`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof UsageError ? `${e.message}\n\n${USAGE}` : e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
