import {
  type ConfigAction,
  effectiveKnobs,
  InvalidConfigChangeError,
  overrideProblems,
  type RoutingKnobs,
  type RoutingOverrides,
} from '../../lambda/core/runtime-config';
import { CliError, type Target } from '../target';

const KNOB_LABELS: Record<keyof RoutingKnobs, string> = {
  productionEndpoint: 'production endpoint',
  candidateEndpoints: 'candidate endpoints',
  shadowEnabled: 'shadow',
  sampleRate: 'shadow sample rate',
  canaryPercent: 'canary share (%)',
};

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

/** `status`: the effective routing, where each value comes from, and the recent changes. */
export async function status(target: Target, json: boolean): Promise<string> {
  const doc = await target.runtimeConfig.read();
  const knobs = effectiveKnobs(target.deployTime, doc);
  if (json)
    return JSON.stringify(
      { target: target.label, effective: knobs, deployTime: target.deployTime, document: doc ?? null },
      null,
      2,
    );
  const lines = [`Routing of ${target.label}:`];
  for (const key of Object.keys(KNOB_LABELS) as (keyof RoutingKnobs)[]) {
    const overridden = doc?.overrides[key] !== undefined;
    lines.push(
      `  ${KNOB_LABELS[key].padEnd(22)} ${show(knobs[key]).padEnd(24)} ${overridden ? '(runtime)' : '(deploy-time)'}`,
    );
  }
  if (doc) {
    lines.push('', `Last change: ${doc.updatedAt} by ${doc.updatedBy}: ${doc.reason}`);
    for (const change of doc.history.slice(0, 5)) {
      lines.push(
        `  ${change.at}  ${change.action.padEnd(8)} ${JSON.stringify(change.changed)}  (${change.by}: ${change.reason})`,
      );
    }
  } else {
    lines.push('', 'No runtime changes: the deploy-time values apply.');
  }
  return lines.join('\n');
}

/** Reads `set` flags into overrides, refusing what is not a value of the right kind. */
export function overridesFromFlags(flags: {
  readonly 'sample-rate'?: string | undefined;
  readonly 'canary-percent'?: string | undefined;
  readonly shadow?: string | undefined;
}): RoutingOverrides {
  const values: { -readonly [K in keyof RoutingOverrides]: RoutingOverrides[K] } = {};
  const number = (flag: string, raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw new CliError(`--${flag} must be a number, got "${raw}"`);
    return value;
  };
  if (flags['sample-rate'] !== undefined) values.sampleRate = number('sample-rate', flags['sample-rate']);
  if (flags['canary-percent'] !== undefined)
    values.canaryPercent = number('canary-percent', flags['canary-percent']);
  if (flags.shadow !== undefined) {
    if (flags.shadow !== 'on' && flags.shadow !== 'off')
      throw new CliError(`--shadow must be on or off, got "${flags.shadow}"`);
    values.shadowEnabled = flags.shadow === 'on';
  }
  if (Object.keys(values).length === 0)
    throw new CliError('nothing to set: give --sample-rate, --canary-percent or --shadow');
  // Ranges are the runtime config's own rules; endpoints are not set here, so none is allowed.
  const problems = overrideProblems(values, []);
  if (problems.length > 0) throw new InvalidConfigChangeError(problems.join('; '));
  return values;
}

/** `set`, `promote`, `rollback`: applies the change and says exactly what changed. */
export async function change(
  target: Target,
  action: ConfigAction,
  reason: string,
  by: string,
): Promise<string> {
  const { before, after } = await target.runtimeConfig.change(target.deployTime, action, {
    by,
    reason,
    allowedEndpoints: target.allowedEndpoints,
  });
  const changed = (Object.keys(KNOB_LABELS) as (keyof RoutingKnobs)[]).filter(
    (k) => show(before[k]) !== show(after[k]),
  );
  const lines = [`${action.action} on ${target.label}:`];
  if (changed.length === 0) lines.push('  nothing changed (already so)');
  for (const key of changed)
    lines.push(`  ${KNOB_LABELS[key].padEnd(22)} ${show(before[key])} -> ${show(after[key])}`);
  lines.push('The router picks this up within seconds (its config cache is 5 s); no redeploy.');
  return lines.join('\n');
}
