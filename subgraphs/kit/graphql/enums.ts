import { registerEnumType } from 'type-graphql';

// Enum objects whose values equal their names, so the string unions of ../policy.ts fit them.

export const InsuranceTypeEnum = { EMPLOYEE: 'EMPLOYEE', RESIDENT: 'RESIDENT' } as const;
registerEnumType(InsuranceTypeEnum, {
  name: 'InsuranceType',
  description: '城镇职工 (310) / 城乡居民 (390)',
});

export const ChannelKindEnum = { APP: 'APP', MINI_PROGRAM: 'MINI_PROGRAM', WEB: 'WEB', COUNTER: 'COUNTER' } as const;
registerEnumType(ChannelKindEnum, { name: 'ChannelKind' });

export const HospitalLevelEnum = { LEVEL_1: 'LEVEL_1', LEVEL_2: 'LEVEL_2', LEVEL_3: 'LEVEL_3' } as const;
registerEnumType(HospitalLevelEnum, { name: 'HospitalLevel', description: '一级 / 二级 / 三级' });

export const MaterialKindEnum = {
  ID_CARD: 'ID_CARD',
  MEDICAL_INSURANCE_VOUCHER: 'MEDICAL_INSURANCE_VOUCHER',
  SOCIAL_SECURITY_CARD: 'SOCIAL_SECURITY_CARD',
  APPLICATION_FORM: 'APPLICATION_FORM',
  DIAGNOSIS_CERTIFICATE: 'DIAGNOSIS_CERTIFICATE',
  MEDICAL_RECORD: 'MEDICAL_RECORD',
  PHOTO: 'PHOTO',
  SPECIALIST_CERTIFICATE: 'SPECIALIST_CERTIFICATE',
} as const;
registerEnumType(MaterialKindEnum, { name: 'MaterialKind' });

export const ApplicationTypeEnum = { NEW: 'NEW', RENEWAL: 'RENEWAL', CHANGE_HOSPITAL: 'CHANGE_HOSPITAL' } as const;
registerEnumType(ApplicationTypeEnum, { name: 'ApplicationType' });

export const ApplicationStatusEnum = {
  ACCEPTED: 'ACCEPTED',
  SUPPLEMENT_REQUESTED: 'SUPPLEMENT_REQUESTED',
  AWAITING_IN_PERSON: 'AWAITING_IN_PERSON',
  APPROVED: 'APPROVED',
  REJECTED: 'REJECTED',
  WITHDRAWN: 'WITHDRAWN',
} as const;
registerEnumType(ApplicationStatusEnum, {
  name: 'ApplicationStatus',
  valuesConfig: {
    AWAITING_IN_PERSON: {
      description:
        '线下补充核验: the applicant is asked to bring originals to the window by `dueDate`; a counter clerk records the visit (back to ACCEPTED).',
    },
  },
});

export const PolicyFigureKindEnum = {
  DEDUCTIBLE: 'DEDUCTIBLE',
  DEDUCTIBLE_EXEMPTION: 'DEDUCTIBLE_EXEMPTION',
  RATE_BAND: 'RATE_BAND',
  RATE: 'RATE',
  ANNUAL_CAP: 'ANNUAL_CAP',
  REMOTE_CARE_ADJUSTMENT: 'REMOTE_CARE_ADJUSTMENT',
  DIRECT_SETTLEMENT: 'DIRECT_SETTLEMENT',
} as const;
registerEnumType(PolicyFigureKindEnum, {
  name: 'PolicyFigureKind',
  description:
    '起付标准 / 是否免起付线 / 报销比例分档 (the age band or contribution tier that chose the rate) / 报销比例 / 年度最高支付限额 / 异地就医待遇调整 / 异地直接结算范围',
});

export const RemoteCareSituationEnum = { FILED: 'FILED', NOT_FILED: 'NOT_FILED' } as const;
registerEnumType(RemoteCareSituationEnum, {
  name: 'RemoteCareSituation',
  description:
    '异地就医: living outside the insured region with a valid 异地就医备案 (FILED) or without one (NOT_FILED).',
});
