import { createHash } from 'node:crypto';
import type { FleetRow, PromptMessage, ReplayFleet } from './replay-fleet.repository.js';

/** The verdict shapes of the rubrics in evals/rubrics, told apart by the reply their system prompt asks for. */
export type JudgeReplyKind = 'score' | 'equivalent' | 'winner';

/** One graded answer: what its recording says, and what the judge says after noise. */
export interface JudgedAnswer {
  recordedCorrect: boolean;
  judgedCorrect: boolean;
}

export interface SimulatedJudgment {
  kind: JudgeReplyKind;
  /** The reply, as the rubric asks for it: one JSON object. */
  reply: string;
  /** In the prompt's order (pairwise: A, then B). */
  answers: JudgedAnswer[];
}

export interface SimulatedJudgeOptions {
  /** Probability that a judgment is flipped. */
  noiseRate: number;
  /** Keys the noise draws, with the judged conversation and answer. */
  seed: number;
}

const REPLY_KEY = /\{\s*"(score|equivalent|winner)"\s*:/;
const CONVERSATION = '[Conversation]\n';
/** A rubric section heading: `[Answer to grade]`, `[Reference answer]`, `[Answer A]`, … on a line of its own after a blank line. */
const HEADING = /\n\n\[([^\]\n]{1,60})\]\n/g;

const textOf = (content: PromptMessage['content']): string =>
  content == null ? '' : typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? (p.text ?? '') : `[${p.type}]`)).join('');

/** A recorded prompt rendered the way the worker renders a span's messages for the judge: `role: text` blocks. */
export const renderRecordedConversation = (messages: FleetRow['messages']): string => messages.map((m) => `${m.role}: ${m.content}`).join('\n\n');

interface Section {
  heading: string;
  text: string;
}

/**
 * A stand-in for an LLM judge, for benchmarks and demos: it answers a judge rubric's prompt with
 * the recorded correctness of the judged answer. It finds the judged conversation among the fleet's
 * recorded prompts; the answer is correct when some model's recording of that prompt has exactly
 * this text (trimmed) and was graded correct (score ≥ 0.5). Any other answer, e.g. from a corrupted
 * model or to an unrecorded prompt, is incorrect. Each judgment is then flipped with probability
 * `noiseRate`, by a draw keyed on the seed, the conversation and the answer, so the same judgment
 * comes out the same whatever the order of calls.
 *
 * It reads prompts laid out as evals/rubrics lays them out: a `[Conversation]` section, then
 * sections whose headings start with `Answer` (one, or A and B for pairwise); other sections (the
 * reference answer) are ignored, since the recording decides.
 */
export class SimulatedJudge {
  private readonly byConversation = new Map<string, FleetRow>();

  constructor(
    fleet: ReplayFleet,
    private readonly options: SimulatedJudgeOptions,
  ) {
    for (const row of fleet.rows) {
      const key = renderRecordedConversation(row.messages).trim();
      // As in the fleet's prompt index, the first recording wins.
      if (!this.byConversation.has(key)) this.byConversation.set(key, row);
    }
  }

  /** The judge's answer to a chat request; undefined when the request is not a rubric prompt it can read. */
  judge(messages: readonly PromptMessage[]): SimulatedJudgment | undefined {
    const system = messages
      .filter((m) => m.role === 'system')
      .map((m) => textOf(m.content))
      .join('\n');
    const user = [...messages].reverse().find((m) => m.role === 'user');
    const kind = REPLY_KEY.exec(system)?.[1] as JudgeReplyKind | undefined;
    if (!kind || !user) return undefined;
    const parsed = this.read(textOf(user.content));
    if (!parsed) return undefined;
    const answers = parsed.sections.filter((s) => s.heading.startsWith('Answer')).map((s) => s.text.trim());
    if (answers.length !== (kind === 'winner' ? 2 : 1)) return undefined;

    const judged = answers.map((answer) => {
      const recordedCorrect = this.recordedCorrect(parsed.row, answer);
      return { recordedCorrect, judgedCorrect: this.flipped(parsed.conversation, answer) ? !recordedCorrect : recordedCorrect };
    });
    return { kind, reply: replyFor(kind, judged), answers: judged };
  }

  /** Whether a model's recording of this row's prompt is this exact (trimmed) answer and was graded correct. */
  recordedCorrect(row: FleetRow | undefined, answer: string): boolean {
    return row !== undefined && Object.values(row.candidates).some((c) => c.score >= 0.5 && c.content.trim() === answer);
  }

  /** Whether the noise flips the judgment of this answer to this conversation: a keyed uniform draw below `noiseRate`. */
  flipped(conversation: string, answer: string): boolean {
    if (this.options.noiseRate <= 0) return false;
    const digest = createHash('sha256').update(`${this.options.seed}\u0000${conversation}\u0000${answer}`).digest();
    return digest.readUIntBE(0, 6) / 2 ** 48 < this.options.noiseRate;
  }

  /**
   * Splits the rubric's user prompt into the conversation and the later sections. The conversation
   * ends at the first section heading after which what precedes is a recorded prompt, so a prompt
   * that itself contains a heading-like line is still found; else at the first heading.
   */
  private read(text: string): { conversation: string; row: FleetRow | undefined; sections: Section[] } | undefined {
    const start = text.indexOf(CONVERSATION);
    if (start < 0) return undefined;
    const from = start + CONVERSATION.length;
    const headings = [...text.slice(from).matchAll(HEADING)].map((m) => ({ at: from + m.index, length: m[0].length, heading: m[1] ?? '' }));
    if (headings.length === 0) return undefined;
    const end = headings.findIndex((h) => this.byConversation.has(text.slice(from, h.at).trim()));
    const first = Math.max(end, 0);
    const conversation = text.slice(from, headings[first].at).trim();
    const sections = headings.slice(first).map((h, i, rest) => ({
      heading: h.heading,
      text: text.slice(h.at + h.length, rest[i + 1]?.at ?? text.length),
    }));
    return { conversation, row: this.byConversation.get(conversation), sections };
  }
}

function replyFor(kind: JudgeReplyKind, answers: JudgedAnswer[]): string {
  const reason = (correct: boolean | undefined): string => (correct ? 'The answer matches a correct recorded answer.' : 'The answer matches no correct recorded answer.');
  switch (kind) {
    case 'score':
      return JSON.stringify({ score: answers[0]?.judgedCorrect ? 10 : 1, reason: reason(answers[0]?.judgedCorrect) });
    case 'equivalent':
      return JSON.stringify({ equivalent: answers[0]?.judgedCorrect === true, reason: reason(answers[0]?.judgedCorrect) });
    case 'winner': {
      const [a, b] = answers.map((x) => x.judgedCorrect);
      const winner = a === b ? 'tie' : a ? 'A' : 'B';
      return JSON.stringify({ winner, reason: winner === 'tie' ? 'Both answers are equally correct.' : `Only answer ${winner} matches a correct recorded answer.` });
    }
  }
}
