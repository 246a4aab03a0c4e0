import { UserError } from '../lambda/core/errors';
import type { ServedVariant } from '../lambda/core/variants';
import { type ChurnFeatures, trueChurnLabel } from './models/churn';
import { typicalChurnCustomer } from './models/traffic';

/** Share (0..1) of answered requests that convert, per variant that served them. */
export type ConversionRates = Readonly<Record<ServedVariant, number>>;

export const DEFAULT_CONVERSION: ConversionRates = { production: 0.1, canary: 0.1 };

/**
 * `--conversion production=0.10,canary=0.09` (a variant left out keeps the default; a bare
 * number applies to both).
 */
export function parseConversionRates(raw: string): ConversionRates {
  const usage = 'use production=R,canary=R with R from 0 to 1, e.g. --conversion production=0.10,canary=0.09';
  const single = raw.trim() === '' ? Number.NaN : Number(raw);
  if (Number.isFinite(single)) {
    if (single < 0 || single > 1) throw new UserError(`--conversion ${raw}: ${usage}`);
    return { production: single, canary: single };
  }
  const rates: Record<ServedVariant, number> = { ...DEFAULT_CONVERSION };
  for (const part of raw.split(',')) {
    const [name, value, extra] = part.split('=').map((s) => s.trim());
    const rate = value === undefined || value === '' ? Number.NaN : Number(value);
    if ((name !== 'production' && name !== 'canary') || extra !== undefined || !(rate >= 0 && rate <= 1))
      throw new UserError(`--conversion "${part}": ${usage}`);
    rates[name] = rate;
  }
  return rates;
}

/** A share from 0 to 1, or a one-line mistake naming the option. */
export function parseShare(option: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!(value >= 0 && value <= 1)) throw new UserError(`${option} must be a share from 0 to 1, got "${raw}"`);
  return value;
}

/** A whole number of at least 1, or a one-line mistake naming the option. */
export function parseCount(option: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new UserError(`${option} must be a whole number of at least 1, got "${raw}"`);
  return value;
}

/**
 * One demo request, drawn up front from the seed so the run is the same whatever the
 * concurrency: who asks, about which customer, whether that customer really churns, and the
 * dice for the outcomes the shop will post.
 */
export interface PlannedRequest {
  readonly user: string;
  readonly customer: ChurnFeatures;
  /** The label the shop learns later (the customer's true behaviour in the demo world). */
  readonly trueLabel: 'churn' | 'stay';
  /** Converts when below the served variant's conversion rate. */
  readonly conversionRoll: number;
  /** Order value of a conversion. */
  readonly value: number;
  /** Whether the shop later posts the true label for this request. */
  readonly labelled: boolean;
}

export function planRequests(
  random: () => number,
  options: { readonly requests: number; readonly users: number; readonly labelShare: number },
): PlannedRequest[] {
  return Array.from({ length: options.requests }, () => {
    // Sticky users: the same X-User-Id always lands in the same bucket.
    const user = `user-${String(1 + Math.floor(random() * options.users)).padStart(3, '0')}`;
    const customer = typicalChurnCustomer(random);
    return {
      user,
      customer,
      trueLabel: trueChurnLabel(customer, random),
      conversionRoll: random(),
      value: Math.round((20 + random() * 80) * 100) / 100,
      labelled: random() < options.labelShare,
    };
  });
}

/** An outcome post a shop sends: the conversion soon after the answer, the label much later. */
export type OutcomePost =
  | { readonly requestId: string; readonly converted: boolean; readonly value?: number }
  | { readonly requestId: string; readonly label: string };

/** The conversion the shop posts for an answered request, at its served variant's rate. */
export function conversionPost(
  planned: PlannedRequest,
  requestId: string,
  servedVariant: ServedVariant,
  rates: ConversionRates,
): OutcomePost {
  const converted = planned.conversionRoll < rates[servedVariant];
  return converted ? { requestId, converted, value: planned.value } : { requestId, converted };
}

/** The label post, for the requests whose true label the shop learns. */
export function labelPost(planned: PlannedRequest, requestId: string): OutcomePost | undefined {
  return planned.labelled ? { requestId, label: planned.trueLabel } : undefined;
}
