import { addDays, addMonths, addWorkingDays, isValidIsoDate, isWorkingDay } from '../../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../../subgraphs/kit/domain/policy';
import { loadRegion } from '../../subgraphs/kit/domain/region-file';
import type { ApplicationRow, CertificationRow } from '../../subgraphs/kit/persistence/db/record.entities';
import { parseAcceptanceNumber } from '../../subgraphs/kit/platform/routing';
import {
  DEMO_PEOPLE,
  DEMO_PERSONS,
  DEMO_REFERENCE_DATE,
  type DemoPerson,
  type DemoRecords,
  demoRecordsFor,
} from './people';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;
const yunfuPolicy = loadRegion('guangdong-yunfu').policy;

const PZH = '510400';
const YF = '445300';
const REGIONS = [PZH, YF] as const;
const POLICIES: Record<string, RegionPolicy> = { [PZH]: panzhihuaPolicy, [YF]: yunfuPolicy };
const DISTRICTS: Record<string, string[]> = {
  [PZH]: ['510402', '510403', '510411', '510421', '510422'],
  [YF]: ['445302', '445303', '445321', '445322', '445381'],
};
const TODAY = '2026-11-20';

const RECORDS: Record<string, DemoRecords> = { [PZH]: demoRecordsFor(PZH), [YF]: demoRecordsFor(YF) };
const ALL = {
  applications: [...RECORDS[PZH]!.applications, ...RECORDS[YF]!.applications],
  certifications: [...RECORDS[PZH]!.certifications, ...RECORDS[YF]!.certifications],
};
const personById = new Map(DEMO_PEOPLE.map((p) => [p.id, p]));

/** GB 11643-1999 check, written independently of the module under test. */
function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return '10X98765432'.charAt(sum % 11) === id[17];
}

function eventsOf(regionCode: string, applicationId: string) {
  return RECORDS[regionCode]!.events.filter((e) => e.applicationId === applicationId).sort(
    (a, b) => a.position - b.position,
  );
}

function materialsOf(regionCode: string, applicationId: string) {
  return RECORDS[regionCode]!.materials.filter((m) => m.applicationId === applicationId).sort(
    (a, b) => a.position - b.position,
  );
}

function isCurrent(c: CertificationRow, on = TODAY): boolean {
  return c.validFrom <= on && (c.validUntil === null || c.validUntil >= on);
}

function naturalValidUntil(c: Pick<CertificationRow, 'regionCode' | 'diseaseCode' | 'validFrom'>): string | null {
  const months = POLICIES[c.regionCode]!.diseases.find((d) => d.code === c.diseaseCode)!.validityMonths;
  return months === null ? null : addMonths(c.validFrom, months);
}

function expectUnique(values: readonly string[]): void {
  expect(new Set(values).size).toBe(values.length);
}

describe('demo people', () => {
  it('has at least 40 people split between the two regions', () => {
    expect(DEMO_PEOPLE.length).toBeGreaterThanOrEqual(40);
    expect(DEMO_PEOPLE.filter((p) => p.insuredRegionCode === PZH).length).toBeGreaterThanOrEqual(20);
    expect(DEMO_PEOPLE.filter((p) => p.insuredRegionCode === YF).length).toBeGreaterThanOrEqual(18);
    DEMO_PEOPLE.forEach((p, i) => expect(p.id).toBe(`P${String(i + 1).padStart(6, '0')}`));
  });

  it('gives every person a valid, distinct ID number from a district of the insured region', () => {
    for (const p of DEMO_PEOPLE) {
      expect(isValidIdNumber(p.idNumber)).toBe(true);
      expect(DISTRICTS[p.insuredRegionCode]).toContain(p.idNumber.slice(0, 6));
      const birth = `${p.idNumber.slice(6, 10)}-${p.idNumber.slice(10, 12)}-${p.idNumber.slice(12, 14)}`;
      expect(isValidIsoDate(birth)).toBe(true);
      expect(birth >= '1940-01-01' && birth <= '2015-12-31').toBe(true);
    }
    // Both sexes are present (order digits odd = male, even = female).
    const parities = new Set(DEMO_PEOPLE.map((p) => Number(p.idNumber.slice(14, 17)) % 2));
    expect(parities).toEqual(new Set([0, 1]));
  });

  it('has distinct ids, ID numbers, phones and names', () => {
    expectUnique(DEMO_PEOPLE.map((p) => p.id));
    expectUnique(DEMO_PEOPLE.map((p) => p.idNumber));
    expectUnique(DEMO_PEOPLE.map((p) => p.phone));
    expectUnique(DEMO_PEOPLE.map((p) => p.name));
    for (const p of DEMO_PEOPLE) {
      expect(p.phone).toMatch(/^1[3-9]\d{9}$/);
      expect(p.name).toMatch(/^[\u4e00-\u9fff]{2,4}$/);
    }
  });

  it('follows the contribution-tier and residence rules', () => {
    for (const p of DEMO_PEOPLE) {
      if (p.insuranceType === 'EMPLOYEE') expect(p.contributionTier).toBeNull();
      else expect(p.contributionTier).toBeGreaterThanOrEqual(1);
      if (p.insuranceType === 'RESIDENT') {
        expect(p.contributionTier).toBeLessThanOrEqual(p.insuredRegionCode === PZH ? 3 : 2);
      }
      if (p.residenceRegionCode !== null) {
        expect(p.residenceRegionCode).toBe(p.insuredRegionCode === PZH ? YF : PZH);
      }
    }
  });

  it('covers the situations the brief asks for', () => {
    for (const region of REGIONS) {
      const insured = DEMO_PEOPLE.filter((p) => p.insuredRegionCode === region);
      expect(new Set(insured.map((p) => p.insuranceType))).toEqual(new Set(['EMPLOYEE', 'RESIDENT']));
    }
    const crossRegion = DEMO_PEOPLE.filter((p) => p.residenceRegionCode !== null);
    expect(crossRegion.length).toBeGreaterThanOrEqual(6);
    const filed = new Set([...RECORDS[PZH]!.filings, ...RECORDS[YF]!.filings].map((f) => f.personId));
    expect(crossRegion.some((p) => filed.has(p.id))).toBe(true);
    expect(crossRegion.some((p) => !filed.has(p.id))).toBe(true);
    expect(DEMO_PEOPLE.filter((p) => p.inArrears).length).toBeGreaterThanOrEqual(4);
    expect(DEMO_PEOPLE.filter((p) => p.status === 'SUSPENDED').length).toBe(2);

    const withRecordsIn = (region: string) =>
      new Set([
        ...RECORDS[region]!.applications.map((a) => a.personId),
        ...RECORDS[region]!.certifications.map((c) => c.personId),
      ]);
    const pzh = withRecordsIn(PZH);
    const both = [...withRecordsIn(YF)].filter((id) => pzh.has(id));
    expect(both.length).toBeGreaterThanOrEqual(3);
  });
});

describe('insured rows', () => {
  it('has one row per person in the insured region, matching the person', () => {
    for (const p of DEMO_PEOPLE) {
      const rows = RECORDS[p.insuredRegionCode]!.insured.filter((r) => r.personId === p.id);
      expect(rows).toEqual([
        {
          regionCode: p.insuredRegionCode,
          personId: p.id,
          insuranceType: p.insuranceType,
          status: p.status,
          inArrears: p.inArrears,
          contributionTier: p.contributionTier,
        },
      ]);
    }
  });

  it('records former insurance in the other region as SUSPENDED, and only for people with history there', () => {
    for (const region of REGIONS) {
      const rows = RECORDS[region]!.insured;
      expectUnique(rows.map((r) => r.personId));
      for (const r of rows) {
        const p = personById.get(r.personId)!;
        expect(p).toBeDefined();
        if (p.insuredRegionCode === region) continue;
        expect(r.status).toBe('SUSPENDED');
        expect(r.inArrears).toBe(false);
        const history =
          RECORDS[region]!.applications.some((a) => a.personId === p.id) ||
          RECORDS[region]!.certifications.some((c) => c.personId === p.id);
        expect(history).toBe(true);
      }
    }
  });

  it('has a (current or former) insured row for everyone with applications or certifications in a region', () => {
    for (const region of REGIONS) {
      const insured = new Set(RECORDS[region]!.insured.map((r) => r.personId));
      for (const row of [...RECORDS[region]!.applications, ...RECORDS[region]!.certifications]) {
        expect(insured.has(row.personId)).toBe(true);
      }
    }
  });
});

describe('named demo people', () => {
  const person = (id: string): DemoPerson => personById.get(id)!;

  it('all exist and are distinct', () => {
    const ids = Object.values(DEMO_PERSONS);
    expectUnique(ids);
    for (const id of ids) expect(personById.has(id)).toBe(true);
  });

  it('panzhihuaWithHistoryInBoth: insured in Panzhihua, expired Yunfu certification, current Panzhihua one', () => {
    const id = DEMO_PERSONS.panzhihuaWithHistoryInBoth;
    expect(person(id)).toMatchObject({ insuredRegionCode: PZH, status: 'NORMAL', residenceRegionCode: null });
    expect(RECORDS[YF]!.insured.find((r) => r.personId === id)?.status).toBe('SUSPENDED');
    const yunfu = RECORDS[YF]!.certifications.filter((c) => c.personId === id);
    expect(yunfu.length).toBeGreaterThanOrEqual(1);
    for (const c of yunfu) expect(c.validUntil !== null && c.validUntil < TODAY).toBe(true);
    expect(RECORDS[PZH]!.certifications.some((c) => c.personId === id && isCurrent(c))).toBe(true);
  });

  it('panzhihuaLivingInYunfu: lives in Yunfu with an active Panzhihua filing and nothing in Yunfu', () => {
    const id = DEMO_PERSONS.panzhihuaLivingInYunfu;
    expect(person(id)).toMatchObject({ insuredRegionCode: PZH, residenceRegionCode: YF });
    const filings = RECORDS[PZH]!.filings.filter((f) => f.personId === id);
    expect(filings).toHaveLength(1);
    expect(filings[0]).toMatchObject({ residenceRegionCode: YF, residenceRegionName: '广东省云浮市' });
    const filing = filings[0]!;
    expect(filing.validFrom <= TODAY && (filing.validUntil === null || filing.validUntil >= TODAY)).toBe(true);
    expect(RECORDS[PZH]!.applications.some((a) => a.personId === id)).toBe(true);
    const yunfu = RECORDS[YF]!;
    for (const rows of [yunfu.insured, yunfu.applications, yunfu.certifications, yunfu.filings]) {
      expect(rows.some((r) => r.personId === id)).toBe(false);
    }
  });

  it('panzhihuaLivingInYunfuUnfiled: lives in Yunfu with no filing anywhere', () => {
    const id = DEMO_PERSONS.panzhihuaLivingInYunfuUnfiled;
    expect(person(id)).toMatchObject({ insuredRegionCode: PZH, residenceRegionCode: YF });
    expect([...RECORDS[PZH]!.filings, ...RECORDS[YF]!.filings].some((f) => f.personId === id)).toBe(false);
  });

  it('yunfuInArrears, panzhihuaSuspended', () => {
    const arrears = DEMO_PERSONS.yunfuInArrears;
    expect(person(arrears)).toMatchObject({ insuredRegionCode: YF, inArrears: true });
    expect(RECORDS[YF]!.insured.find((r) => r.personId === arrears)?.inArrears).toBe(true);
    const suspended = DEMO_PERSONS.panzhihuaSuspended;
    expect(person(suspended)).toMatchObject({ insuredRegionCode: PZH, status: 'SUSPENDED' });
    expect(RECORDS[PZH]!.insured.find((r) => r.personId === suspended)?.status).toBe('SUSPENDED');
  });

  it('yunfuWithOpenApplication: has an undecided Yunfu application', () => {
    const id = DEMO_PERSONS.yunfuWithOpenApplication;
    expect(person(id)).toMatchObject({ insuredRegionCode: YF, status: 'NORMAL', inArrears: false });
    expect(RECORDS[YF]!.applications.some((a) => a.personId === id && a.status === 'ACCEPTED')).toBe(true);
  });

  it('panzhihuaNoRecords: insured in Panzhihua, with no applications, certifications or filings anywhere', () => {
    const id = DEMO_PERSONS.panzhihuaNoRecords;
    expect(person(id)).toMatchObject({ insuredRegionCode: PZH, status: 'NORMAL', inArrears: false });
    expect(RECORDS[PZH]!.insured.some((r) => r.personId === id)).toBe(true);
    for (const region of REGIONS) {
      const r = RECORDS[region]!;
      expect([...r.applications, ...r.certifications, ...r.filings].some((x) => x.personId === id)).toBe(false);
    }
  });
});

describe('applications', () => {
  it('number about 60, between 2025-03 and 2026-11, with every status and type', () => {
    expect(ALL.applications.length).toBeGreaterThanOrEqual(55);
    for (const a of ALL.applications) {
      expect(a.acceptedOn >= '2025-03-01' && a.acceptedOn < TODAY).toBe(true);
      expect(isWorkingDay(a.acceptedOn).working).toBe(true);
    }
    expect(new Set(ALL.applications.map((a) => a.status))).toEqual(
      new Set(['ACCEPTED', 'SUPPLEMENT_REQUESTED', 'APPROVED', 'REJECTED', 'WITHDRAWN']),
    );
    expect(new Set(ALL.applications.map((a) => a.type))).toEqual(new Set(['NEW', 'RENEWAL', 'CHANGE_HOSPITAL']));
    expect(DEMO_REFERENCE_DATE).toBe(TODAY);
  });

  it('use only codes from the region policy and qualified level-2+ hospitals', () => {
    for (const a of ALL.applications) {
      const policy = POLICIES[a.regionCode]!;
      expect(policy.diseases.map((d) => d.code)).toContain(a.diseaseCode);
      expect(policy.channels.map((c) => c.id)).toContain(a.channelId);
      const hospital = policy.hospitals.find((h) => h.code === a.hospitalCode);
      expect(hospital).toBeDefined();
      expect(hospital!.qualifiedForSpecialDiseases).toBe(true);
      expect(['LEVEL_2', 'LEVEL_3']).toContain(hospital!.level);
    }
  });

  it('are numbered by acceptance number with a per-region, per-day sequence from 1', () => {
    expectUnique(ALL.applications.map((a) => a.id));
    const byDay = new Map<string, number[]>();
    for (const a of ALL.applications) {
      const parsed = parseAcceptanceNumber(a.id);
      expect(parsed).not.toBeNull();
      expect(parsed!.regionCode).toBe(a.regionCode);
      expect(parsed!.acceptedOn).toBe(a.acceptedOn);
      const key = `${a.regionCode}:${a.acceptedOn}`;
      byDay.set(key, [...(byDay.get(key) ?? []), parsed!.sequence]);
    }
    for (const sequences of byDay.values()) {
      expect([...sequences].sort((x, y) => x - y)).toEqual(sequences.map((_, i) => i + 1));
    }
    expect([...byDay.values()].some((s) => s.length > 1)).toBe(true);
  });

  it('have due dates from the channel review period', () => {
    for (const a of ALL.applications) {
      const channel = POLICIES[a.regionCode]!.channels.find((c) => c.id === a.channelId)!;
      const due = addWorkingDays(a.acceptedOn, channel.reviewWorkingDays.max);
      expect([a.dueDate, a.dueWorkingDays, a.dueProvisional]).toEqual([due.date, due.workingDays, due.provisional]);
      expect(a.dueWorkingDays).toBe(a.regionCode === PZH ? 15 : a.channelId === 'guangdong-government-portal' ? 5 : 3);
      expect(a.submittedAt).toMatch(new RegExp(`^${a.acceptedOn}T\\d{2}:\\d{2}:00\\+08:00$`));
    }
    expect(new Set(ALL.applications.map((a) => a.submittedAt.slice(11, 16))).size).toBeGreaterThan(10);
  });

  it('has open applications both overdue and not yet due on the reference date', () => {
    const open = ALL.applications.filter((a) => a.status === 'ACCEPTED');
    expect(open.filter((a) => a.dueDate < TODAY).length).toBeGreaterThanOrEqual(2);
    expect(open.filter((a) => a.dueDate >= TODAY).length).toBeGreaterThanOrEqual(2);
  });

  it('carries decision fields that match the status', () => {
    for (const a of ALL.applications) {
      expect(a.idempotencyKey).toBeNull();
      const decided = a.status === 'APPROVED' || a.status === 'REJECTED';
      if (decided) {
        expect(a.decidedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+08:00$/);
        expect(a.decidedAt! > a.submittedAt).toBe(true);
        expect(a.decidedAt!.slice(0, 10) <= a.dueDate).toBe(true);
      } else {
        expect(a.decidedAt).toBeNull();
      }
      if (a.status === 'REJECTED' || a.status === 'SUPPLEMENT_REQUESTED') {
        expect(a.decisionReason).toMatch(/[\u4e00-\u9fff]/);
      } else {
        expect(a.decisionReason).toBeNull();
      }
      expect(a.version).toBe(eventsOf(a.regionCode, a.id).length);
    }
  });

  it('links re-applications to an earlier rejected application of the same person', () => {
    const linked = ALL.applications.filter((a) => a.previousApplicationId !== null);
    expect(linked.length).toBeGreaterThanOrEqual(1);
    for (const a of linked) {
      const previous = ALL.applications.find((x) => x.id === a.previousApplicationId)!;
      expect(previous).toMatchObject({ status: 'REJECTED', personId: a.personId, regionCode: a.regionCode });
      expect(previous.submittedAt < a.submittedAt).toBe(true);
    }
  });

  it('comes from people insured (now or formerly) in that region; 2026 approvals only for people in good standing', () => {
    for (const a of ALL.applications) {
      const p = personById.get(a.personId)!;
      expect(RECORDS[a.regionCode]!.insured.some((r) => r.personId === p.id)).toBe(true);
      if (a.acceptedOn >= '2026-01-01' && a.status === 'APPROVED') {
        expect(p.status).toBe('NORMAL');
        expect(p.inArrears).toBe(false);
      }
    }
  });

  it('renews or changes hospital only for an existing certification', () => {
    for (const a of ALL.applications.filter((x) => x.type !== 'NEW')) {
      const earlier = ALL.certifications.filter(
        (c) =>
          c.regionCode === a.regionCode &&
          c.personId === a.personId &&
          c.diseaseCode === a.diseaseCode &&
          c.validFrom < a.acceptedOn &&
          c.applicationId !== a.id,
      );
      expect(earlier.length).toBeGreaterThanOrEqual(1);
      const base = earlier.sort((x, y) => (x.validFrom < y.validFrom ? -1 : 1)).pop()!;
      const natural = naturalValidUntil(base);
      expect(natural === null || natural >= a.acceptedOn).toBe(true);
      if (a.type === 'CHANGE_HOSPITAL') expect(base.hospitalCode).not.toBe(a.hospitalCode);
      if (a.type === 'RENEWAL') expect(natural).not.toBeNull();
      if (a.type === 'RENEWAL' && a.regionCode === YF) expect(a.acceptedOn >= addDays(natural!, -30)).toBe(true);
    }
  });
});

describe('materials', () => {
  it('has 3–6 well-formed materials per application', () => {
    for (const region of REGIONS) {
      const policy = POLICIES[region]!;
      for (const a of RECORDS[region]!.applications) {
        const materials = materialsOf(region, a.id);
        expect(materials.length).toBeGreaterThanOrEqual(3);
        expect(materials.length).toBeLessThanOrEqual(6);
        const disease = policy.diseases.find((d) => d.code === a.diseaseCode)!;
        materials.forEach((m, i) => {
          expect(m.position).toBe(i + 1);
          expect(m.id).toBe(`${a.id}-M${m.position}`);
          expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(policy.materials.map((x) => x.kind)).toContain(m.kind);
          expect(m.fileName).toMatch(/[\u4e00-\u9fff].*\.(pdf|jpg|png)$/);
          if (m.issuedOn !== null) {
            expect(m.issuedOn <= a.acceptedOn && m.issuedOn >= addMonths(a.acceptedOn, -6)).toBe(true);
          }
          if (m.kind === 'DIAGNOSIS_CERTIFICATE' || m.kind === 'MEDICAL_RECORD') {
            expect(m.stamped).toBe(true);
            expect(m.hospitalCode).toBe(a.hospitalCode);
          }
          if (m.hospitalCode !== null) expect(policy.hospitals.map((h) => h.code)).toContain(m.hospitalCode);
        });
        const kinds = materials.map((m) => m.kind);
        expect(kinds).toContain('ID_CARD');
        expect(kinds.includes('PHOTO')).toBe(region === PZH && disease.requiresPhoto);
        if (region === YF && disease.requiresSpecialistHospital && a.status !== 'SUPPLEMENT_REQUESTED') {
          expect(kinds).toContain('SPECIALIST_CERTIFICATE');
        }
        if (!disease.requiresSpecialistHospital) expect(kinds).not.toContain('SPECIALIST_CERTIFICATE');
      }
    }
    const all = [...RECORDS[PZH]!.materials, ...RECORDS[YF]!.materials];
    expectUnique(all.map((m) => m.id));
    expectUnique(all.map((m) => m.sha256));
  });
});

describe('status events', () => {
  it('start with ACCEPTED at submission and end with the application status', () => {
    for (const region of REGIONS) {
      for (const a of RECORDS[region]!.applications) {
        const events = eventsOf(region, a.id);
        expect(events[0]).toMatchObject({ status: 'ACCEPTED', at: a.submittedAt, actor: `APPLICANT:${a.personId}` });
        expect(events[events.length - 1]!.status).toBe(a.status);
        events.forEach((e, i) => {
          expect(e.position).toBe(i + 1);
          expect(e.id).toBe(`${a.id}-E${e.position}`);
          expect(e.at < TODAY).toBe(true);
          if (i > 0) expect(e.at > events[i - 1]!.at).toBe(true);
          expect([`APPLICANT:${a.personId}`, `REVIEWER:${region}:reviewer01`]).toContain(e.actor);
          const byReviewer = ['SUPPLEMENT_REQUESTED', 'APPROVED', 'REJECTED'].includes(e.status);
          if (i > 0) expect(e.actor.startsWith('REVIEWER:')).toBe(byReviewer);
          expect(e.note).toMatch(/[\u4e00-\u9fff]/);
        });
        if (a.decidedAt) expect(events[events.length - 1]!.at).toBe(a.decidedAt);
      }
    }
  });
});

describe('certifications', () => {
  const approved = (region: string): ApplicationRow[] =>
    RECORDS[region]!.applications.filter((a) => a.status === 'APPROVED');

  it('exist exactly once per APPROVED application and for no other application', () => {
    for (const region of REGIONS) {
      for (const a of approved(region)) {
        const certs = RECORDS[region]!.certifications.filter((c) => c.applicationId === a.id);
        expect(certs).toHaveLength(1);
        expect(certs[0]).toMatchObject({
          id: `C-${a.id}`,
          regionCode: region,
          personId: a.personId,
          diseaseCode: a.diseaseCode,
          hospitalCode: a.hospitalCode,
          validFrom: a.decidedAt!.slice(0, 10),
        });
      }
      const approvedIds = new Set(approved(region).map((a) => a.id));
      for (const c of RECORDS[region]!.certifications) {
        if (c.applicationId !== null) expect(approvedIds.has(c.applicationId)).toBe(true);
      }
    }
    expectUnique(ALL.certifications.map((c) => c.id));
  });

  it('run for the disease validity, or until the day before a replacing certification', () => {
    for (const c of ALL.certifications) {
      const natural = naturalValidUntil(c);
      const successor = ALL.certifications.find(
        (x) =>
          x !== c &&
          x.regionCode === c.regionCode &&
          x.personId === c.personId &&
          x.diseaseCode === c.diseaseCode &&
          x.validFrom > c.validFrom &&
          c.validUntil === addDays(x.validFrom, -1),
      );
      if (successor) {
        expect(natural === null || c.validUntil! <= natural).toBe(true);
        const replacing = ALL.applications.find((a) => a.id === successor.applicationId)!;
        expect(['RENEWAL', 'CHANGE_HOSPITAL']).toContain(replacing.type);
      } else {
        expect(c.validUntil).toBe(natural);
      }
      expect(c.renewableFrom).toBe(c.regionCode === YF && c.validUntil !== null ? addDays(c.validUntil, -30) : null);
    }
  });

  it('never overlap for one person and disease in a region', () => {
    for (const c of ALL.certifications) {
      for (const other of ALL.certifications) {
        if (other === c || other.regionCode !== c.regionCode || other.personId !== c.personId) continue;
        if (other.diseaseCode !== c.diseaseCode || other.validFrom < c.validFrom) continue;
        expect(c.validUntil !== null && c.validUntil < other.validFrom).toBe(true);
      }
    }
  });
});

describe('remote-care filings', () => {
  it('are held by the insured region for people living in the other region', () => {
    for (const region of REGIONS) {
      for (const f of RECORDS[region]!.filings) {
        const p = personById.get(f.personId)!;
        expect(p.insuredRegionCode).toBe(region);
        expect(p.residenceRegionCode).not.toBeNull();
        expect(f.residenceRegionCode).toBe(p.residenceRegionCode);
        expect(f.residenceRegionName).toBe(f.residenceRegionCode === YF ? '广东省云浮市' : '四川省攀枝花市');
        expect(f.id).toMatch(new RegExp(`^F-${region}-\\d+$`));
        expect(f.validFrom >= '2025-01-01' && f.validFrom <= '2026-12-31').toBe(true);
        if (f.validUntil !== null) expect(f.validUntil > f.validFrom).toBe(true);
        expect(f.filedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+08:00$/);
        expect(f.filedAt.slice(0, 10) <= f.validFrom).toBe(true);
      }
      expectUnique(RECORDS[region]!.filings.map((f) => f.id));
      expectUnique(RECORDS[region]!.filings.map((f) => f.personId));
    }
  });

  it('precede every successful application of a cross-region resident; unfiled residents are rejected', () => {
    for (const p of DEMO_PEOPLE.filter((x) => x.residenceRegionCode !== null)) {
      const records = RECORDS[p.insuredRegionCode]!;
      const filing = records.filings.find((f) => f.personId === p.id);
      for (const a of records.applications.filter((x) => x.personId === p.id)) {
        if (filing) expect(a.acceptedOn >= filing.validFrom).toBe(true);
        else expect(a.status).toBe('REJECTED');
      }
    }
  });
});

describe('demoRecordsFor', () => {
  it('is empty for a region without demo data', () => {
    expect(demoRecordsFor('999999')).toEqual({
      insured: [],
      applications: [],
      materials: [],
      events: [],
      certifications: [],
      filings: [],
    });
  });

  it('keeps each region to its own rows', () => {
    for (const region of REGIONS) {
      const other = region === PZH ? YF : PZH;
      const mine = RECORDS[region]!;
      const theirs = RECORDS[other]!;
      for (const rows of [mine.insured, mine.applications, mine.certifications, mine.filings]) {
        for (const r of rows) expect(r.regionCode).toBe(region);
      }
      const appIds = new Set(mine.applications.map((a) => a.id));
      for (const r of [...mine.materials, ...mine.events]) expect(appIds.has(r.applicationId)).toBe(true);
      const theirIds = new Set(
        [
          ...theirs.applications,
          ...theirs.materials,
          ...theirs.events,
          ...theirs.certifications,
          ...theirs.filings,
        ].map((r) => r.id),
      );
      for (const r of [
        ...mine.applications,
        ...mine.materials,
        ...mine.events,
        ...mine.certifications,
        ...mine.filings,
      ]) {
        expect(theirIds.has(r.id)).toBe(false);
      }
    }
  });

  it('returns copies, so callers cannot change the dataset', () => {
    const first = demoRecordsFor(PZH);
    first.applications[0]!.status = 'WITHDRAWN';
    first.insured.length = 0;
    expect(demoRecordsFor(PZH)).toEqual(RECORDS[PZH]);
  });

  it('is deterministic: independent of the clock and of Math.random', () => {
    jest.useFakeTimers({ now: new Date('2031-07-01T00:00:00Z') });
    const random = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random must not be used');
    });
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('./people') as { DEMO_PEOPLE: typeof DEMO_PEOPLE; demoRecordsFor: typeof demoRecordsFor };
        expect(fresh.DEMO_PEOPLE).toEqual(DEMO_PEOPLE);
        for (const region of REGIONS) expect(fresh.demoRecordsFor(region)).toEqual(RECORDS[region]);
      });
    } finally {
      random.mockRestore();
      jest.useRealTimers();
    }
  });
});
