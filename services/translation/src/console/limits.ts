/** What one console query may use, on PostgreSQL and in the PGlite sandbox alike. */
export interface ConsoleLimits {
  maxRows: number;
  /** The statement timeout; past it (and `graceMs`) the service ends the session itself. */
  timeoutMs: number;
  /** How long past the timeout the service waits for the database to cancel on its own. */
  graceMs: number;
  /** Serialised size of the rows returned; beyond it the rest is cut off as truncated. */
  maxBytes: number;
  /** PostgreSQL's work_mem for the query: sorts and hashes beyond it spill to temporary files. */
  workMem: string;
  /**
   * PostgreSQL's temp_file_limit. Only a superuser may set it, so on a server the console's login
   * role carries it (deploy/postgres/init); the sandbox, which is a superuser, sets it per query.
   */
  tempFileLimit: string;
  /** Growth of the service's resident memory during one query beyond which the query is stopped. */
  maxMemoryGrowthBytes: number;
}

export const DEFAULT_LIMITS: ConsoleLimits = {
  maxRows: 1000,
  timeoutMs: 2000,
  graceMs: 250,
  maxBytes: 8 * 1024 * 1024,
  workMem: '8MB',
  tempFileLimit: '64MB',
  maxMemoryGrowthBytes: 256 * 1024 * 1024,
};
