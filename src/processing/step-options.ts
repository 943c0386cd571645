import type { AssetKind, StepName } from '../contract';
import { ProcessingError } from './processing.error';

export const INVALID_OPTIONS = 'INVALID_OPTIONS';

interface OptionBase {
  /** For a person reading the API documentation. */
  description: string;
  /** The asset kinds whose step takes this option; absent, every kind's. */
  kinds?: readonly AssetKind[];
}

/** A whole number from `min` to `max`; absent, `default`. */
export interface IntegerOption extends OptionBase {
  type: 'integer';
  min: number;
  max: number;
  default: number;
}

/** Any finite number from `min` to `max` (a fraction, an angle); absent, `default`. */
export interface NumberOption extends OptionBase {
  type: 'number';
  min: number;
  max: number;
  default: number;
}

/** `true` or `false`; absent, `default`. */
export interface BooleanOption extends OptionBase {
  type: 'boolean';
  default: boolean;
}

/** What one option accepts; a new kind of value adds a member. */
export type OptionRule = IntegerOption | NumberOption | BooleanOption;

/** The options one step takes, by key; no other key is accepted. */
export type OptionSchema = Readonly<Record<string, OptionRule>>;

/**
 * The options of every step: the one description the API checks a request against (so a bad
 * option answers `400` before a task exists) and the worker reads its options through.
 * A step takes the same options whatever the asset's kind, except those whose rule names `kinds`.
 */
export const STEP_OPTION_SCHEMAS = {
  inspect: {},
  convert: {},
  optimize: {
    simplify: {
      type: 'number',
      min: 0.01,
      max: 1,
      default: 1,
      description:
        'Share of the triangles to keep (0.25 keeps about a quarter); 1 does not simplify',
      kinds: ['mesh'],
    },
    draco: {
      type: 'boolean',
      default: false,
      description: 'Compress geometry with Draco instead of meshopt',
      kinds: ['mesh'],
    },
  },
  render: {
    size: {
      type: 'integer',
      min: 16,
      max: 4096,
      default: 512,
      description:
        'Side of the thumbnail in pixels (an image: its long side, never larger than the source)',
    },
    yaw: {
      type: 'number',
      min: -360,
      max: 360,
      default: 45,
      description:
        'Degrees the camera turns around the model from its front (+Z), 45 being the 3/4 view',
      kinds: ['mesh'],
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
  bench: {
    events: {
      type: 'integer',
      min: 1,
      max: 100_000,
      default: 50,
      description: 'Progress ticks the bench step reports (KILN_BENCH_STEPS=1 only)',
    },
    ms: {
      type: 'integer',
      min: 0,
      max: 600_000,
      default: 0,
      description: 'Milliseconds the bench step spreads its ticks over; 0: as fast as it can',
    },
  },
} as const satisfies Record<StepName, OptionSchema>;

type Schemas = typeof STEP_OPTION_SCHEMAS;
type ValueOf<Rule extends OptionRule> = Rule extends BooleanOption ? boolean : number;

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
 * Checks the options of a task that runs `steps` (one step, or a kind's pipeline for `process`)
 * on an asset of `kind`. A task takes the options of any of its steps, each checked by that step's
 * rule (a key two steps share must suit both, and both get it); a key none of them takes for this
 * kind is refused, naming the allowed ones.
 */
export function checkTaskOptions(
  kind: AssetKind,
  steps: readonly StepName[],
  options: unknown,
): void {
  refuseUnknownKeys(steps, options, kind);
  for (const step of steps) readOptions(step, options);
}

function refuseUnknownKeys(
  steps: readonly StepName[],
  options: unknown,
  kind?: AssetKind,
): asserts options is Record<string, unknown> {
  if (!isPlainObject(options)) {
    throw new ProcessingError(
      INVALID_OPTIONS,
      `Options must be a JSON object, e.g. {"size": 1024}; got ${describe(options)}.`,
    );
  }
  const owners = new Map<string, StepName[]>();
  for (const step of steps)
    for (const [key, rule] of Object.entries(schemaOf(step)))
      if (!kind || !rule.kinds || rule.kinds.includes(kind))
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

function readOption(
  step: StepName,
  key: string,
  rule: OptionRule,
  value: unknown,
): number | boolean {
  if (value === undefined) return rule.default;
  if (rule.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    throw invalidOption(step, `Option "${key}" must be true or false; got ${describe(value)}.`);
  }
  const whole = rule.type === 'integer';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (whole && !Number.isInteger(value)) ||
    value < rule.min ||
    value > rule.max
  ) {
    throw invalidOption(
      step,
      `Option "${key}" must be ${whole ? 'a whole number' : 'a number'} from ${rule.min} to ${rule.max}; got ${describe(value)}.`,
    );
  }
  return value;
}

function invalidOption(step: StepName, message: string): ProcessingError {
  return new ProcessingError(INVALID_OPTIONS, message, false, step);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return typeof value === 'function' || typeof value === 'symbol' || value === undefined
    ? typeof value
    : JSON.stringify(value);
}

/**
 * Every step's options as Markdown lines, for the API documentation (Swagger), so the docs are
 * the schema: `render: size (integer 16-4096, default 512): Side of the thumbnail…`.
 */
export function describeStepOptions(): string {
  return Object.entries(STEP_OPTION_SCHEMAS as Readonly<Record<StepName, OptionSchema>>)
    .flatMap(([step, schema]) =>
      Object.entries(schema).map(([key, rule]) => {
        const range =
          rule.type === 'boolean' ? 'true/false' : `${rule.type} ${rule.min}–${rule.max}`;
        const kinds = rule.kinds ? `; ${rule.kinds.join(', ')} assets only` : '';
        return `- \`${step}\`: \`${key}\` (${range}, default ${String(rule.default)}${kinds}): ${rule.description}`;
      }),
    )
    .join('\n');
}
