import { toMaterial } from '../graphql/region.service';
import type { MaterialKind } from './policy';
import type { CertificationRow } from './record-rows';
import { type SubmissionFacts, validateSubmission } from './rules';
import { accepted, type Region, regions } from './rules.fixture';

// What the API says about materials (MaterialRequirement.requiredWhen, as a front end reads it) and
// what the submission checks enforce are walked together for every region, disease, channel,
// application type and combination of materials given: they must agree everywhere.

/** A front end's reading of the served condition: every criterion given must hold. */
function clientSaysRequired(
  m: ReturnType<typeof toMaterial>,
  c: { kinds: Set<MaterialKind>; disease: string; channel: string; type: string },
) {
  const w = m.requiredWhen;
  if (!w) return false;
  if (w.absentKinds && w.absentKinds.some((k) => c.kinds.has(k))) return false;
  if (w.diseaseCodes && !w.diseaseCodes.includes(c.disease)) return false;
  if (w.channelIds && !w.channelIds.includes(c.channel)) return false;
  if (w.applicationTypes && !w.applicationTypes.includes(c.type as never)) return false;
  return true;
}

/** The accepted submission of rules.fixture.ts with the walk's input (and anything else) in place. */
function facts(def: Region, over: Partial<SubmissionFacts> & { input: SubmissionFacts['input'] }): SubmissionFacts {
  return { ...accepted(def, over.input.diseaseCode), ...over };
}

describe.each(regions.map((r) => [r.subgraph, r] as const))(
  '%s: requiredWhen as served = as enforced',
  (_name, def) => {
    it('agrees for every disease, channel, type and set of materials given', () => {
      const p = def.policy;
      const rows = p.materials.map((m, position) => ({ regionCode: p.code, position, ...m }));
      const served = rows.map((r) => ({ row: r, api: toMaterial(r, false) }));
      const kinds = p.materials.map((m) => m.kind);
      let cases = 0;
      for (const disease of p.diseases) {
        for (const channel of [p.channels[0]!, p.channels.at(-1)!]) {
          for (const type of ['NEW', 'CHANGE_HOSPITAL'] as const) {
            for (let mask = 0; mask < 1 << kinds.length; mask++) {
              const given = new Set(kinds.filter((_, i) => mask & (1 << i)));
              const input = {
                type,
                diseaseCode: disease.code,
                channelId: channel.id,
                hospitalCode: p.hospitals[0]!.code,
                insuredRegionCode: p.code,
                materials: [...given].map((kind) => ({
                  kind,
                  fileName: 'x.png',
                  sha256: 'a'.repeat(64),
                  stamped: true,
                })),
              };
              const missing = validateSubmission(facts(def, { input }), def.rules)
                .filter((x) => x.code === 'MATERIAL_MISSING')
                .map((x) => x.message)
                .sort();
              const expected = served
                .filter(
                  ({ row, api }) =>
                    !given.has(row.kind) &&
                    clientSaysRequired(api, { kinds: given, disease: disease.code, channel: channel.id, type }),
                )
                .map(
                  ({ row }) =>
                    row.missingMessage ?? `缺少材料：${row.name}${row.condition ? `（${row.condition}）` : ''}`,
                )
                .sort();
              expect(missing).toEqual(expected);
              cases++;
            }
          }
        }
      }
      expect(cases).toBeGreaterThan(1000);
    });
  },
);

describe.each(regions.map((r) => [r.subgraph, r] as const))(
  '%s: a renewal of an indefinite certification',
  (_name, def) => {
    it('is refused with RENEWAL_NOT_NEEDED', () => {
      const disease = def.policy.diseases[0]!;
      const cert: CertificationRow = {
        id: 1,
        regionCode: def.policy.code,
        personId: 'P1',
        diseaseCode: disease.code,
        validFrom: '2025-01-01',
        validUntil: null,
      } as unknown as CertificationRow;
      const input = {
        type: 'RENEWAL' as const,
        diseaseCode: disease.code,
        channelId: def.policy.channels[0]!.id,
        hospitalCode: def.policy.hospitals[0]!.code,
        insuredRegionCode: def.policy.code,
        materials: [],
      };
      const problems = validateSubmission(facts(def, { input, certifications: [cert] }), def.rules);
      expect(problems.filter((x) => x.field === 'type')).toEqual([
        { code: 'RENEWAL_NOT_NEEDED', message: `您的${disease.name}门特认定长期有效，无需续审`, field: 'type' },
      ]);
    });
  },
);
