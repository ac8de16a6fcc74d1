import { REGIONS } from '../../../schema/registry';
import { acceptanceCheckChar, applicationRef, regionRef, ROUTING_ACCESS, ROUTING_FIELDS } from './routing';

const numbered = (body: string) => body + acceptanceCheckChar(body);

describe('routing', () => {
  it('types a known region code by its prefix and knows no other', () => {
    const [first] = REGIONS;
    expect(regionRef(first!.code)).toEqual({ __typename: `${first!.prefix}Region`, code: first!.code });
    expect(regionRef('999999')).toBeNull();
    expect(ROUTING_FIELDS.region.resolve({ code: ` ${first!.code} ` })).toEqual(regionRef(first!.code));
    expect(ROUTING_FIELDS.regions.resolve()).toEqual(REGIONS.map((r) => regionRef(r.code)));
  });

  it('routes a well-formed number to its region, normalized; null for a malformed one or an unknown region', () => {
    const n = numbered('44530020260302000007');
    expect(applicationRef(` ${n.toLowerCase()} `)).toEqual({ __typename: 'YunfuApplication', ref: n });
    expect(applicationRef(numbered('99999920260302000007'))).toBeNull();
    expect(applicationRef(n.slice(0, 20) + (n.endsWith('0') ? '1' : '0'))).toBeNull();
    expect(applicationRef('nonsense')).toBeNull();
  });

  it('gives each routing field its rule', () => {
    expect(ROUTING_ACCESS).toEqual({
      'Query.regions': 'PUBLIC',
      'Query.region': 'PUBLIC',
      'Query.application': 'SIGNED_IN',
    });
  });
});
