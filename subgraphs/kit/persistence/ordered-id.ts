import { randomBytes } from 'node:crypto';

// Ids for rows read newest first by (time, id): the audit log and the message centre. Their
// time columns have whole seconds, so rows of the same second are ordered by id; a random UUID
// would put them in any order (a person's "accepted" message before its "submitted" one, an
// audit read before the read it followed). These are UUIDv7 (RFC 9562 §5.7): 48 bits of Unix
// milliseconds, then a 12-bit counter (method 1 of §6.2) so ids made in one process are strictly
// increasing even within a millisecond or when the clock steps back, then 62 random bits.

let lastMs = 0;
let counter = 0;

/** A UUIDv7 string (lower-case hex), greater than every id this process made before it. */
export function timeOrderedId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    // 4,096 ids in one millisecond: borrow the next one rather than repeat or go back.
    lastMs += 1;
    counter = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
