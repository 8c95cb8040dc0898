import { config } from 'zod';

// The gateway serves the console under a CSP without 'unsafe-eval'. zod probes for `new Function`
// when it constructs its first object schema, and Chromium reports that (caught) attempt as a CSP
// violation. So jitless is set first, and the contracts' module is loaded only after it: a static
// import would be evaluated before this line. Jitless parsing is plenty fast for a form.
config({ jitless: true });
const contracts = await import('@switchyard/contracts');

/** The contract schemas the canary pages check input with. */
export const canaryScheduleSchema = contracts.canaryScheduleSchema;
export const abortCanaryRequestSchema = contracts.abortCanaryRequestSchema;
