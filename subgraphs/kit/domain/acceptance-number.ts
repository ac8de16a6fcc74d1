import { acceptanceCheckChar } from '../platform/routing';
import { isValidIsoDate } from './calendar';

// 受理号: region code (6) + acceptance date YYYYMMDD (8) + daily sequence (6) + check character.
// A region hands out the numbers (here); reading one back and routing it to its region is the
// platform's (platform/routing.ts: parseAcceptanceNumber), which the gateway shares.

export function formatAcceptanceNumber(regionCode: string, acceptedOn: string, sequence: number): string {
  if (!/^\d{6}$/.test(regionCode)) throw new RangeError(`region code must be 6 digits: ${regionCode}`);
  if (!isValidIsoDate(acceptedOn)) throw new RangeError(`invalid acceptance date: ${acceptedOn}`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999_999)
    throw new RangeError(`sequence out of range: ${sequence}`);
  const body = `${regionCode}${acceptedOn.replace(/-/g, '')}${String(sequence).padStart(6, '0')}`;
  return body + acceptanceCheckChar(body);
}
