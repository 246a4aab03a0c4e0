import type { Outcome } from './comparison-record';
import { BadRequestError } from './errors';
import { isValidRequestId } from './request-id';

const MAX_LABEL_BYTES = 1024;

/** What an outcome says; each may come in its own post, and the first value of each is kept. */
export const OUTCOME_FIELDS = ['converted', 'value', 'label'] as const;
export type OutcomeField = (typeof OUTCOME_FIELDS)[number];

const FIELDS = new Set<string>(['requestId', ...OUTCOME_FIELDS]);

/** The fields an outcome carries, in a fixed order. */
export function outcomeFields(outcome: Outcome): OutcomeField[] {
  return OUTCOME_FIELDS.filter((field) => outcome[field] !== undefined);
}

/** The outcome reduced to some of its fields (and its time). */
export function pickOutcomeFields(outcome: Outcome, fields: readonly OutcomeField[]): Outcome {
  const picked: { -readonly [K in keyof Outcome]: Outcome[K] } = { receivedAt: outcome.receivedAt };
  for (const field of fields)
    if (outcome[field] !== undefined) Object.assign(picked, { [field]: outcome[field] });
  return picked;
}

export interface OutcomePost {
  readonly requestId: string;
  readonly outcome: Outcome;
}

/** Validates a `POST /outcomes` body; every problem is listed in one 400. */
export function parseOutcome(body: string | null, receivedAt: string): OutcomePost {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    throw new BadRequestError('The request body is not valid JSON', 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('The outcome must be a JSON object', 'invalid_outcome');
  }
  const o = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(o))
    if (!FIELDS.has(key)) problems.push(`unknown field "${key.slice(0, 40)}"`);
  if (typeof o.requestId !== 'string' || !isValidRequestId(o.requestId)) {
    problems.push('requestId must be 1-128 characters of A-Z a-z 0-9 . _ - (and not "." or "..")');
  }
  if ('converted' in o && typeof o.converted !== 'boolean') problems.push('converted must be true or false');
  if ('value' in o && !(typeof o.value === 'number' && Number.isFinite(o.value)))
    problems.push('value must be a finite number');
  if ('label' in o && (o.label === null || Buffer.byteLength(JSON.stringify(o.label)) > MAX_LABEL_BYTES)) {
    problems.push(`label must be a JSON value of at most ${MAX_LABEL_BYTES} bytes`);
  }
  if (!('converted' in o || 'value' in o || 'label' in o))
    problems.push('give at least one of converted, value, label');
  if (problems.length > 0)
    throw new BadRequestError(`Invalid outcome: ${problems.join('; ')}`, 'invalid_outcome');
  return {
    requestId: o.requestId as string,
    outcome: {
      ...('converted' in o ? { converted: o.converted as boolean } : {}),
      ...('value' in o ? { value: o.value as number } : {}),
      ...('label' in o ? { label: o.label } : {}),
      receivedAt,
    },
  };
}
