import { redactUrl, urlHasPassword, withPassword } from './url';

describe('database URLs', () => {
  it('puts a password into a mysql:// URL that names its user, percent-encoded as the driver decodes it', () => {
    expect(withPassword('mysql://mente_yunfu@mysql:3306/mente_guangdong_yunfu', 'a:b@c/d')).toBe(
      'mysql://mente_yunfu:a%3Ab%40c%2Fd@mysql:3306/mente_guangdong_yunfu',
    );
    expect(decodeURIComponent('a%3Ab%40c%2Fd')).toBe('a:b@c/d');
    expect(withPassword('memory:', 'x')).toBe('memory:');
    expect(withPassword(undefined, 'x')).toBeUndefined();
    expect(withPassword('mysql://u@h/db', undefined)).toBe('mysql://u@h/db');
    expect(() => withPassword('mysql://h:3306/db', 'x')).toThrow(/must name its user/);
  });

  it('tells a URL with a password from one without, and hides it in messages', () => {
    expect(urlHasPassword('mysql://u:p@h:3306/db')).toBe(true);
    expect(urlHasPassword('mysql://u:@h:3306/db')).toBe(true);
    expect(urlHasPassword('mysql://u@h:3306/db')).toBe(false);
    expect(urlHasPassword('mysql://h:3306/db')).toBe(false);
    expect(redactUrl(withPassword('mysql://u@h:3306/db', 'secret'))).toBe('mysql://u:***@h:3306/db');
    // No user name, still a password: said so, and hidden.
    expect(urlHasPassword('mysql://:secret@h:3306/db')).toBe(true);
    expect(redactUrl('mysql://:secret@h:3306/db')).toBe('mysql://:***@h:3306/db');
    expect(redactUrl('mysql://h:3306/db')).toBe('mysql://h:3306/db');
  });
});
