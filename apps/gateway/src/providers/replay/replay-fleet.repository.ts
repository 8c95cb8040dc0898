import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';

/** One model's recorded answer to a fleet prompt. */
export const fleetCandidateSchema = z.object({
  content: z.string(),
  /** Recorded correctness, 0..1. */
  score: z.number(),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
  }),
});
export type FleetCandidate = z.infer<typeof fleetCandidateSchema>;

/** One line of a `*.fleet.jsonl` file; the format is described in datasets/README.md. */
export const fleetRowSchema = z.object({
  id: z.string().min(1),
  workload: z.string().min(1),
  messages: z.array(z.object({ role: z.string().min(1), content: z.string() })).min(1),
  expected: z.string().nullable().default(null),
  /** Keyed by the model name the fleet recorded, which the config uses as `upstreamModel`. */
  candidates: z.record(z.string(), fleetCandidateSchema),
});
export type FleetRow = z.infer<typeof fleetRowSchema>;

/** The part of a chat message that identifies a prompt; text parts stand in for the whole content. */
export const promptMessageSchema = z.object({
  role: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()])
    .optional(),
});
export type PromptMessage = z.infer<typeof promptMessageSchema>;

const messageText = (content: PromptMessage['content']): string => {
  if (content == null) return '';
  if (typeof content === 'string') return content.trim();
  // A non-text part is kept as a marker, so an image prompt never matches a text-only recording.
  return content
    .map((part) => (part.type === 'text' ? (part.text ?? '') : `[${part.type}]`))
    .join('')
    .trim();
};

/** Identity of a prompt: sha256 over role + trimmed text of every message. */
export const promptKey = (messages: readonly PromptMessage[]): string =>
  createHash('sha256')
    .update(JSON.stringify(messages.map((m) => [m.role, messageText(m.content)])))
    .digest('hex');

/** A model's recorded answer in a row, if the fleet recorded that model. */
export const recordedCandidate = (row: FleetRow, model: string): FleetCandidate | undefined =>
  // hasOwn: a model named like an Object.prototype member must not resolve to it.
  Object.hasOwn(row.candidates, model) ? row.candidates[model] : undefined;

/** A loaded fleet file, indexed by prompt. */
export class ReplayFleet {
  private readonly byPrompt = new Map<string, FleetRow>();

  constructor(
    /** File name only: it ends up in client-facing error messages. */
    readonly name: string,
    readonly rows: readonly FleetRow[],
  ) {
    for (const row of rows) {
      const key = promptKey(row.messages);
      // The first recording of a prompt wins, so the answer does not depend on later lines.
      if (!this.byPrompt.has(key)) this.byPrompt.set(key, row);
    }
  }

  /** Distinct recorded prompts. */
  get size(): number {
    return this.byPrompt.size;
  }

  find(messages: readonly PromptMessage[]): FleetRow | undefined {
    return this.byPrompt.get(promptKey(messages));
  }
}

/** A fleet file that cannot be used; the message names the file and line, never its full path. */
export class FleetFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetFileError';
  }
}

@Injectable()
export class ReplayFleetRepository {
  async load(path: string): Promise<ReplayFleet> {
    const name = basename(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'read error';
      throw new FleetFileError(`${name}: cannot read the file (${code})`);
    }
    const rows: FleetRow[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new FleetFileError(`${name}:${i + 1}: not valid JSON`);
      }
      const parsed = fleetRowSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new FleetFileError(`${name}:${i + 1}: ${issue?.path.join('.') || '(row)'}: ${issue?.message ?? 'invalid row'}`);
      }
      rows.push(parsed.data);
    });
    if (rows.length === 0) throw new FleetFileError(`${name}: no rows`);
    return new ReplayFleet(name, rows);
  }
}
