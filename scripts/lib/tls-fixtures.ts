import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Certificates for mutual TLS between the gateway and the subgraphs (SUBGRAPH_TLS_*), made at run
// time with the openssl CLI: a CA, a subgraph server certificate for 127.0.0.1/localhost and a
// gateway client certificate (both signed by the CA), and a rogue CA with a client certificate of
// its own. Files live in a fresh temporary dir. Used by the tests (test/subgraph-mtls.int.test.ts,
// the config tests) and by `npm run bench:cpu -- --tls`; throwaway, one-day certificates only.

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export interface TlsFixtures {
  dir: string;
  /** A subgraph's side: server certificate, its key, and the CA clients must be signed by. */
  subgraph: TlsFiles;
  /** The gateway's side: client certificate, its key, and the CA the subgraphs are signed by. */
  gateway: TlsFiles;
  /** A client certificate signed by another CA (with that CA as `ca`). */
  rogue: TlsFiles;
}

const OPENSSL = process.env.OPENSSL ?? '/usr/bin/openssl';

function openssl(dir: string, args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ]),
  );
}

function makeLeaf(dir: string, name: string, ca: string, extensions: string): void {
  openssl(
    dir,
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]),
  );
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`].concat([
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]),
  );
}

export function makeTlsFixtures(): TlsFixtures {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'subgraph', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeLeaf(dir, 'gateway', 'ca', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const files = (name: string, ca: string): TlsFiles => ({
    cert: path.join(dir, `${name}.crt`),
    key: path.join(dir, `${name}.key`),
    ca: path.join(dir, `${ca}.crt`),
  });
  return { dir, subgraph: files('subgraph', 'ca'), gateway: files('gateway', 'ca'), rogue: files('rogue', 'rogue-ca') };
}

/** The SUBGRAPH_TLS_* variables for one side. */
export function tlsEnv(files: TlsFiles): Record<string, string> {
  return { SUBGRAPH_TLS_CERT_FILE: files.cert, SUBGRAPH_TLS_KEY_FILE: files.key, SUBGRAPH_TLS_CA_FILE: files.ca };
}

/** One side's PEM contents, as the servers and the gateway's agent take them. */
export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer; ca: Buffer } {
  return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(files.ca) };
}
