import { REGIONS } from '../../../schema/registry';
import type { RemoteCareInput } from '../domain/inputs';
import type { InsuredPersonRow, RemoteCareFilingRow } from '../persistence/db/record.entities';
import { type Problem, problem } from '../platform/errors';

/** What a remote-care filing (异地就医备案) is checked against. */
export interface RemoteCareContext {
  regionCode: string;
  regionName: string;
  today: string;
  input: RemoteCareInput;
  insured: InsuredPersonRow | null;
  existing: RemoteCareFilingRow[];
}

/** The residence and period a filing would record, and every reason it cannot, all at once. */
export function checkRemoteCare(ctx: RemoteCareContext): {
  code: string | null;
  name: string | null;
  validFrom: string;
  problems: Problem[];
} {
  const { input, today } = ctx;
  const problems: Problem[] = [];
  if (!ctx.insured)
    problems.push(
      problem('NOT_INSURED_HERE', `异地就医备案须向参保地办理：未查询到您在${ctx.regionName}的参保记录`, null),
    );
  else if (ctx.insured.status !== 'NORMAL')
    problems.push(problem('INSURED_STATUS_ABNORMAL', '您的参保状态不正常，暂不能办理异地就医备案', null));
  const code = input.residenceRegionCode?.trim() || null;
  const known = code ? REGIONS.find((r) => r.code === code) : undefined;
  const name = known ? `${known.province}${known.name}` : input.residenceRegionName?.trim() || null;
  if (code === ctx.regionCode)
    problems.push(
      problem('REMOTE_CARE_SAME_REGION', '居住地与参保地相同，无需办理异地就医备案', 'residenceRegionCode'),
    );
  if (!name) problems.push(problem('RESIDENCE_REQUIRED', '请填写异地长期居住地', 'residenceRegionName'));
  const validFrom = input.validFrom ?? today;
  if (validFrom < today) problems.push(problem('INVALID_PERIOD', '备案开始日期不能早于今天', 'validFrom'));
  if (input.validUntil && input.validUntil < validFrom)
    problems.push(problem('INVALID_PERIOD', '备案结束日期不能早于开始日期', 'validUntil'));
  if (
    ctx.existing.some((f) => f.residenceRegionName === name && (f.validUntil === null || f.validUntil >= validFrom))
  ) {
    problems.push(problem('REMOTE_CARE_ALREADY_FILED', `您已办理${name}的异地就医备案`, 'residenceRegionCode'));
  }
  return { code, name, validFrom, problems };
}
