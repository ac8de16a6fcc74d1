import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  MaterialFiles,
  ownerKey,
  type OwnershipRecord,
  readOwnership,
  USE_MARGIN_MS,
  writeOwnership,
} from './file-owners';
import { DirectoryFileStore } from './files';

// The region's side of file ownership on a real directory store: only a manifest signed by the
// gateway's key, for this file and this person, makes a file usable; near its expiry only if an
// application of the person already uses it.

const gateway = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const HOUR = 3600 * 1000;

let store: DirectoryFileStore;
beforeEach(() => {
  store = new DirectoryFileStore(mkdtempSync(path.join(os.tmpdir(), 'mente-owners-')));
});

async function uploaded(label: string, personId: string, at = Date.now(), key = gateway.privateKey) {
  const data = Buffer.from(`%PDF-1.4 ${label}`);
  const sha256 = createHash('sha256').update(data).digest('hex');
  await store.put(sha256, data, { contentType: 'application/pdf', fileName: `${label}.pdf` });
  const record: OwnershipRecord = {
    sha256,
    personId,
    uploadedBy: { role: 'APPLICANT', subject: `user-${personId}` },
    size: data.length,
    contentType: 'application/pdf',
    uploadedAt: new Date(at).toISOString(),
    keepUntil: new Date(at + 72 * HOUR).toISOString(),
  };
  await writeOwnership(store, key, record);
  return { sha256, record };
}

describe('MaterialFiles.usableBy', () => {
  it('gives a person their own files only', async () => {
    const files = new MaterialFiles(store, gateway.publicKey);
    const a = await uploaded('a', 'P1');
    const b = await uploaded('b', 'P2');
    expect(await files.usableBy('P1', [a.sha256, b.sha256, 'f'.repeat(64), 'not a hash'])).toEqual(new Set([a.sha256]));
    expect(await readOwnership(store, gateway.publicKey, a.sha256, 'P1')).toEqual(a.record);
  });

  it('refuses manifests signed with another key, for another file, or without a key to check them', async () => {
    const forged = await uploaded('forged', 'P1', Date.now(), stranger.privateKey);
    expect(await new MaterialFiles(store, gateway.publicKey).usableBy('P1', [forged.sha256])).toEqual(new Set());
    const real = await uploaded('real', 'P1');
    const other = await uploaded('other', 'P1');
    // A valid manifest moved to another file's key names the wrong sha256 inside its signature.
    const moved = (await store.getRecord(ownerKey(real.sha256, 'P1')))!;
    await store.putRecord(ownerKey(other.sha256, 'P1'), moved);
    expect(await new MaterialFiles(store, gateway.publicKey).usableBy('P1', [other.sha256])).toEqual(new Set());
    expect(await new MaterialFiles(store, null).usableBy('P1', [real.sha256])).toEqual(new Set());
  });

  it('refuses a manifest whose content is gone', async () => {
    const gone = await uploaded('gone', 'P1');
    await store.remove(gone.sha256);
    expect(await new MaterialFiles(store, gateway.publicKey).usableBy('P1', [gone.sha256])).toEqual(new Set());
  });

  it('near its expiry an upload is usable only if an application of the person already uses it', async () => {
    const { sha256, record } = await uploaded('old', 'P1', Date.now() - 72 * HOUR);
    const nearExpiry = () => Date.parse(record.keepUntil) - USE_MARGIN_MS + 1;
    const files = new MaterialFiles(store, gateway.publicKey, nearExpiry);
    expect(await files.usableBy('P1', [sha256])).toEqual(new Set());
    await files.markReferenced('510400', 'P2', [sha256]); // somebody else's use does not count
    expect(await files.usableBy('P1', [sha256])).toEqual(new Set());
    await files.markReferenced('445300', 'P1', [sha256]);
    expect(await files.usableBy('P1', [sha256])).toEqual(new Set([sha256]));
    const early = new MaterialFiles(store, gateway.publicKey, () => Date.parse(record.keepUntil) - USE_MARGIN_MS - 1);
    const fresh = await uploaded('fresh', 'P3');
    expect(await early.usableBy('P3', [fresh.sha256])).toEqual(new Set([fresh.sha256]));
  });
});

describe('DirectoryFileStore records', () => {
  it('puts, lists by prefix, reads and deletes records; refuses keys outside the namespaces', async () => {
    await store.putRecord('usage/2026-12-03/P1/1-a', Buffer.from('x'));
    await store.putRecord('usage/2026-12-03/P1/2-b', Buffer.from('yy'));
    await store.putRecord('usage/2026-12-03/P10/1-c', Buffer.from('z'));
    expect((await store.list('usage/2026-12-03/P1/')).map((o) => [o.key, o.size])).toEqual([
      ['usage/2026-12-03/P1/1-a', 1],
      ['usage/2026-12-03/P1/2-b', 2],
    ]);
    expect(await store.getRecord('usage/2026-12-03/P1/2-b')).toEqual(Buffer.from('yy'));
    await store.deleteRecord('usage/2026-12-03/P1/1-a');
    await store.deleteRecord('usage/2026-12-03/P1/2-b');
    expect(await store.getRecord('usage/2026-12-03/P1/2-b')).toBeNull();
    expect(await store.list('usage/2026-12-03/P1/')).toEqual([]);
    expect((await store.list('')).map((o) => o.key)).toEqual(['usage/2026-12-03/P10/1-c']);
    expect((await store.list('usage/')).map((o) => o.key)).toEqual(['usage/2026-12-03/P10/1-c']);
    for (const bad of ['../', 'usage/../', '/etc/', 'other/']) {
      await expect(store.list(bad)).rejects.toThrow(/not a list prefix/);
    }
    for (const bad of ['../x', 'owners/../../etc', 'other/x', 'owners/.hidden', 'owners/a b', 'owners']) {
      await expect(store.putRecord(bad, Buffer.from('x'))).rejects.toThrow(/not a record key/);
    }
  });
});
