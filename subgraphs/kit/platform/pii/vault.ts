// Stored identifiers: a keyed lookup hash (HMAC-SHA256) plus AES-256-GCM ciphertext, never the
// value itself. Only node:crypto is used.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

import { normalisePii } from './id-numbers';

const SEALED_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function copyKey(name: string, key: unknown): Buffer {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) throw new Error(`${name} must be 32 bytes`);
  return Buffer.from(key); // a private copy: later changes to the caller's buffer do not reach us
}

function decodeKey(name: string, b64: string): Buffer {
  const s = typeof b64 === 'string' ? b64.trim() : '';
  if (!BASE64.test(s)) throw new Error(`${name} must be 32 bytes, base64-encoded`);
  return copyKey(name, Buffer.from(s, 'base64'));
}

/**
 * Keyed hash for lookup (unique index) + AES-256-GCM encryption at rest.
 * Keys live in private fields: they do not show in JSON.stringify or util.inspect.
 */
export class PiiVault {
  readonly #hashKey: Buffer;
  readonly #encryptionKey: Buffer;

  constructor(keys: { hashKey: Buffer; encryptionKey: Buffer }) {
    this.#hashKey = copyKey('hashKey', keys?.hashKey);
    this.#encryptionKey = copyKey('encryptionKey', keys?.encryptionKey);
  }

  static fromBase64(hashKeyB64: string, encryptionKeyB64: string): PiiVault {
    return new PiiVault({
      hashKey: decodeKey('hashKey', hashKeyB64),
      encryptionKey: decodeKey('encryptionKey', encryptionKeyB64),
    });
  }

  /** HMAC-SHA256 (hex) of normalisePii(value): equal inputs give equal hashes under one key. */
  lookupHash(value: string): string {
    if (typeof value !== 'string') throw new TypeError('lookupHash needs a string');
    return createHmac('sha256', this.#hashKey).update(normalisePii(value), 'utf8').digest('hex');
  }

  /** "v1:" + base64url(iv(12) | ciphertext | tag(16)), fresh random IV each call. Stores the value as given. */
  encrypt(value: string): string {
    if (typeof value !== 'string') throw new TypeError('encrypt needs a string');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  /** Throws Error('PII decryption failed') on any tamper, wrong key or wrong format; never echoes the input. */
  decrypt(sealed: string): string {
    const failed = new Error('PII decryption failed');
    if (typeof sealed !== 'string' || !sealed.startsWith(SEALED_PREFIX)) throw failed;
    const body = sealed.slice(SEALED_PREFIX.length);
    if (!BASE64URL.test(body)) throw failed;
    const bytes = Buffer.from(body, 'base64url');
    // Reject non-canonical encodings (e.g. altered padding bits) and anything too short to hold iv + tag.
    if (bytes.toString('base64url') !== body || bytes.length < IV_BYTES + TAG_BYTES) throw failed;
    try {
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw failed;
    }
  }

  toJSON(): Record<string, never> {
    return {};
  }
}
