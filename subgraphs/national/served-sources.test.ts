import { loadAllRegionFiles } from '../kit/domain/region-file';
import { loadHospitalDirectory } from './hospital-directory';

// Served `source` strings cite official documents (title, issuer, date) or say illustrative: never a
// file of this repository, never an unexpanded {placeholder}.

/** Every string under a key named `source` or ending in `Source`, with where it was found. */
function sources(value: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) value.forEach((v, i) => sources(v, `${at}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && /^source$|Source$/.test(k)) out.push([`${at}.${k}`, v]);
      else sources(v, `${at}.${k}`, out);
    }
  }
  return out;
}

const FORBIDDEN = ['subgraphs/', '.md', '.yaml', '{', '}'];

describe('served sources', () => {
  const served: [string, string][] = [
    ...loadAllRegionFiles().flatMap((r) => sources({ policy: r.policy, rules: r.rules }, r.subgraph)),
    ...loadHospitalDirectory().flatMap((h) => sources(h, `hospitals.${h.code}`)),
  ];

  it('finds the sources of both region files and the hospital directory', () => {
    expect(served.some(([at]) => at.startsWith('sichuan-panzhihua.policy.diseases'))).toBe(true);
    expect(served.some(([at]) => at.startsWith('guangdong-yunfu.rules.appeal'))).toBe(true);
    expect(served.filter(([at]) => at.startsWith('hospitals.')).length).toBeGreaterThan(20);
  });

  it.each(FORBIDDEN)('no served source contains %p', (text) => {
    expect(served.filter(([, source]) => source.includes(text))).toEqual([]);
  });

  it("the directory's designated hospitals cite their region's document", () => {
    const panzhihua = loadHospitalDirectory().find((h) => h.regionCode === '510400')!;
    expect(panzhihua.source).toContain('《2025年四川攀枝花门诊特殊疾病（门特）手机申请办理指南》');
    expect(panzhihua.illustrative).toBe(true);
  });
});
