import { CSRF_MESSAGE, explainCsrfRefusal } from './csrf-message';

const APOLLO =
  "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n";

describe('explainCsrfRefusal', () => {
  it('answers the CSRF refusal in Chinese, keeping the code and the English detail', () => {
    expect(explainCsrfRefusal({ message: APOLLO, extensions: { code: 'BAD_REQUEST' } })).toEqual({
      message: CSRF_MESSAGE,
      extensions: { code: 'BAD_REQUEST', reason: 'CSRF_PREVENTION', detail: APOLLO.trim() },
    });
  });

  it('leaves every other error as it was', () => {
    const other = {
      message: 'POST body missing, invalid Content-Type, or JSON object has no keys.',
      extensions: { code: 'BAD_REQUEST' },
    };
    expect(explainCsrfRefusal(other)).toBe(other);
    const spoofed = { message: APOLLO, extensions: { code: 'BAD_USER_INPUT' } };
    expect(explainCsrfRefusal(spoofed)).toBe(spoofed);
  });
});
