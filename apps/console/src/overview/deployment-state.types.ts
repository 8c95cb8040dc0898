/**
 * `GET /admin/deployments` is described by the contract (`deploymentListResponseSchema` in
 * libs/contracts). This name stays only for datasets/golden-run-start.component.tsx, which still
 * imports it from here; import `DeploymentListResponse` from '@switchyard/contracts' instead.
 */
export type { DeploymentListResponse as DeploymentList } from '@switchyard/contracts';
