import type { StepName } from '../contract';
import { ProcessingError } from './processing.error';

export const INVALID_OPTIONS = 'INVALID_OPTIONS';

/** A whole number from `min` to `max`; absent, `default`. */
export interface IntegerOption {
  type: 'integer';
  min: number;
  max: number;
  default: number;
  /** For a person reading the API documentation. */
  description: string;
}

/** What one option accepts. Only whole numbers so far; a new kind of value adds a member. */
export type OptionRule = IntegerOption;

/** The options one step takes, by key; no other key is accepted. */
export type OptionSchema = Readonly<Record<string, OptionRule>>;

/**
 * The options of every step: the one description the API checks a request against (so a bad
 * option answers `400` before a task exists) and the worker reads its options through.
 * A step runs the same options whatever the asset's kind.
 */
export const STEP_OPTION_SCHEMAS = {
  inspect: {},
  convert: {},
  optimize: {},
  render: {
    size: {
      type: 'integer',
      min: 16,
      max: 4096,
      default: 512,
      description: 'Long side of the thumbnail in pixels; never larger than the source',
    },
  },
  pack: {},
  variants: {
    maxSize: {
      type: 'integer',
      min: 16,
      max: 16383, // WebP's largest side
      default: 2048,
      description: 'Long side of the preview at most, in pixels; never enlarged',
    },
  },
} as const satisfies Record<StepName, OptionSchema>;

type Schemas = typeof STEP_OPTION_SCHEMAS;
type ValueOf<Rule extends OptionRule> = Rule extends IntegerOption ? number : never;

/** A step's options as the step reads them: every key present (defaults filled in), typed. */
export type StepOptions<Step extends StepName> = {
  -readonly [Key in keyof Schemas[Step]]: Schemas[Step][Key] extends OptionRule
    ? ValueOf<Schemas[Step][Key]>
    : never;
};

function schemaOf(step: StepName): OptionSchema {
  return STEP_OPTION_SCHEMAS[step];
}

/**
 * A step's options, checked against its schema: absent keys take their default; a key the step
 * does not take, a value of the wrong type or out of range throws `INVALID_OPTIONS` naming the
 * key and what it accepts.
 */
export function parseStepOptions<Step extends StepName>(
  step: Step,
  options: unknown,
): StepOptions<Step> {
  refuseUnknownKeys([step], options);
  return readOptions(step, options) as StepOptions<Step>;
}

/**
 * Checks the options of a task that runs `steps` (one step, or a kind's pipeline for `process`).
 * A task takes the options of any of its steps, each checked by that step's rule (a key two steps
 * share must suit both, and both get it); a key none of them takes is refused, naming the
 * allowed ones.
 */
export function checkTaskOptions(steps: readonly StepName[], options: unknown): void {
  refuseUnknownKeys(steps, options);
  for (const step of steps) readOptions(step, options);
}

function refuseUnknownKeys(
  steps: readonly StepName[],
  options: unknown,
): asserts options is Record<string, unknown> {
  if (!isPlainObject(options)) {
    throw new ProcessingError(
      INVALID_OPTIONS,
      `Options must be a JSON object, e.g. {"size": 1024}; got ${describe(options)}.`,
    );
  }
  const owners = new Map<string, StepName[]>();
  for (const step of steps)
    for (const key of Object.keys(schemaOf(step)))
      owners.set(key, [...(owners.get(key) ?? []), step]);
  const unknown = Object.keys(options).find((key) => !owners.has(key));
  if (unknown === undefined) return;
  const allowed = [...owners].map(([key, of]) => `${key} (${of.join(', ')})`);
  throw new ProcessingError(
    INVALID_OPTIONS,
    allowed.length > 0
      ? `Unknown option "${unknown}"; the options here are ${allowed.join(', ')}.`
      : `Unknown option "${unknown}"; ${steps.length === 1 ? `step "${steps[0]}" takes` : `steps ${steps.join(', ')} take`} no options.`,
  );
}

/**
 * The part of a task's options that `step` takes (its schema's keys), for the step to parse:
 * what a pipeline hands each of its steps, once `checkTaskOptions` passed the whole.
 */
export function pickStepOptions(
  step: StepName,
  options: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(schemaOf(step))
      .filter((key) => options[key] !== undefined)
      .map((key) => [key, options[key]]),
  );
}

/** The step's options with defaults filled in; a bad value fails naming the step it is for. */
function readOptions(
  step: StepName,
  options: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schemaOf(step)).map(([key, rule]) => [
      key,
      readOption(step, key, rule, options[key]),
    ]),
  );
}

function readOption(step: StepName, key: string, rule: OptionRule, value: unknown): number {
  if (value === undefined) return rule.default;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < rule.min ||
    value > rule.max
  ) {
    throw new ProcessingError(
      INVALID_OPTIONS,
      `Option "${key}" must be a whole number from ${rule.min} to ${rule.max}; got ${describe(value)}.`,
      false,
      step,
    );
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return typeof value === 'function' || typeof value === 'symbol' || value === undefined
    ? typeof value
    : JSON.stringify(value);
}
