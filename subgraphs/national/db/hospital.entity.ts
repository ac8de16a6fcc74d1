import { EntitySchema } from 'typeorm';

import type { HospitalLevel } from '../../kit/domain/policy';
import { bool, str } from '../../kit/persistence/db/columns';

/**
 * The national hospital directory (全国医疗机构名录): every hospital whose medical proof a region
 * may be shown, with its level (一级/二级/三级) and whether it is a specialist hospital. Loaded
 * from subgraphs/national/data/hospitals.yaml; entries no document gives are `illustrative`.
 */
export interface DirectoryHospitalRow {
  code: string;
  name: string;
  province: string;
  regionCode: string;
  regionName: string;
  level: HospitalLevel;
  specialist: boolean;
  illustrative: boolean;
  source: string;
}

export const DirectoryHospitalEntity = new EntitySchema<DirectoryHospitalRow>({
  name: 'DirectoryHospital',
  tableName: 'directory_hospital',
  columns: {
    code: { type: String, length: 40, primary: true },
    name: str('name', 100),
    province: str('province', 20),
    regionCode: str('region_code', 12),
    regionName: str('region_name', 50),
    level: str('level', 8),
    specialist: bool('specialist'),
    illustrative: bool('illustrative'),
    source: str('source', 500),
  },
});
