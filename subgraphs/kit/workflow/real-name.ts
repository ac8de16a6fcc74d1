import type { RegionDefinition } from '../domain/region-definition';
import type { Identity } from '../platform/auth/identity';
import { type Problem, problem } from '../platform/errors';

// 实名认证: both regional documents require real-name verification before applying. The identity
// provider vouches for it with the caller token's `realNameVerified: true` claim (REAL_NAME_CLAIM);
// the gateway (every engine: Apollo gateway, Hive Gateway plugin, Router coprocessor) carries it
// in the signed internal token (`rnv`), and the region refuses every write of an applicant without
// it: submission, supplement, appeal (./appeals.ts), remote-care filing and feedback (./feedback.ts),
// with the request's other problems, before anything is stored. At the counter the clerk checks
// the ID card itself (原件核验), so a counter submission needs no claim from the applicant.

/** Where to verify, from the region's own channels: its apps, mini-programs and web portals, then its window. */
export function realNameMessage(def: RegionDefinition): string {
  const online = def.policy.channels.filter((c) => c.kind !== 'COUNTER').map((c) => c.name);
  const counters = def.policy.channels.filter((c) => c.kind === 'COUNTER').map((c) => c.name);
  const where = online.length > 0 ? `在${joinOr(online)}` : '在国家医保服务平台App或当地医保小程序';
  const counter = counters.length > 0 ? `；也可携带身份证原件到${joinOr(counters)}办理` : '';
  return `请先${where}完成实名认证后再申请${counter}`;
}

function joinOr(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join('、')}或${names.at(-1)}`;
}

/** REAL_NAME_REQUIRED for an applicant whose token carries no real-name claim; none otherwise. */
export function realNameProblems(identity: Identity, def: RegionDefinition): Problem[] {
  if (identity.role !== 'APPLICANT' || identity.realNameVerified === true) return [];
  return [problem('REAL_NAME_REQUIRED', realNameMessage(def), null)];
}
