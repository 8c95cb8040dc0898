/** The admin API's bearer key (`SWITCHYARD_ADMIN_KEY`). An empty string disables the admin API. */
export const ADMIN_KEY = Symbol('ADMIN_KEY');
/** The `ModelCatalog` that policy versions are validated against. */
export const POLICY_CATALOG = Symbol('POLICY_CATALOG');
/** Name of the environment whose active policy this gateway serves and moves. */
export const POLICY_ENVIRONMENT = Symbol('POLICY_ENVIRONMENT');
/** A `PolicyPublisher`. */
export const POLICY_PUBLISHER = Symbol('POLICY_PUBLISHER');

/** Tells running gateways that an environment's active policy changed. */
export interface PolicyPublisher {
  /** Called after the pointer moved in Postgres; gateways then load `versionId`. */
  published(environment: string, versionId: string): Promise<void>;
}

/** Who did it, for `created_by` and `activated_by`; `admin-api` when absent. */
export const ACTOR_HEADER = 'x-switchyard-actor';
