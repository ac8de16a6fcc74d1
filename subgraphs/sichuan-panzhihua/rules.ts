import type { RegionRules } from '../kit/application/rules';
import { type Problem, problem } from '../kit/errors';

// Panzhihua's own rules (POLICY.md, 四川·攀枝花): identity by ID card or e-voucher, the social
// security card only without an e-voucher; one change of designated hospital per year; long-term
// residents elsewhere file 异地就医备案 first.
export const panzhihuaRules: RegionRules = {
  wrongInsuredRegionMessage: '参保地应选择攀枝花市（510400），请确认后重新提交',
  hospitalRequired: false,
  hospitalMustBeQualified: false,
  renewalWindowDays: null,
  changeHospitalPerYear: 1,
  remoteCareFilingRequired: true,
  identityProblems(kinds) {
    const problems: Problem[] = [];
    const voucher = kinds.has('MEDICAL_INSURANCE_VOUCHER');
    if (!kinds.has('ID_CARD') && !voucher) {
      problems.push(problem('MATERIAL_MISSING', '缺少材料：身份证（正反面）或医保电子凭证', 'materials'));
    }
    if (!voucher && !kinds.has('SOCIAL_SECURITY_CARD')) {
      problems.push(problem('MATERIAL_MISSING', '缺少材料：社保卡照片（无医保电子凭证时需提供）', 'materials'));
    }
    return problems;
  },
};
