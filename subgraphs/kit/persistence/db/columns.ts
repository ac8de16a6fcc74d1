// Column shorthands for EntitySchema definitions (migrations have their own, for TableColumnOptions).

export const str = (name: string, length: number, nullable = false) =>
  ({ type: String, length, name, nullable }) as const;
export const int = (name: string, nullable = false) => ({ type: Number, name, nullable }) as const;
export const bool = (name: string) => ({ type: Boolean, name }) as const;
