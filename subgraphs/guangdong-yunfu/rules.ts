import type { RegionRules } from '../kit/application/rules';
import { problem } from '../kit/errors';

// Yunfu's own rules (POLICY.md, 广东·云浮): 参保地 must be 云浮市; the designated hospital is
// required and must be a Yunfu institution qualified for 门特 certification; renewal only within
// the 30 days before expiry; identity by any one of ID card, social security card or e-voucher.
export const yunfuRules: RegionRules = {
  wrongInsuredRegionMessage: '参保地须选择“云浮市”，错选将导致业务无法受理',
  hospitalRequired: true,
  hospitalMustBeQualified: true,
  renewalWindowDays: 30,
  changeHospitalPerYear: null,
  remoteCareFilingRequired: false,
  identityProblems(kinds) {
    return kinds.has('ID_CARD') || kinds.has('SOCIAL_SECURITY_CARD') || kinds.has('MEDICAL_INSURANCE_VOUCHER')
      ? []
      : [problem('MATERIAL_MISSING', '缺少材料：身份证、社保卡或医保电子凭证截图（任选其一）', 'materials')];
  },
};
