import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderConversation } from '../../apps/worker/src/judge/span-sample.js';
import type { FleetRow } from './fleet.js';

const CONVERSATION = '[Conversation]\n';
const ANSWER = '\n\n[Answer to grade]\n';

export interface JudgeCounts {
  judged: number;
  flipped: number;
  /** Judge prompts whose conversation is not in the fleet: graded wrong. */
  unmatched: number;
}

/**
 * A simulated LLM judge on loopback, called by the worker through the gateway like any judge model:
 * it finds the graded conversation in the fleet and answers the helpfulness rubric with the recorded
 * correctness of the graded answer (10 right, 1 wrong), flipped with probability `noise`. Whether a
 * verdict flips is a seeded hash of the conversation and the answer, so a run is reproducible and a
 * repeated answer gets the same (possibly wrong) verdict, as a real judge's blind spots would.
 * The optimizer never sees the recording: only these verdicts, stored by the worker as scores.
 */
export class SimulatedJudge {
  readonly counts: JudgeCounts = { judged: 0, flipped: 0, unmatched: 0 };
  private readonly byConversation = new Map<string, FleetRow>();
  private server?: Server;

  constructor(
    rows: readonly FleetRow[],
    private readonly noise: number,
    private readonly seed: number,
  ) {
    for (const row of rows) this.byConversation.set(renderConversation(row.messages).trim(), row);
  }

  /** Starts listening on a free loopback port; returns the base URL (`…/v1`). */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The verdict for one judge prompt: the score on the rubric's 1-10 scale. */
  verdict(prompt: string): number {
    this.counts.judged++;
    const split = prompt.indexOf(ANSWER);
    const start = prompt.indexOf(CONVERSATION);
    const conversation = split >= 0 && start >= 0 ? prompt.slice(start + CONVERSATION.length, split).trim() : '';
    const answer = split >= 0 ? prompt.slice(split + ANSWER.length).trim() : '';
    const row = this.byConversation.get(conversation);
    if (!row) this.counts.unmatched++;
    const correct = row !== undefined && Object.values(row.candidates).some((c) => c.content.trim() === answer && c.score >= 0.5);
    const digest = createHash('sha256').update(`${this.seed}\u0000${conversation}\u0000${answer}`).digest();
    const flip = digest.readUInt32BE(0) / 0x1_0000_0000 < this.noise;
    if (flip) this.counts.flipped++;
    return correct !== flip ? 10 : 1;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model?: string; messages?: { content?: unknown }[] };
    const messages = body.messages ?? [];
    const last = messages.at(-1)?.content;
    const score = this.verdict(typeof last === 'string' ? last : '');
    const content = JSON.stringify({ score, reason: score === 10 ? 'correct' : 'wrong' });
    const promptTokens = Math.ceil(messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0) / 4);
    const completionTokens = Math.ceil(content.length / 4);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-judge-${this.counts.judged}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'judge',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      }),
    );
  }
}
