import { randomUUID } from 'node:crypto';

import type express from 'express';
import { type DataSource, In } from 'typeorm';

import { AuditEntity } from '../kit/persistence/audit';
import {
  type DirectoryHospital,
  PERSON_FACTS_PATH,
  type PersonFactsAnswer,
  type PersonFactsRequest,
} from '../kit/persistence/national-client';
import { timeOrderedId } from '../kit/persistence/ordered-id';
import { nowInChina } from '../kit/platform/clock';
import type { Logger } from '../kit/platform/log';
import { DirectoryHospitalEntity } from './db/hospital.entity';
import { PersonEntity } from './db/person.entity';
import { jsonBody, type RegionRoutes } from './region-routes';

// POST /internal/person-facts: what a region must not take from an applicant's word, and nothing
// more — one person's residence (常住地) and insured region from the national index, and the
// directory entries of the hospitals that issued the medical proof (public data). Asked by the
// region's own key (./region-routes.ts); every read of a person is in the national audit log, actor
// REGION:<code>, subject the person. A region holds no key that lets it ask anything else.

const PERSON_ID = /^[A-Za-z0-9_-]{1,40}$/;
const MAX_CODES = 100;

function parseRequest(body: unknown): PersonFactsRequest | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const r = body as Record<string, unknown>;
  const personId = r.personId ?? null;
  if (personId !== null && (typeof personId !== 'string' || !PERSON_ID.test(personId))) return null;
  const codes = r.hospitalCodes ?? [];
  if (!Array.isArray(codes) || codes.length > MAX_CODES) return null;
  if (!codes.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 64)) return null;
  return { personId, hospitalCodes: codes as string[] };
}

export function mountPersonFactsRoute(app: express.Express, routes: RegionRoutes, ds: DataSource, log: Logger): void {
  routes.post(app, PERSON_FACTS_PATH, async (req, res, caller) => {
    const ask = parseRequest(jsonBody(caller.body));
    if (!ask) {
      res.status(400).json({ error: 'BAD_REQUEST' });
      return;
    }
    try {
      const answer: PersonFactsAnswer = { person: null, hospitals: {} };
      if (ask.personId) {
        // On record before anything is answered: a read that cannot be audited is not served.
        await ds.getRepository(AuditEntity).insert({
          id: timeOrderedId(),
          at: nowInChina(),
          actor: `REGION:${caller.regionCode}`,
          role: 'REGION',
          action: 'REGION_READ_PERSON',
          subject: ask.personId,
          requestId: String(req.header('x-request-id') ?? '').slice(0, 64) || randomUUID(),
        });
        const row = await ds.getRepository(PersonEntity).findOne({
          where: { id: ask.personId },
          select: { id: true, insuredRegionCode: true, residenceRegionCode: true, residenceRegionName: true },
        });
        answer.person = row
          ? {
              id: row.id,
              insuredRegionCode: row.insuredRegionCode,
              residenceRegionCode: row.residenceRegionCode ?? null,
              residenceRegionName: row.residenceRegionCode ? (row.residenceRegionName ?? null) : null,
            }
          : null;
      }
      const codes = [...new Set(ask.hospitalCodes)];
      const rows = codes.length ? await ds.getRepository(DirectoryHospitalEntity).findBy({ code: In(codes) }) : [];
      for (const code of codes) {
        const h = rows.find((r) => r.code === code);
        const entry: DirectoryHospital | null = h
          ? {
              code: h.code,
              name: h.name,
              level: h.level,
              specialist: h.specialist,
              province: h.province,
              regionName: h.regionName,
            }
          : null;
        answer.hospitals[code] = entry;
      }
      res.status(200).json(answer);
    } catch (e) {
      log.error({ err: e }, 'person facts not answered');
      res.status(503).json({ error: 'UNAVAILABLE' });
    }
  });
}
