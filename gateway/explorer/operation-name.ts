import { Kind, parse } from 'graphql';

/**
 * GraphiQL learns a tab's operation name 100 ms after the editor changes, so a run right after
 * switching tabs names the previous tab's operation; a document with one operation needs no name.
 */
export function operationNameFor(query: string, requested: string | null | undefined): string | undefined {
  try {
    const names = parse(query)
      .definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
      .map((d) => (d.kind === Kind.OPERATION_DEFINITION ? d.name?.value : undefined));
    if (requested && names.includes(requested)) return requested;
    return names.length === 1 ? names[0] : (requested ?? undefined);
  } catch {
    return requested ?? undefined; // not parseable: the gateway explains what is wrong
  }
}
