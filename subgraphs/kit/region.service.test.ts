import type { DiseaseRow } from './db/policy.entities';
import { searchDiseases } from './region.service';

const row = (code: string, name: string): DiseaseRow => ({
  regionCode: '510400',
  code,
  position: 0,
  name,
  deductibleExempt: false,
  deductibleExemptSource: 'x',
  requiresPhoto: false,
  requiresSpecialistHospital: false,
  validityMonths: null,
  source: 'test',
});

describe('searchDiseases', () => {
  const rows = [
    row('M03900', '高血压'),
    row('M01600', '糖尿病'),
    row('M00500', '恶性肿瘤门诊治疗'),
    row('M00503', '恶性肿瘤（放化疗）'),
  ];

  it('returns the whole catalogue without a search term', () => {
    expect(searchDiseases(rows, null)).toHaveLength(4);
    expect(searchDiseases(rows, '   ')).toHaveLength(4);
  });

  it('matches part of the Chinese name', () => {
    expect(searchDiseases(rows, '肿瘤').map((d) => d.code)).toEqual(['M00500', 'M00503']);
    expect(searchDiseases(rows, '血压').map((d) => d.code)).toEqual(['M03900']);
  });

  it('matches a code or code prefix, ignoring case and spaces', () => {
    expect(searchDiseases(rows, ' m03900 ').map((d) => d.code)).toEqual(['M03900']);
    expect(searchDiseases(rows, 'M005').map((d) => d.code)).toEqual(['M00500', 'M00503']);
  });

  it('finds nothing for an unrelated term', () => {
    expect(searchDiseases(rows, '骨折')).toEqual([]);
  });
});
