/** The Redis-backed budget ledger and rate limiter, built at boot from the shared Redis client. */
export const GOVERNANCE_STORES = Symbol('GOVERNANCE_STORES');
