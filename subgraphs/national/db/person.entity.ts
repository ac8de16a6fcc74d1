import { EntitySchema } from 'typeorm';

import type { InsuranceType } from '../../kit/domain/policy';

/**
 * The national identity index: who a person is and where they are insured. The identity number
 * is never stored in plaintext: a keyed hash for lookup, an AES-256-GCM copy, and the mask.
 */
export interface PersonRow {
  id: string;
  name: string;
  idNumberHash: string;
  idNumberEncrypted: string;
  idNumberMasked: string;
  phoneEncrypted: string | null;
  phoneMasked: string | null;
  insuredRegionCode: string;
  insuranceType: InsuranceType;
  /** 常住地/居住地 region code when the person lives outside the insured region; null = lives there. */
  residenceRegionCode: string | null;
  /** e.g. 广东省云浮市; null with the code. */
  residenceRegionName: string | null;
}

export const PersonEntity = new EntitySchema<PersonRow>({
  name: 'Person',
  tableName: 'person',
  columns: {
    id: { type: String, length: 40, primary: true },
    name: { type: String, length: 50 },
    idNumberHash: { type: String, length: 64, name: 'id_number_hash' },
    idNumberEncrypted: { type: String, length: 200, name: 'id_number_encrypted' },
    idNumberMasked: { type: String, length: 18, name: 'id_number_masked' },
    phoneEncrypted: { type: String, length: 200, name: 'phone_encrypted', nullable: true },
    phoneMasked: { type: String, length: 11, name: 'phone_masked', nullable: true },
    insuredRegionCode: { type: String, length: 12, name: 'insured_region_code' },
    insuranceType: { type: String, length: 16, name: 'insurance_type' },
    residenceRegionCode: { type: String, length: 12, name: 'residence_region_code', nullable: true },
    residenceRegionName: { type: String, length: 50, name: 'residence_region_name', nullable: true },
  },
});
