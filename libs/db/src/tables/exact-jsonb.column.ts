import { customType } from 'drizzle-orm/pg-core';

/**
 * A jsonb column that reads back exactly what was written. Drizzle's own `jsonb` parses a string
 * value once more after pg has, so the JSON string "42" would come back as the number 42; a
 * dataset's expected answer or a string prompt must not change type on the way through.
 */
export const exactJsonb = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => 'jsonb',
    toDriver: (value) => JSON.stringify(value),
    // pg has already parsed the jsonb text.
    fromDriver: (value) => value as T,
  })(name);
