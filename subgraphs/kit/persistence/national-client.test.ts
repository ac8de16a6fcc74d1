import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { NATIONAL } from '../../../schema/registry';
import type { Identity } from '../platform/auth/identity';
import { createInternalTokenVerifier, INTERNAL_TOKEN_HEADER } from '../platform/auth/internal-token';
import { NationalClient, NationalUnavailableError } from './national-client';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const applicant: Identity = { role: 'APPLICANT', personId: 'P000006', subject: 'P000006' };

interface Seen {
  identity?: Identity;
  query: string;
}

/** A stand-in national subgraph: verifies the token as the real one does, answers `reply`. */
async function fakeNational(reply: (seen: Seen) => { status?: number; body: unknown } | 'hang') {
  const verify = createInternalTokenVerifier(publicKey, { subgraph: NATIONAL.name });
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as { query: string };
      const check = verify(String(req.headers[INTERNAL_TOKEN_HEADER]), body);
      const entry: Seen = { query: body.query, ...(check.ok ? { identity: check.identity } : {}) };
      seen.push(entry);
      const answer = reply(entry);
      if (answer === 'hang') return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const PERSON = {
  id: 'P000006',
  insuredRegion: { code: '510400' },
  residenceRegionCode: '445300',
  residenceRegionName: '广东省云浮市',
};
const HOSPITAL = {
  code: 'H11010100001',
  name: '北京协和医院',
  level: 'LEVEL_3',
  specialist: false,
  province: '北京市',
  regionName: '北京市',
};

describe('NationalClient (region → national look-ups)', () => {
  it('asks once for the person and every hospital, as the applicant, with the national audience; then answers from its cache', async () => {
    const national = await fakeNational(() => ({ body: { data: { person: PERSON, h0: HOSPITAL, h1: null } } }));
    let now = 0;
    const client = new NationalClient({ url: national.url, privateKey, cacheTtlMs: 1000, now: () => now });
    try {
      const facts = await client.facts(applicant, 'P000006', ['H11010100001', 'h99999900001']);
      expect(facts.person).toEqual({
        id: 'P000006',
        insuredRegionCode: '510400',
        residenceRegionCode: '445300',
        residenceRegionName: '广东省云浮市',
      });
      expect(facts.hospitals.get('H11010100001')).toEqual(HOSPITAL);
      expect(facts.hospitals.get('H99999900001')).toBeNull();
      expect(national.seen).toHaveLength(1);
      expect(national.seen[0]!.identity).toEqual(applicant); // the token held: right key, audience, body
      // Within the cache's lifetime nothing is asked again; after it, everything is.
      await client.facts(applicant, 'P000006', ['H11010100001']);
      expect(national.seen).toHaveLength(1);
      now = 1001;
      await client.facts(applicant, 'P000006', ['H11010100001']);
      expect(national.seen).toHaveLength(2);
    } finally {
      await national.close();
    }
  });

  it('refuses to guess: a timeout, an HTTP error, a GraphQL error or no URL is NationalUnavailableError', async () => {
    const hanging = await fakeNational(() => 'hang');
    const failing = await fakeNational(() => ({ status: 503, body: { errors: [{ message: 'down' }] } }));
    const erring = await fakeNational(() => ({
      body: { data: { person: null }, errors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }] },
    }));
    try {
      for (const url of [hanging.url, failing.url, erring.url, () => undefined]) {
        const client = new NationalClient({ url, privateKey, timeoutMs: 200 });
        await expect(client.facts(applicant, 'P000006', [])).rejects.toBeInstanceOf(NationalUnavailableError);
      }
    } finally {
      await Promise.all([hanging.close(), failing.close(), erring.close()]);
    }
  });
});
