import 'reflect-metadata'; // type-graphql's decorators need it before the types below load

import type { GraphQLSchema } from 'graphql';

import { NATIONAL, REGIONS } from '../../schema/registry';
import { buildFederatedSchema } from '../kit/graphql/federation';
import { assertPersonRecordAccess } from '../kit/platform/auth/access';
import { enforceAccessTable } from '../kit/platform/auth/access-rules';
import { applicationRef, regionRef } from '../kit/platform/routing';
import { NATIONAL_ACCESS } from './access';
import type { NationalContext } from './context';
import { HospitalDirectoryResolver } from './hospital.resolvers';
import { NationalResolver, readPerson } from './resolvers';
import { STUBS } from './types';

interface RecordKey {
  personId: string;
  regionCode: string;
}

interface MessagesKey extends RecordKey {
  window: string;
}

/** A messages stub: its key, to whom may read that person's records there (the region checks again). */
function messagesRef(ref: MessagesKey, ctx: NationalContext) {
  const region = REGIONS.find((r) => r.code === ref.regionCode);
  assertPersonRecordAccess(ctx.identity, ref.personId, ref.regionCode);
  return region
    ? { __typename: `${region.prefix}Messages`, personId: ref.personId, regionCode: region.code, window: ref.window }
    : null;
}

/** A record stub answers only its key, and only to whom may read that person's record there. */
function recordRef(ref: RecordKey, ctx: NationalContext) {
  const region = REGIONS.find((r) => r.code === ref.regionCode);
  assertPersonRecordAccess(ctx.identity, ref.personId, ref.regionCode);
  return region ? { __typename: `${region.prefix}Record`, personId: ref.personId, regionCode: region.code } : null;
}

export async function buildNationalSchema(): Promise<GraphQLSchema> {
  const schema = await buildFederatedSchema(
    { resolvers: [NationalResolver, HospitalDirectoryResolver], orphanedTypes: STUBS },
    {
      Person: {
        __resolveReference: (ref: { id: string }, ctx: NationalContext) => readPerson(ctx, ref.id, true),
      },
      // The entity interfaces: a key alone names the region, so it resolves to that region's stub.
      Region: { __resolveReference: (ref: { code: string }) => regionRef(ref.code) },
      Application: { __resolveReference: (ref: { ref: string }) => applicationRef(ref.ref) },
      RegionalRecord: { __resolveReference: recordRef },
      RegionalMessages: { __resolveReference: messagesRef },
      ...Object.fromEntries(
        REGIONS.map((r) => [
          `${r.prefix}Record`,
          {
            __resolveReference: (ref: RecordKey, ctx: NationalContext) =>
              ref.regionCode === r.code ? recordRef(ref, ctx) : null,
          },
        ]),
      ),
      ...Object.fromEntries(
        REGIONS.map((r) => [
          `${r.prefix}Messages`,
          {
            __resolveReference: (ref: MessagesKey, ctx: NationalContext) =>
              ref.regionCode === r.code ? messagesRef(ref, ctx) : null,
          },
        ]),
      ),
    },
  );
  return enforceAccessTable(schema, NATIONAL_ACCESS, { subgraph: NATIONAL.name });
}
