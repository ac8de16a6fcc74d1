import { REGIONS } from '../../schema/registry';
import { badInput } from '../kit/platform/errors';
import { checkFirst, cursorKind, invalidCursor } from '../kit/platform/pagination/cursor';
import type { NationalContext } from './context';
import type { PersonRow } from './db/person.entity';

/** The per-region page size limit of the message centre (the region checks it again). */
const MAX_MESSAGES_PAGE = 100;

/**
 * Person.notifications: one reference per region holding the person's history (as records),
 * each keyed with the page asked (`window` = "<first>:<after>"), completed by that region. With
 * `after` (a region's endCursor, which names its region) only that region's next page.
 */
export async function messagePages(ctx: NationalContext, row: PersonRow, first: number, after: string | null) {
  checkFirst(first, MAX_MESSAGES_PAGE);
  if (after) {
    const kind = cursorKind(after);
    const region = kind?.startsWith('messages:') ? REGIONS.find((r) => `messages:${r.code}` === kind) : undefined;
    if (!region) throw badInput([invalidCursor()]);
    return [
      {
        __typename: `${region.prefix}Messages`,
        personId: row.id,
        regionCode: region.code,
        window: `${first}:${after}`,
      },
    ];
  }
  const codes = new Set([row.insuredRegionCode, ...(await ctx.history.load(row.id))]);
  return REGIONS.filter((r) => codes.has(r.code)).map((r) => ({
    __typename: `${r.prefix}Messages`,
    personId: row.id,
    regionCode: r.code,
    window: `${first}:`,
  }));
}
