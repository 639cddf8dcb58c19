/**
 * PostgreSQL's `integer`: the range of every id here. Inputs (ids, cursors) are bounded by it, so
 * that `99999999999999999999` (or `1e400`, which an integer check lets through as Infinity) never
 * reaches SQL, to fail there as a 500.
 */
export const MAX_INTEGER = 2_147_483_647;
