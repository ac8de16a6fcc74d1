import type { TableColumnOptions } from 'typeorm';

// Column helpers for driver-neutral migrations (TypeORM Table API: MySQL 8, MariaDB, SQLite).

export const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
export const int = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'int', isNullable });
export const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean' });
export const key = (name: string, length: number): TableColumnOptions => ({ ...str(name, length), isPrimary: true });
