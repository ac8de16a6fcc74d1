import possibleTypesJson from '../../schema/possibleTypes.json';

// Each region owns its mutations under its own prefix (submitPanzhihuaApplication, …), so a
// national front end picks them by the `__typename` of the region the person chose. No server
// code and no client library here: the document is a string for gql()/parse() or any client.

/** The region types the composed schema knows (from schema/possibleTypes.json). */
export const REGION_TYPENAMES: readonly string[] = possibleTypesJson.Region;

/** 'PanzhihuaRegion' → 'Panzhihua'; a typename known only as `string` gives `string`. */
export type RegionPrefix<Typename extends string> = string extends Typename
  ? string
  : Typename extends `${infer Prefix}Region`
    ? Prefix
    : never;

export interface RegionMutationNames<Prefix extends string> {
  submit: `submit${Prefix}Application`;
  supplement: `supplement${Prefix}Materials`;
  withdraw: `withdraw${Prefix}Application`;
  review: `review${Prefix}Application`;
  fileRemoteCare: `file${Prefix}RemoteCare`;
  markMessagesRead: `mark${Prefix}MessagesRead`;
  appeal: `appeal${Prefix}Application`;
  reviewAppeal: `review${Prefix}Appeal`;
  sendFeedback: `send${Prefix}Feedback`;
  replyFeedback: `reply${Prefix}Feedback`;
  submitAtCounter: `submit${Prefix}ApplicationAtCounter`;
  supplementAtCounter: `supplement${Prefix}MaterialsAtCounter`;
  recordInPersonVerification: `record${Prefix}InPersonVerification`;
  /** 经定点医疗机构审核备案: a hospital reviewer's decision (regions with the step; elsewhere nothing awaits it). */
  confirmHospitalReview: `confirm${Prefix}HospitalReview`;
}

export type RegionMutationKind = keyof RegionMutationNames<string>;

/** Each mutation's variables, as the contract declares them for every region. */
export const REGION_MUTATION_VARIABLES: Record<RegionMutationKind, Record<string, string>> = {
  submit: { input: 'ApplicationInput!' },
  supplement: { acceptanceNumber: 'String!', materials: '[MaterialInput!]!', idempotencyKey: 'String' },
  withdraw: { acceptanceNumber: 'String!', idempotencyKey: 'String' },
  review: { acceptanceNumber: 'String!', decision: 'ReviewDecision!', reason: 'String', idempotencyKey: 'String' },
  fileRemoteCare: { input: 'RemoteCareInput!' },
  markMessagesRead: { ids: '[ID!]!', idempotencyKey: 'String' },
  appeal: { acceptanceNumber: 'String!', reason: 'String!', materials: '[MaterialInput!]', idempotencyKey: 'String' },
  reviewAppeal: {
    acceptanceNumber: 'String!',
    decision: 'AppealDecision!',
    reason: 'String',
    idempotencyKey: 'String',
  },
  sendFeedback: { input: 'FeedbackInput!' },
  replyFeedback: { trackingNumber: 'String!', reply: 'String!', idempotencyKey: 'String' },
  submitAtCounter: { personId: 'ID!', input: 'ApplicationInput!', originalsVerified: 'Boolean!' },
  supplementAtCounter: {
    personId: 'ID!',
    acceptanceNumber: 'String!',
    materials: '[MaterialInput!]!',
    originalsVerified: 'Boolean!',
    idempotencyKey: 'String',
  },
  recordInPersonVerification: {
    personId: 'ID!',
    acceptanceNumber: 'String!',
    originalsVerified: 'Boolean!',
    note: 'String',
    idempotencyKey: 'String',
  },
  confirmHospitalReview: {
    acceptanceNumber: 'String!',
    decision: 'HospitalReviewDecision!',
    reason: 'String',
    idempotencyKey: 'String',
  },
};

export interface RegionMutations<Typename extends string> {
  typename: Typename;
  prefix: RegionPrefix<Typename>;
  names: RegionMutationNames<RegionPrefix<Typename>>;
}

/** regionMutations('PanzhihuaRegion') → { prefix: 'Panzhihua', names: { submit: 'submitPanzhihuaApplication', … } }. */
export function regionMutations<Typename extends string>(typename: Typename): RegionMutations<Typename> {
  if (!REGION_TYPENAMES.includes(typename)) {
    throw new Error(`${typename} is not a region type of this schema (known: ${REGION_TYPENAMES.join(', ')})`);
  }
  const prefix = typename.slice(0, -'Region'.length) as RegionPrefix<Typename>;
  const names = {
    submit: `submit${prefix}Application`,
    supplement: `supplement${prefix}Materials`,
    withdraw: `withdraw${prefix}Application`,
    review: `review${prefix}Application`,
    fileRemoteCare: `file${prefix}RemoteCare`,
    markMessagesRead: `mark${prefix}MessagesRead`,
    appeal: `appeal${prefix}Application`,
    reviewAppeal: `review${prefix}Appeal`,
    sendFeedback: `send${prefix}Feedback`,
    replyFeedback: `reply${prefix}Feedback`,
    submitAtCounter: `submit${prefix}ApplicationAtCounter`,
    supplementAtCounter: `supplement${prefix}MaterialsAtCounter`,
    recordInPersonVerification: `record${prefix}InPersonVerification`,
    confirmHospitalReview: `confirm${prefix}HospitalReview`,
  } as RegionMutationNames<RegionPrefix<Typename>>;
  return { typename, prefix, names };
}

export interface MutationDocumentOptions {
  /** What to select on the payload, e.g. `application { id status } problems { code field message }`. */
  selection: string;
  /** Fragment definitions the selection spreads. */
  fragments?: string;
  /** Default: the mutation's name with a capital, e.g. SubmitPanzhihuaApplication. */
  operationName?: string;
}

/**
 * The mutation of `kind` for the region whose `__typename` is given, with the contract's
 * variables: regionMutationDocument('YunfuRegion', 'submit', { selection }) →
 * `mutation SubmitYunfuApplication($input: ApplicationInput!) { submitYunfuApplication(input: $input) { … } }`.
 */
export function regionMutationDocument(typename: string, kind: RegionMutationKind, options: MutationDocumentOptions) {
  const field = regionMutations(typename).names[kind];
  const variables = Object.entries(REGION_MUTATION_VARIABLES[kind]);
  const operationName = options.operationName ?? field[0]!.toUpperCase() + field.slice(1);
  const definitions = variables.map(([name, type]) => `$${name}: ${type}`).join(', ');
  const args = variables.map(([name]) => `${name}: $${name}`).join(', ');
  const document = `mutation ${operationName}(${definitions}) {\n  ${field}(${args}) {\n    ${options.selection}\n  }\n}\n`;
  return options.fragments ? `${document}\n${options.fragments}\n` : document;
}
