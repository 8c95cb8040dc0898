import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import type { ProposalService } from '../proposals/proposal.service.js';
import type { ModelFitService } from './model-fit.service.js';

/** A refit job. `force` refits even when no score arrived since the last fit. New fields stay optional. */
export const refitJobSchema = z.object({ force: z.boolean().optional() });

/** Thin: parse, delegate the refit and, when it ran, the proposals; report whether the fit ran or was skipped. */
export class ModelFitProcessor {
  constructor(
    private readonly service: ModelFitService,
    private readonly proposals: Pick<ProposalService, 'proposeFromLatestFit'>,
  ) {}

  async process(job: Job): Promise<'fitted' | 'skipped'> {
    const payload = refitJobSchema.safeParse(job.data ?? {});
    if (!payload.success) throw new UnrecoverableError(`bad refit job payload: ${payload.error.message}`);
    const { status } = await this.service.refit(payload.data.force === true);
    if (status === 'fitted') await this.proposals.proposeFromLatestFit();
    return status;
  }
}
