import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import type { ProposalService } from '../proposals/proposal.service.js';
import type { ModelFitService } from './model-fit.service.js';

/** A refit job. `force` refits even when no score arrived since the last fit. New fields stay optional. */
export const refitJobSchema = z.object({ force: z.boolean().optional() });

/** Thin: parse, delegate the refit and, when it ran, the proposals; report whether the fit ran or was skipped. */
export class ModelFitProcessor {
  private readonly logger = new Logger(ModelFitProcessor.name);

  constructor(
    private readonly service: Pick<ModelFitService, 'refit'>,
    private readonly proposals: Pick<ProposalService, 'proposeFromLatestFit'>,
  ) {}

  async process(job: Job): Promise<'fitted' | 'skipped'> {
    const payload = refitJobSchema.safeParse(job.data ?? {});
    if (!payload.success) throw new UnrecoverableError(`bad refit job payload: ${payload.error.message}`);
    const { status } = await this.service.refit(payload.data.force === true);
    if (status === 'fitted') {
      // A failed proposal run must not fail the fit: a retry would skip the unchanged fit and never propose.
      await this.proposals.proposeFromLatestFit().catch((err: unknown) => this.logger.error(`proposing from the new fit failed: ${(err as Error).message}`));
    }
    return status;
  }
}
