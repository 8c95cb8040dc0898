/** `AutoApproveSettings`: `optimizer.autoApprove` from the config. */
export const POLICY_DIFF_AUTO_APPROVE = Symbol('POLICY_DIFF_AUTO_APPROVE');
