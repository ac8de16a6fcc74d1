import type { DataSource, EntityManager } from 'typeorm';

import { boundAcceptanceNumber, boundReason } from '../domain/input-bounds';
import type { RegionDefinition } from '../domain/region-definition';
import type { ApplicationRow } from '../persistence/db/record.entities';
import { ApplicationEntity } from '../persistence/db/record.entities';
import { idempotencyScope, idempotent, type Outcome } from '../persistence/idempotency';
import type { Identity } from '../platform/auth/identity';
import { nowInChina } from '../platform/clock';
import { requireReviewer } from './authorization';

// What every reviewer's decision on an application shares (review<P>Application, review<P>Appeal):
// the caller must be a reviewer of the region; the number and the reason are cleaned and bounded
// (phone and identity numbers in the reason masked) before anything is read; then the decision
// runs once per idempotency key.

export interface ReviewRequest<D extends string> {
  identity: Identity;
  def: RegionDefinition;
  rawNumber: string;
  decision: D;
  rawReason: string | null | undefined;
  /** The mutation's name, e.g. reviewPanzhihuaAppeal: a key reused for another operation is refused. */
  operation: string;
  idempotencyKey: string | null | undefined;
  clock: () => Date;
  run: (
    acceptanceNumber: string,
    note: string | null,
    remember: (tx: EntityManager, resultId: string) => Promise<void>,
  ) => Promise<Outcome<ApplicationRow>>;
}

export function reviewRequest<D extends string>(ds: DataSource, r: ReviewRequest<D>): Promise<Outcome<ApplicationRow>> {
  requireReviewer(r.identity, r.def);
  const { value: acceptanceNumber, problems: numberBounds } = boundAcceptanceNumber(r.rawNumber);
  const { value: note, problems: bounds } = boundReason(r.rawReason);
  if (numberBounds.length + bounds.length > 0) {
    return Promise.resolve({ value: null, problems: [...numberBounds, ...bounds] });
  }
  return idempotent(ds, {
    scope: idempotencyScope(r.def.policy.code, r.identity),
    key: r.idempotencyKey,
    operation: r.operation,
    args: { acceptanceNumber: acceptanceNumber.toUpperCase(), decision: r.decision, reason: note },
    load: (id: string) => ds.getRepository(ApplicationEntity).findOneBy({ id }),
    now: () => nowInChina(r.clock()),
    run: (remember) => r.run(acceptanceNumber, note, remember),
  });
}
