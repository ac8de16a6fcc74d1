import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';

import type { Auditor } from '../kit/persistence/audit';
import type { Identity } from '../kit/platform/auth/identity';
import type { PiiVault } from '../kit/platform/pii';
import { PersonEntity, type PersonRow } from './db/person.entity';
import type { HospitalDirectory } from './hospital-directory';

export interface NationalContext {
  identity: Identity;
  requestId: string;
  people: DataLoader<string, PersonRow | null>;
  /** The regions each person has history in (national index), per request. */
  history: DataLoader<string, string[]>;
  /** A person by the keyed hash of their identity number (the number itself is never stored). */
  personByIdNumberHash(hash: string): Promise<PersonRow | null>;
  vault: PiiVault;
  /** The national hospital directory (hospital, hospitals). */
  hospitals: HospitalDirectory;
  audit: Auditor;
}

/** Per-request: people by national person number, one statement per batch. */
export function personLoader(ds: DataSource): DataLoader<string, PersonRow | null> {
  return new DataLoader(async (ids) => {
    const rows = await ds.getRepository(PersonEntity).findBy({ id: In([...ids]) });
    return ids.map((id) => rows.find((r) => r.id === id) ?? null);
  });
}
