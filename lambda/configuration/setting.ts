/**
 * One declaration per setting a function reads from its environment: the variable's name, its
 * type, its range and its default, as plain data. The same declaration checks a stage's value at
 * synth (`settingProblems`), writes it into the environment (`environmentOf`) and reads it back
 * at cold start (`readSetting`), so the three can never disagree. Declarations are data so that
 * a bundle keeps only those its function reads, and none of the synth-only code.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable the function needs is not set. */
export class MissingEnvironmentError extends Error {
  override readonly name: string = 'MissingEnvironmentError';
}

/** A variable is set, to a value the function cannot use. */
export class InvalidEnvironmentError extends Error {
  override readonly name = 'InvalidEnvironmentError';
}

export interface NumberSetting {
  readonly kind: 'number';
  readonly env: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** Whole numbers only. @default false */
  readonly integer?: boolean;
}

/** `true` or `false` (also `1` or `0` when read). */
export interface FlagSetting {
  readonly kind: 'flag';
  readonly env: string;
  readonly default: boolean;
}

/** One of a few names. */
export interface ChoiceSetting<T extends string = string> {
  readonly kind: 'choice';
  readonly env: string;
  readonly choices: readonly T[];
  readonly default: T;
}

/** A name: a resource's name, URL or ARN. Required unless `optional`. */
export interface TextSetting {
  readonly kind: 'text';
  readonly env: string;
  readonly optional?: boolean;
}

/** Comma-separated names; empty when unset. */
export interface ListSetting {
  readonly kind: 'list';
  readonly env: string;
}

/**
 * A structured value carried as JSON, checked by the core's own rules (every problem at once).
 * Without a default or `optional` the variable is required.
 */
export interface JsonSetting<T = unknown> {
  readonly kind: 'json';
  readonly env: string;
  readonly default?: T;
  readonly optional?: boolean;
  /** Every problem with the parsed value, each naming `path`. @default - none checked here */
  readonly problems?: (value: unknown, path: string) => string[];
}

export type Setting =
  | NumberSetting
  | FlagSetting
  | ChoiceSetting
  | TextSetting
  | ListSetting
  // biome-ignore lint/suspicious/noExplicitAny: any structured value
  | JsonSetting<any>;

/** What a setting holds once read. */
export type ValueOf<S> = S extends NumberSetting
  ? number
  : S extends FlagSetting
    ? boolean
    : S extends ChoiceSetting<infer T>
      ? T
      : S extends TextSetting
        ? S extends { readonly optional: true }
          ? string | undefined
          : string
        : S extends ListSetting
          ? readonly string[]
          : S extends JsonSetting<infer T>
            ? S extends { readonly optional: true }
              ? T | undefined
              : T
            : never;

export type SettingGroup = Readonly<Record<string, Setting>>;

/** The values of a group of settings, as read at cold start. */
export type SettingValues<G extends SettingGroup> = { readonly [K in keyof G]: ValueOf<G[K]> };

const blank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === '';

const rangeOf = (s: NumberSetting) => `${s.integer ? 'a whole number in' : 'in'} [${s.min}, ${s.max}]`;

const inRange = (s: NumberSetting, value: number) =>
  Number.isFinite(value) && value >= s.min && value <= s.max && (!s.integer || Number.isInteger(value));

/** The value at cold start; throws MissingEnvironmentError or InvalidEnvironmentError naming the variable. */
export function readSetting<S extends Setting>(setting: S, env: Env): ValueOf<S> {
  return read(setting, env) as ValueOf<S>;
}

function read(s: Setting, env: Env): unknown {
  const raw = env[s.env];
  if (s.kind === 'list')
    return (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  if (blank(raw)) {
    if (s.kind === 'text' || s.kind === 'json') {
      if (s.kind === 'json' && s.default !== undefined) return s.default;
      if (s.optional) return undefined;
      throw new MissingEnvironmentError(`${s.env} environment variable is not set`);
    }
    return s.default;
  }
  const text = raw.trim();
  switch (s.kind) {
    case 'text':
      return text;
    case 'number': {
      const value = Number(text);
      if (!inRange(s, value))
        throw new InvalidEnvironmentError(`${s.env} must be ${rangeOf(s)}, got "${text}"`);
      return value;
    }
    case 'flag': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      throw new InvalidEnvironmentError(`${s.env} must be true or false, got "${text}"`);
    }
    case 'choice':
      if (!s.choices.includes(text))
        throw new InvalidEnvironmentError(`${s.env} must be one of ${s.choices.join(', ')}, got "${text}"`);
      return text;
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new InvalidEnvironmentError(`${s.env} is not valid JSON`);
      }
      const problems = s.problems?.(value, s.env) ?? [];
      if (problems.length > 0) throw new InvalidEnvironmentError(problems.join('; '));
      return value;
    }
  }
}

/**
 * Reads every setting of a group at once; when some are missing or invalid, throws one error
 * naming them all, so a broken deployment is fixed in one pass.
 */
export function readSettings<G extends SettingGroup>(group: G, env: Env): SettingValues<G> {
  const values: Record<string, unknown> = {};
  const errors: Error[] = [];
  for (const key of Object.keys(group)) {
    try {
      values[key] = read(group[key] as Setting, env);
    } catch (error) {
      errors.push(error as Error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const Kind = errors.some((e) => e instanceof MissingEnvironmentError)
      ? MissingEnvironmentError
      : InvalidEnvironmentError;
    throw new Kind(errors.map((e) => e.message).join('; '));
  }
  return values as SettingValues<G>;
}

/** The value as the variable holds it; `undefined` leaves the variable unset. */
export function formatSetting<S extends Setting>(setting: S, value: ValueOf<S>): string | undefined {
  if (value === undefined) return undefined;
  switch (setting.kind) {
    case 'list':
      return (value as readonly string[]).join(',');
    case 'json':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

/** The environment variables that carry a group's values (unset ones left out). */
export function environmentOf<G extends SettingGroup>(
  group: G,
  values: SettingValues<G>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, setting] of Object.entries(group)) {
    const formatted = formatSetting(setting, values[key as keyof G] as ValueOf<typeof setting>);
    if (formatted !== undefined) env[setting.env] = formatted;
  }
  return env;
}

/** What is wrong with a configured value (synth), each problem naming `path`; empty when usable. */
export function settingProblems<S extends Setting>(setting: S, value: ValueOf<S>, path: string): string[] {
  const s: Setting = setting;
  switch (s.kind) {
    case 'number': {
      const n = value as number;
      return inRange(s, n) ? [] : [`${path} must be ${rangeOf(s)}, got ${n}`];
    }
    case 'flag':
      return typeof value === 'boolean' ? [] : [`${path} must be true or false`];
    case 'choice':
      return s.choices.includes(value as string) ? [] : [`${path} must be one of ${s.choices.join(', ')}`];
    case 'text':
      return value === undefined || (value as string).trim() !== '' ? [] : [`${path} must not be empty`];
    case 'list':
      return (value as readonly string[]).every((item) => item.trim() !== '' && !item.includes(','))
        ? []
        : [`${path} must be names without commas`];
    case 'json':
      return value === undefined ? [] : (s.problems?.(value, path) ?? []);
  }
}
