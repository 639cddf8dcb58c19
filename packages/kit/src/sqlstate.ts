/**
 * PostgreSQL's error codes (SQLSTATE) the services act on, by name, and how to read one off an
 * error from pg or PGlite (both put it in `code`).
 */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  exclusionViolation: '23P01',
  readOnlySqlTransaction: '25006',
  insufficientPrivilege: '42501',
  diskFull: '53100',
  outOfMemory: '53200',
  configurationLimitExceeded: '53400',
  programLimitExceeded: '54000',
  statementTooComplex: '54001',
  queryCanceled: '57014',
} as const;

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The constraint an integrity error names (unique, foreign key, check, exclusion). */
export function violatedConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
