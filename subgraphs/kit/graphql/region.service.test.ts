import type { DiseaseRow } from '../persistence/db/policy.entities';
import { searchDiseases, searchDiseasesRanked } from './region.service';

const row = (code: string, name: string, synonyms: string[] = [], position = 0): DiseaseRow => ({
  regionCode: '510400',
  code,
  position,
  synonyms,
  synonymSource: 'test',
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

describe('searchDiseases as applicants type', () => {
  const rows = [
    row('M03900', '高血压', ['高血压病', '原发性高血压'], 0),
    row('M05300', '慢性阻塞性肺疾病', ['慢阻肺', 'COPD', '老慢支'], 1),
    row('M07800', '慢性肾功能不全（非透析）', ['慢性肾病'], 2),
    row('M07803', '慢性肾功能衰竭（血液透析）', ['血透', '尿毒症', '透析'], 3),
    row('M02500', '癫痫', ['羊癫疯'], 4),
    row('M01600', '糖尿病', ['2型糖尿病', 'DM'], 5),
  ];
  const codes = (term: string) => searchDiseases(rows, term).map((d) => d.code);

  it('finds a longer name typed, a synonym, a folk name and an abbreviation', () => {
    expect(codes('高血压病')).toEqual(['M03900']);
    expect(codes('慢阻肺')).toEqual(['M05300']);
    expect(codes('copd')).toEqual(['M05300']);
    expect(codes('羊癫疯')).toEqual(['M02500']);
    expect(codes('尿毒症')).toEqual(['M07803']);
  });

  it('finds full pinyin and pinyin initials, with or without spaces', () => {
    expect(codes('gxy')).toEqual(['M03900']);
    expect(codes('gaoxueya')).toEqual(['M03900']);
    expect(codes('gao xue ya')).toEqual(['M03900']);
    expect(codes('dianxian')).toEqual(['M02500']);
    expect(codes('mzf')).toEqual(['M05300']);
  });

  it('does not find 透析 in 非透析', () => {
    expect(codes('透析')).toEqual(['M07803']);
  });

  it('finds only the 非透析 entry for 非透析, not the entries of the bare synonym 透析', () => {
    expect(searchDiseasesRanked(rows, '非透析').map((r) => [r.row.code, r.match])).toEqual([['M07800', 'NAME']]);
    expect(codes('慢性肾病')).toEqual(['M07800']);
  });

  it('needs two Latin letters to match inside an abbreviation; code prefixes keep working', () => {
    expect(codes('M')).toEqual([]);
    expect(codes('d')).toEqual([]);
    expect(codes('2')).toEqual([]);
    expect(codes('dm')).toEqual(['M01600']);
    expect(codes('co')).toEqual(['M05300']);
    expect(codes('M07')).toEqual(['M07800', 'M07803']);
    expect(searchDiseasesRanked(rows, 'm016').map((r) => r.match)).toEqual(['CODE_PREFIX']);
    expect(codes('2型')).toEqual(['M01600']);
  });

  it('ranks an exact code before a name match, a name before a synonym, a synonym before pinyin', () => {
    const ranked = [row('M00001', '甲病', ['乙病'], 0), row('M00002', '乙病', [], 1), row('M00003', 'yibing', [], 2)];
    expect(searchDiseases(ranked, '乙病').map((d) => d.code)).toEqual(['M00002', 'M00001']);
    expect(searchDiseasesRanked(ranked, 'M00001').map((r) => r.match)).toEqual(['CODE']);
    expect(searchDiseasesRanked(ranked, 'M0000').map((r) => r.match)).toEqual([
      'CODE_PREFIX',
      'CODE_PREFIX',
      'CODE_PREFIX',
    ]);
    expect(searchDiseasesRanked(ranked, 'yibing').map((r) => [r.row.code, r.match])).toEqual([
      ['M00003', 'NAME'],
      ['M00001', 'PINYIN'],
      ['M00002', 'PINYIN'],
    ]);
  });
});
