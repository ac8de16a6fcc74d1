import type { RemoteCareFilingRow } from './record-rows';
import { residenceProblems } from './residence';

const filing = (residenceRegionCode: string | null, validUntil: string | null = null): RemoteCareFilingRow => ({
  id: 'F',
  regionCode: '510400',
  personId: 'P1',
  residenceRegionCode,
  residenceRegionName: '广东省云浮市',
  validFrom: '2026-01-01',
  validUntil,
  filedAt: '2026-01-01T09:00:00+08:00',
});
const person = (residenceRegionCode: string | null) => ({
  id: 'P1',
  insuredRegionCode: '510400',
  residenceRegionCode,
  residenceRegionName: residenceRegionCode ? '广东省云浮市' : null,
});
const facts = (over: Partial<Parameters<typeof residenceProblems>[0]>) =>
  residenceProblems({
    regionCode: '510400',
    regionName: '攀枝花市',
    today: '2026-12-03',
    declaredResidenceCode: null,
    nationalPerson: person(null),
    filings: [],
    filingRequired: true,
    ...over,
  }).map((p) => p.code);

describe('residenceProblems: the index and the filings, not the applicant’s word', () => {
  it('living elsewhere needs an active filing for that residence, declared or not', () => {
    expect(facts({ nationalPerson: person('445300') })).toEqual(['REMOTE_CARE_FILING_REQUIRED']);
    expect(facts({ nationalPerson: person('445300'), filings: [filing('445300')] })).toEqual([]);
    expect(facts({ nationalPerson: person('445300'), filings: [filing('445300', '2026-12-02')] })).toEqual([
      'REMOTE_CARE_FILING_REQUIRED',
    ]);
    expect(facts({ nationalPerson: person('445300'), filings: [filing('110100')] })).toEqual([
      'REMOTE_CARE_FILING_REQUIRED',
    ]);
    expect(facts({ nationalPerson: person('445300'), filingRequired: false })).toEqual([]);
  });

  it('a declared residence must agree with the index or an active filing', () => {
    expect(facts({ declaredResidenceCode: '510400' })).toEqual([]);
    expect(facts({ declaredResidenceCode: '445300' })).toEqual(['RESIDENCE_MISMATCH']);
    // Filed since the index was updated: the region's own filing counts.
    expect(facts({ declaredResidenceCode: '445300', filings: [filing('445300')] })).toEqual([]);
    expect(
      facts({ nationalPerson: person('445300'), declaredResidenceCode: '510400', filings: [filing('445300')] }),
    ).toEqual(['RESIDENCE_MISMATCH']);
    // Nobody in the index: taken as living in the insured region.
    expect(facts({ nationalPerson: null })).toEqual([]);
    expect(facts({ nationalPerson: null, declaredResidenceCode: '445300' })).toEqual(['RESIDENCE_MISMATCH']);
  });
});
