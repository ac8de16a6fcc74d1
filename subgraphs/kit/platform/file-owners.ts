import { jwtVerify, type KeyLike, SignJWT } from 'jose';

import { INTERNAL_ISSUER } from './auth/internal-token';
import { type FileStore, isSha256 } from './files';

// Who may use an uploaded file. Content stays addressed by sha256 (the same bytes from two people
// are one blob), and every upload adds an ownership manifest beside it in the same store:
//
//   owners/<sha256>/<personId>.json   signed by the gateway's internal Ed25519 key
//   refs/<sha256>/<region>/<personId> written by a region when an application of that person uses it
//
// Why a signed manifest in the store rather than a receipt the client hands back: the store is the
// one thing the gateway and the regions share (even when they are different organisations), the
// regions already read it, and they already hold the gateway's public key for internal tokens. So
// a region checks ownership itself — it reads the manifest, verifies the signature and that it
// names this file and this applicant — and trusts nothing the gateway says beyond signed data.
// Anyone else with write access to the store cannot forge one; a manifest copied to another
// file's or person's key fails the check (sha256 and person are inside the signature). Receipts
// would need every client to keep and resend them, and quota and clean-up would still need a
// record on the server side.

/** JOSE header typ: a manifest can never pass as an internal token or a caller token, nor they as one. */
const OWNER_MANIFEST_TYPE = 'mente-file-owner+jwt';
const OWNER_MANIFEST_AUDIENCE = 'mente-file-store';
/** Person ids as they may appear in store keys (national person index ids, e.g. P000003). */
export const PERSON_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * A region stops accepting an unreferenced upload this long before it may be swept, so a
 * submission that passes the check has written its reference long before the sweeper looks.
 */
export const USE_MARGIN_MS = 15 * 60 * 1000;

export interface Uploader {
  role: 'APPLICANT' | 'REVIEWER' | 'COUNTER_CLERK';
  subject: string;
  /** The reviewer's or counter clerk's region, for staff uploads. */
  regionCode?: string;
}

export interface OwnershipRecord {
  sha256: string;
  /** Whose file it is: the applicant, or the person staff uploaded it for. */
  personId: string;
  uploadedBy: Uploader;
  size: number;
  contentType: string;
  /** ISO time of the upload. */
  uploadedAt: string;
  /** ISO time after which, unless an application uses it, the upload may be swept. */
  keepUntil: string;
}

export const ownerKey = (sha256: string, personId: string) => `owners/${sha256}/${personId}.json`;
const referenceKey = (sha256: string, regionCode: string, personId: string) =>
  `refs/${sha256}/${regionCode}/${personId}`;

/** Gateway side: signs the record and stores it as the owner's manifest (replacing an older one). */
export async function writeOwnership(store: FileStore, privateKey: KeyLike, record: OwnershipRecord): Promise<void> {
  if (!isSha256(record.sha256) || !PERSON_ID_PATTERN.test(record.personId)) throw new Error('bad ownership record');
  const signature = await new SignJWT({
    sha: record.sha256,
    by: { ...record.uploadedBy },
    size: record.size,
    ct: record.contentType,
    at: record.uploadedAt,
    until: record.keepUntil,
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: OWNER_MANIFEST_TYPE })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(OWNER_MANIFEST_AUDIENCE)
    .setSubject(record.personId)
    .setIssuedAt(Math.floor(Date.parse(record.uploadedAt) / 1000))
    .sign(privateKey);
  // The readable fields are for operators; readers trust only what the signature covers.
  const body = `${JSON.stringify({ ...record, signature }, null, 2)}\n`;
  await store.putRecord(ownerKey(record.sha256, record.personId), Buffer.from(body, 'utf8'));
}

/** The verified manifest of `personId` for `sha256`, or null (none, unreadable, forged, misplaced). */
export async function readOwnership(
  store: FileStore,
  publicKey: KeyLike | null,
  sha256: string,
  personId: string,
): Promise<OwnershipRecord | null> {
  if (!publicKey || !isSha256(sha256) || !PERSON_ID_PATTERN.test(personId)) return null;
  const raw = await store.getRecord(ownerKey(sha256, personId));
  if (!raw) return null;
  try {
    const { signature } = JSON.parse(raw.toString('utf8')) as { signature?: unknown };
    if (typeof signature !== 'string') return null;
    const { payload } = await jwtVerify(signature, publicKey, {
      issuer: INTERNAL_ISSUER,
      audience: OWNER_MANIFEST_AUDIENCE,
      algorithms: ['EdDSA'],
      typ: OWNER_MANIFEST_TYPE,
      subject: personId,
      requiredClaims: ['sha', 'at', 'until'],
    });
    if (payload.sha !== sha256 || typeof payload.at !== 'string' || typeof payload.until !== 'string') return null;
    const by = payload.by as Uploader;
    return {
      sha256,
      personId,
      uploadedBy: by,
      size: Number(payload.size),
      contentType: String(payload.ct),
      uploadedAt: payload.at,
      keepUntil: payload.until,
    };
  } catch {
    return null;
  }
}

/**
 * Region side: which files an applicant may attach, and marking the ones an application uses so
 * the sweeper keeps them. Checked in the region that stores the application, on the store itself.
 */
export class MaterialFiles {
  constructor(
    private readonly store: FileStore,
    /** The gateway's internal public key; without one no file is anybody's. */
    private readonly publicKey: KeyLike | null,
    /** Wall-clock time (not the business clock tests pin): uploads expire in real time. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The ones among `sha256s` that `personId` may attach: present in the store, with a valid
   * manifest for this person, and either not close to expiry or already used by this person's
   * applications. Anything else — never uploaded, somebody else's, expired — is simply absent,
   * so callers cannot tell those cases apart.
   */
  async usableBy(personId: string, sha256s: string[]): Promise<Set<string>> {
    const unique = [...new Set(sha256s)].filter(isSha256);
    const usable = await Promise.all(
      unique.map(async (sha256) => {
        const [record, present] = await Promise.all([
          readOwnership(this.store, this.publicKey, sha256, personId),
          this.store.has(sha256),
        ]);
        if (!record || !present) return null;
        if (this.now() < Date.parse(record.keepUntil) - USE_MARGIN_MS) return sha256;
        return (await this.referencedBy(sha256, personId)) ? sha256 : null;
      }),
    );
    return new Set(usable.filter((s): s is string => s !== null));
  }

  private async referencedBy(sha256: string, personId: string): Promise<boolean> {
    const refs = await this.store.list(`refs/${sha256}/`);
    return refs.some((r) => r.key.endsWith(`/${personId}`));
  }

  /**
   * Marks files as used by `personId`'s applications in `regionCode`. Called after the checks
   * passed and before the application's transaction: if that transaction then fails, the marker
   * only keeps a file longer, never the reverse.
   */
  async markReferenced(regionCode: string, personId: string, sha256s: string[]): Promise<void> {
    const at = new Date(this.now()).toISOString();
    await Promise.all(
      [...new Set(sha256s)]
        .filter(isSha256)
        .map((sha256) =>
          this.store.putRecord(
            referenceKey(sha256, regionCode, personId),
            Buffer.from(`${JSON.stringify({ sha256, regionCode, personId, at })}\n`, 'utf8'),
          ),
        ),
    );
  }
}
