import { redactPii } from './pii';

/** A request id is kept only when it is a plain token that cannot be mistaken for PII. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/** The x-request-id header's value when it is safe to log and pass on, else undefined. */
export function acceptRequestId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SAFE_REQUEST_ID.test(value) && redactPii(value) === value ? value : undefined;
}
