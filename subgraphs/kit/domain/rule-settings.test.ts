import { readFileSync } from 'node:fs';
import path from 'node:path';

import { appealDueDate, appealPeriodProblem, lastAppealDay } from './appeal-rules';
import { addDays, addMonths, workingDaysBetween } from './calendar';
import type { ApplicationRow, CertificationRow, RemoteCareFilingRow } from './record-rows';
import { REGIONS_DIR } from './region-file';
import { materialRulesFor, type ProofHospital, type SubmissionFacts, validateSubmission } from './rules';
import { accepted, PROOF, RANK, type Region, regions, TODAY } from './rules.fixture';

// Table-driven tests generated from each region file: for every rule setting (the `rules` block,
// and each material's validity, issuing-hospital level, specialist issuer and stamp), accept and
// refuse cases are derived from the file's own values and run through the functions submissions
// and appeals use. Change a value in a region file and the expected outcomes change with it.

const codes = (f: SubmissionFacts, def: Region) => validateSubmission(f, def.rules).map((x) => x.code);

const certification = (def: Region, validUntil: string | null): CertificationRow => ({
  id: 'C1',
  regionCode: def.policy.code,
  personId: 'P1',
  applicationId: null,
  diseaseCode: def.policy.diseases[0]!.code,
  hospitalCode: null,
  validFrom: '2024-01-01',
  validUntil,
  renewableFrom: null,
});

const changeOfHospital = (def: Region, i: number, acceptedOn: string, status: ApplicationRow['status']) =>
  ({
    id: `A${i}`,
    regionCode: def.policy.code,
    personId: 'P1',
    type: 'CHANGE_HOSPITAL',
    diseaseCode: def.policy.diseases[0]!.code,
    status,
    acceptedOn,
  }) as ApplicationRow;

const byRegion = regions.map((r) => [r.subgraph, r] as const);

describe.each(byRegion)('%s: the accepted submission the tables start from', (_name, def) => {
  it('has no problem', () => {
    expect(validateSubmission(accepted(def), def.rules)).toEqual([]);
  });
});

describe.each(byRegion)('%s: rules.wrongInsuredRegionMessage', (_name, def) => {
  const others = [...regions.filter((r) => r !== def).map((r) => r.policy.code), '110100'];
  it.each([def.policy.code, ...others])('参保地 %s', (chosen) => {
    const f = accepted(def);
    f.input.insuredRegionCode = chosen;
    expect(validateSubmission(f, def.rules)).toEqual(
      chosen === def.policy.code
        ? []
        : [
            {
              code: 'INSURED_REGION_MISMATCH',
              message: def.rules.wrongInsuredRegionMessage,
              field: 'insuredRegionCode',
            },
          ],
    );
  });
});

describe.each(byRegion)('%s: rules.hospitalRequired', (_name, def) => {
  const required = def.rules.hospitalRequired;
  it.each([
    ['no hospital', null, required ? ['HOSPITAL_REQUIRED'] : []],
    ['a designated hospital', def.policy.hospitals.find((h) => h.qualifiedForSpecialDiseases)!.code, []],
  ] as const)(`NEW with %s (hospitalRequired: ${required})`, (_case, hospitalCode, expected) => {
    const f = accepted(def);
    f.input.hospitalCode = hospitalCode;
    expect(codes(f, def)).toEqual(expected);
  });
});

describe.each(byRegion)('%s: rules.hospitalMustBeQualified', (_name, def) => {
  const must = def.rules.hospitalMustBeQualified;
  // The file's hospitals, and an unqualified one when the file lists none, so both outcomes are tried.
  const hospitals = def.policy.hospitals.some((h) => !h.qualifiedForSpecialDiseases)
    ? def.policy.hospitals
    : [
        ...def.policy.hospitals,
        { ...def.policy.hospitals[0]!, code: 'H99000000009', qualifiedForSpecialDiseases: false },
      ];
  it.each(hospitals.map((h) => [h.code, h.name, h.qualifiedForSpecialDiseases] as const))(
    `%s %s (qualified: %s; hospitalMustBeQualified: ${must})`,
    (code, _hospitalName, qualified) => {
      const f = accepted(def);
      f.hospitals = hospitals.map((h, position) => ({ regionCode: def.policy.code, position, ...h }));
      f.input.hospitalCode = code;
      expect(codes(f, def)).toEqual(must && !qualified ? ['HOSPITAL_NOT_QUALIFIED'] : []);
    },
  );
});

describe.each(byRegion)('%s: rules.renewalWindowDays', (_name, def) => {
  const w = def.rules.renewalWindowDays;
  const daysBeforeExpiry = w === null ? [0, 30, 180, 365] : [...new Set([0, 1, w - 1, w, w + 1, w + 30])];
  it.each(daysBeforeExpiry)(`RENEWAL %i days before expiry (window: ${w})`, (days) => {
    const f = accepted(def);
    const validUntil = addDays(TODAY, days);
    f.input.type = 'RENEWAL';
    f.certifications = [certification(def, validUntil)];
    const refused = w !== null && days > w;
    expect(validateSubmission(f, def.rules)).toEqual(
      refused
        ? [
            {
              code: 'RENEWAL_NOT_DUE',
              message: `续审须在到期前${w}日内办理：可于${addDays(validUntil, -w)}至${validUntil}期间申请`,
              field: 'type',
            },
          ]
        : [],
    );
  });
});

describe.each(byRegion)('%s: rules.changeHospitalPerYear', (_name, def) => {
  const n = def.rules.changeHospitalPerYear;
  const year = TODAY.slice(0, 4);
  const counts = n === null ? [0, 1, 3] : [...new Set([0, Math.max(n - 1, 0), n, n + 1])];
  const run = (earlier: ApplicationRow[]) => {
    const f = accepted(def);
    f.input.type = 'CHANGE_HOSPITAL';
    f.certifications = [certification(def, null)];
    f.applications = earlier;
    return codes(f, def);
  };
  it.each(counts)(`CHANGE_HOSPITAL after %i changes this year (limit: ${n})`, (k) => {
    const earlier = Array.from({ length: k }, (_, i) =>
      changeOfHospital(def, i, `${year}-01-0${(i % 9) + 1}`, 'APPROVED'),
    );
    expect(run(earlier)).toEqual(n !== null && k >= n ? ['CHANGE_HOSPITAL_LIMIT'] : []);
  });
  it.each([
    ['last year', `${Number(year) - 1}-12-31`, 'APPROVED'],
    ['rejected', `${year}-01-02`, 'REJECTED'],
    ['withdrawn', `${year}-01-02`, 'WITHDRAWN'],
  ] as const)('does not count changes %s', (_case, acceptedOn, status) => {
    const earlier = Array.from({ length: (n ?? 0) + 1 }, (_, i) => changeOfHospital(def, i, acceptedOn, status));
    expect(run(earlier)).toEqual([]);
  });
});

describe.each(byRegion)('%s: rules.remoteCareFilingRequired', (_name, def) => {
  const required = def.rules.remoteCareFilingRequired;
  const elsewhere: RemoteCareFilingRow = {
    id: 'F1',
    regionCode: def.policy.code,
    personId: 'P1',
    residenceRegionCode: '110100',
    residenceRegionName: '北京市',
    validFrom: '2026-01-01',
    validUntil: null,
    filedAt: '2026-01-01T09:00:00+08:00',
  };
  it.each([
    ['lives in the region', null, [], []],
    ['lives elsewhere, filed', '110100', [elsewhere], []],
    ['lives elsewhere, not filed', '110100', [], required ? ['REMOTE_CARE_FILING_REQUIRED'] : []],
  ] as const)(`%s (remoteCareFilingRequired: ${required})`, (_case, residence, filings, expected) => {
    const f = accepted(def);
    f.nationalPerson = {
      id: 'P1',
      insuredRegionCode: def.policy.code,
      residenceRegionCode: residence,
      residenceRegionName: residence ? '北京市' : null,
    };
    f.filings = [...filings];
    expect(codes(f, def)).toEqual(expected);
  });
});

describe.each(byRegion)('%s: rules.appeal', (_name, def) => {
  const { periodDays, reviewWorkingDays } = def.rules.appeal;
  const decidedAt = '2026-06-01T10:00:00+08:00';
  it.each([...new Set([0, periodDays - 1, periodDays, periodDays + 30])])(
    `an appeal %i days after the rejection (period: ${periodDays} days, the decision day is day 1)`,
    (after) => {
      const problem = appealPeriodProblem(def.rules.appeal, decidedAt, addDays('2026-06-01', after));
      if (after < periodDays) expect(problem).toBeNull();
      else {
        expect(problem).toMatchObject({ code: 'APPEAL_PERIOD_EXPIRED' });
        expect(problem!.message).toContain(`${periodDays}日内（${lastAppealDay(def.rules.appeal, decidedAt)}前）`);
      }
    },
  );
  it.each(['2026-06-15', '2026-09-25', '2026-12-31'])(
    `an appeal filed on %s is decided within ${reviewWorkingDays} working days`,
    (filedOn) => {
      const due = appealDueDate(def.rules.appeal, filedOn);
      expect(workingDaysBetween(filedOn, due.date).workingDays).toBe(reviewWorkingDays);
      expect(workingDaysBetween(filedOn, addDays(due.date, -1)).workingDays).toBe(reviewWorkingDays - 1);
    },
  );
});

/** Each material with a disease it applies to (a disease-dependent one: a disease carrying the flag). */
function materialCases(def: Region) {
  return def.policy.materials.flatMap((m) => {
    const disease = def.policy.diseases.find((d) =>
      materialRulesFor(accepted(def, d.code).materialRules, accepted(def, d.code).disease).some(
        (r) => r.kind === m.kind,
      ),
    );
    return disease ? [[m.kind, m, disease.code] as const] : [];
  });
}

describe.each(byRegion)('%s: each material’s validity, issuing hospital and stamp', (_name, def) => {
  const cases = materialCases(def);
  const submit = (kind: string, diseaseCode: string, change: Record<string, unknown>, proof: ProofHospital = PROOF) => {
    const f = accepted(def, diseaseCode);
    f.input.materials = f.input.materials.map((x) => (x.kind === kind ? { ...x, ...change } : x));
    f.proofHospitals = [PROOF, proof];
    return codes(f, def);
  };

  it.each(cases)('%s: validityMonths', (kind, m, diseaseCode) => {
    if (m.validityMonths === null) {
      expect(submit(kind, diseaseCode, { issuedOn: '2000-01-01' })).toEqual([]);
      return;
    }
    const oldest = addMonths(TODAY, -m.validityMonths);
    expect(submit(kind, diseaseCode, { issuedOn: oldest })).toEqual([]);
    expect(submit(kind, diseaseCode, { issuedOn: addDays(oldest, -1) })).toEqual(['MATERIAL_EXPIRED']);
    expect(submit(kind, diseaseCode, { issuedOn: null })).toEqual(['MATERIAL_DATE_REQUIRED']);
  });

  it.each(cases)('%s: minHospitalLevel', (kind, m, diseaseCode) => {
    for (const level of ['LEVEL_1', 'LEVEL_2', 'LEVEL_3'] as const) {
      const issuer = { ...PROOF, code: 'H99000000002', level };
      const low = m.minHospitalLevel !== null && RANK[level] < RANK[m.minHospitalLevel];
      expect(submit(kind, diseaseCode, { hospitalCode: issuer.code }, issuer)).toEqual(
        low ? ['MATERIAL_HOSPITAL_LEVEL'] : [],
      );
    }
  });

  it.each(cases)('%s: issuerMustBeSpecialist', (kind, m, diseaseCode) => {
    const general = { ...PROOF, code: 'H99000000003', specialist: false };
    expect(submit(kind, diseaseCode, { hospitalCode: general.code }, general)).toEqual(
      m.issuerMustBeSpecialist ? ['MATERIAL_ISSUER_NOT_SPECIALIST'] : [],
    );
  });

  it.each(cases)('%s: stampRequired', (kind, m, diseaseCode) => {
    expect(submit(kind, diseaseCode, { stamped: false })).toEqual(m.stampRequired ? ['MATERIAL_NOT_STAMPED'] : []);
  });
});

describe('the tables above', () => {
  it('cover every rule setting the region schema has (add a table for a new one)', () => {
    const schema = JSON.parse(readFileSync(path.join(REGIONS_DIR, 'region.schema.json'), 'utf8')) as {
      properties: { rules: { properties: Record<string, unknown> } };
    };
    const tested = [
      'wrongInsuredRegionMessage',
      'hospitalRequired',
      'hospitalMustBeQualified',
      'renewalWindowDays',
      'changeHospitalPerYear',
      'remoteCareFilingRequired',
      'appeal',
      // 经定点医疗机构审核备案: a step of the workflow, not a submission check (region-file.test.ts,
      // test/hospital-review.int.test.ts).
      'hospitalReview',
      'hook', // code, not a setting: region-file.test.ts runs a hook
      'source', // where the settings come from: served-sources.test.ts
    ];
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual(tested.sort());
  });
});
