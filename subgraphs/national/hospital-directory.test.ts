import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { loadAllRegionFiles } from '../kit/domain/region-file';
import { loadHospitalDirectory } from './hospital-directory';

describe('the national hospital directory (data/hospitals.yaml)', () => {
  const directory = loadHospitalDirectory();
  const byCode = new Map(directory.map((h) => [h.code, h]));

  it("lists every region's designated hospitals as the region file describes them", () => {
    const regions = loadAllRegionFiles();
    expect(regions.length).toBeGreaterThanOrEqual(2);
    for (const { policy } of regions) {
      for (const h of policy.hospitals) {
        expect(byCode.get(h.code)).toMatchObject({
          name: h.name,
          level: h.level,
          specialist: h.specialist,
          regionCode: policy.code,
          province: policy.province,
        });
      }
    }
  });

  it('has level-2 and level-3 hospitals (specialist ones too) elsewhere, and a level-1 one, every entry flagged', () => {
    const elsewhere = directory.filter((h) => !['510400', '445300'].includes(h.regionCode));
    for (const city of ['成都市', '广州市', '北京市']) {
      expect(elsewhere.some((h) => h.regionName === city && h.level === 'LEVEL_3')).toBe(true);
    }
    expect(elsewhere.some((h) => h.level === 'LEVEL_2')).toBe(true);
    expect(elsewhere.some((h) => h.level === 'LEVEL_3' && h.specialist)).toBe(true);
    expect(elsewhere.some((h) => h.level === 'LEVEL_1')).toBe(true);
    for (const h of directory) expect(h.illustrative).toBe(true);
  });

  it('expands sources to fit the stored column, and refuses a source citing an unlisted document', () => {
    for (const h of directory) expect(h.source.length).toBeLessThanOrEqual(500);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'directory-')), 'hospitals.yaml');
    writeFileSync(
      file,
      [
        'documents: []',
        'hospitals:',
        '  - { code: H51040200001, name: 某医院, province: 四川省, regionCode: "510400", regionName: 攀枝花市,',
        '      level: LEVEL_3, specialist: false, source: "{nowhere-2025}" }',
      ].join('\n'),
    );
    expect(() => loadHospitalDirectory(file)).toThrow('hospitals[0].source: cites {nowhere-2025}');
  });
});
