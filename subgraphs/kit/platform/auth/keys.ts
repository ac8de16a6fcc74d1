import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { importPKCS8, importSPKI, type KeyLike } from 'jose';

// Key material, as PEM files: Ed25519 private keys in PKCS8 ("BEGIN PRIVATE KEY", mode 0600) and
// public keys in SPKI ("BEGIN PUBLIC KEY"). Two pairs:
//   caller   — signs development user tokens (`npm run token`), standing in for the identity provider;
//              the gateway verifies caller tokens with caller-public.pem.
//   internal — the gateway signs gateway → subgraph tokens with internal-private.pem; subgraphs
//              verify them with internal-public.pem.
// In production both private keys come from the deployment's secret store instead.

export interface DevelopmentKeyPaths {
  callerPrivateKeyPath: string;
  callerPublicKeyPath: string;
  internalPrivateKeyPath: string;
  internalPublicKeyPath: string;
}

const DEFAULT_KEY_DIR = path.join('.data', 'keys');

export function defaultKeyDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATA_DIR ? path.join(env.DATA_DIR, 'keys') : DEFAULT_KEY_DIR;
}

export function developmentKeyPaths(dir: string = defaultKeyDir()): DevelopmentKeyPaths {
  const abs = path.resolve(dir);
  return {
    callerPrivateKeyPath: path.join(abs, 'caller-private.pem'),
    callerPublicKeyPath: path.join(abs, 'caller-public.pem'),
    internalPrivateKeyPath: path.join(abs, 'internal-private.pem'),
    internalPublicKeyPath: path.join(abs, 'internal-public.pem'),
  };
}

/**
 * Creates the two development Ed25519 key pairs under `dir` when missing and returns their paths.
 * Idempotent: existing keys are kept (a missing public key is re-derived from its private key).
 * Safe when several processes (gateway, subgraphs) start at once: a private key file appears
 * atomically and complete, and the first one written wins.
 */
export async function ensureDevelopmentKeys(dir: string = defaultKeyDir()): Promise<DevelopmentKeyPaths> {
  const paths = developmentKeyPaths(dir);
  await mkdir(path.dirname(paths.callerPrivateKeyPath), { recursive: true, mode: 0o700 });
  await ensurePair(paths.callerPrivateKeyPath, paths.callerPublicKeyPath);
  await ensurePair(paths.internalPrivateKeyPath, paths.internalPublicKeyPath);
  return paths;
}

async function ensurePair(privatePath: string, publicPath: string): Promise<void> {
  if (!(await exists(privatePath))) {
    const { privateKey } = await promisify(generateKeyPair)('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const tmp = temporaryPath(privatePath);
    await writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600); // in case of an unusual umask
    try {
      await link(tmp, privatePath); // atomic, fails if another process got there first
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await unlink(tmp);
    }
  }
  const privateKey = await readEd25519PrivateKey(privatePath);
  const mode = (await stat(privatePath)).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) await chmod(privatePath, 0o600);
  // The public key always matches the private key on disk (the winner's, after a race).
  const publicPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }) as string;
  const current = await readFile(publicPath, 'utf8').catch(() => null);
  if (current !== publicPem) {
    const tmp = temporaryPath(publicPath);
    await writeFile(tmp, publicPem, { mode: 0o644, flag: 'wx' });
    await rename(tmp, publicPath);
  }
}

async function readEd25519PrivateKey(file: string): Promise<KeyObject> {
  const key = createPrivateKey({ key: await readFile(file, 'utf8'), format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `${file} is not an Ed25519 private key (found ${key.asymmetricKeyType}); move it away to regenerate`,
    );
  }
  return key;
}

/** Reads an Ed25519 private key from a PKCS8 PEM file ("BEGIN PRIVATE KEY"). */
export async function loadPrivateKey(pemPath: string): Promise<KeyLike> {
  const pem = await readKeyFile(pemPath, 'private');
  let key: KeyLike;
  try {
    key = await importPKCS8(pem.trim(), 'EdDSA');
  } catch (e) {
    throw new Error(`${pemPath} is not a PKCS8 PEM private key: ${(e as Error).message}`);
  }
  return requireEd25519(key, pemPath);
}

/** Reads an Ed25519 public key from an SPKI PEM file ("BEGIN PUBLIC KEY"). */
export async function loadPublicKey(pemPath: string): Promise<KeyLike> {
  const pem = await readKeyFile(pemPath, 'public');
  let key: KeyLike;
  try {
    key = await importSPKI(pem.trim(), 'EdDSA');
  } catch (e) {
    throw new Error(`${pemPath} is not an SPKI PEM public key: ${(e as Error).message}`);
  }
  return requireEd25519(key, pemPath);
}

async function readKeyFile(pemPath: string, kind: 'private' | 'public'): Promise<string> {
  try {
    return await readFile(pemPath, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${kind} key file ${pemPath}: ${(e as Error).message}`);
  }
}

function requireEd25519(key: KeyLike, pemPath: string): KeyLike {
  const type = (key as Partial<KeyObject>).asymmetricKeyType;
  if (type !== undefined && type !== 'ed25519') {
    throw new Error(`${pemPath} holds a ${type} key; an Ed25519 key is required`);
  }
  return key;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

function temporaryPath(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}
