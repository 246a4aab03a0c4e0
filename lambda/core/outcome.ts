import * as v from 'valibot';
import type { Outcome } from './comparison-record';
import { BadRequestError } from './errors';
import { isValidRequestId } from './request-id';
import { fields, numberIn, schemaProblems } from './schema';

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

/** What each field of a `POST /outcomes` body may hold (built on first use, see core/schema.ts). */
function outcomePostSchema() {
  return fields({
    requestId: v.pipe(
      v.string(REQUEST_ID_RULE),
      v.check((id) => isValidRequestId(id), REQUEST_ID_RULE),
    ),
    converted: v.optional(v.boolean('must be true or false')),
    value: v.optional(numberIn(-Infinity, Infinity, 'must be a finite number')),
    label: v.optional(
      v.custom(
        (label) => label !== null && Buffer.byteLength(JSON.stringify(label)) <= MAX_LABEL_BYTES,
        `must be a JSON value of at most ${MAX_LABEL_BYTES} bytes`,
      ),
    ),
  });
}

const REQUEST_ID_RULE = 'must be 1-128 characters of A-Z a-z 0-9 . _ - (and not "." or "..")';

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
  problems.push(...schemaProblems(outcomePostSchema(), o));
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
