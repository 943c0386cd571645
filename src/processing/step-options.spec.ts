import { STEP_NAMES, type StepName } from '../contract';
import { PIPELINES } from './pipelines';
import { ProcessingError } from './processing.error';
import {
  STEP_OPTION_SCHEMAS,
  type OptionRule,
  checkTaskOptions,
  describeStepOptions,
  parseStepOptions,
  pickStepOptions,
} from './step-options';

/** The error `run` throws, for exact assertions on code and message. */
function failure(run: () => unknown): { code: string; message: string; retryable: boolean } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProcessingError)) throw error;
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  throw new Error('expected a ProcessingError, nothing was thrown');
}

const invalid = (message: string) => ({ code: 'INVALID_OPTIONS', message, retryable: false });

describe('STEP_OPTION_SCHEMAS', () => {
  it('describes every step; optimize, render and variants take options', () => {
    expect(Object.keys(STEP_OPTION_SCHEMAS).sort()).toEqual([...STEP_NAMES].sort());
    expect(
      Object.fromEntries(
        Object.entries(STEP_OPTION_SCHEMAS).map(([step, schema]) => [step, Object.keys(schema)]),
      ),
    ).toEqual({
      inspect: [],
      convert: [],
      optimize: ['simplify', 'draco'],
      render: ['size', 'yaw'],
      pack: [],
      variants: ['maxSize'],
      bench: ['events', 'ms'],
    });
  });

  it('has defaults within their own ranges', () => {
    for (const schema of Object.values(STEP_OPTION_SCHEMAS))
      for (const rule of Object.values(schema) as OptionRule[])
        if (rule.type !== 'boolean')
          expect(rule.default >= rule.min && rule.default <= rule.max).toBe(true);
  });
});

describe('parseStepOptions', () => {
  describe.each([
    ['render', 'size', 16, 4096, 512, 'size (render), yaw (render)'],
    ['variants', 'maxSize', 16, 16383, 2048, 'maxSize (variants)'],
  ] as const)('%s: %s', (step, key, min, max, fallback, named) => {
    it(`takes ${key} from ${min} to ${max}, and ${fallback} when absent`, () => {
      expect(parseStepOptions(step, {})).toMatchObject({ [key]: fallback });
      for (const value of [min, min + 1, 1024, max - 1, max])
        expect(parseStepOptions(step, { [key]: value })).toMatchObject({ [key]: value });
    });

    it.each([
      [min - 1, String(min - 1)],
      [max + 1, String(max + 1)],
      [1e9, '1000000000'],
      [-5, '-5'],
      [0, '0'],
      [100.5, '100.5'],
      ['abc', '"abc"'],
      ['1024', '"1024"'],
      [null, 'null'],
      [true, 'true'],
      [[1024], '[1024]'],
      [{ px: 1024 }, '{"px":1024}'],
    ])(`refuses ${key} %j, naming the key and its range`, (value, shown) => {
      expect(failure(() => parseStepOptions(step, { [key]: value }))).toEqual(
        invalid(`Option "${key}" must be a whole number from ${min} to ${max}; got ${shown}.`),
      );
    });

    it('refuses a key the step does not take, naming the one it does', () => {
      expect(failure(() => parseStepOptions(step, { [key]: 64, quality: 90 }))).toEqual(
        invalid(`Unknown option "quality"; the options here are ${named}.`),
      );
    });
  });

  it.each(['inspect', 'convert', 'pack'] as const)(
    'takes nothing for %s, and refuses any key',
    (step) => {
      expect(parseStepOptions(step, {})).toEqual({});
      expect(failure(() => parseStepOptions(step, { size: 64 }))).toEqual(
        invalid(`Unknown option "size"; step "${step}" takes no options.`),
      );
    },
  );

  it('refuses the variants option on render, since a step alone takes only its own', () => {
    expect(failure(() => parseStepOptions('render', { maxSize: 512 }))).toEqual(
      invalid('Unknown option "maxSize"; the options here are size (render), yaw (render).'),
    );
  });

  it.each([
    [null, 'null'],
    [[], '[]'],
    ['size=64', '"size=64"'],
    [64, '64'],
    [undefined, 'undefined'],
  ])('refuses options that are not an object: %j', (options, shown) => {
    expect(failure(() => parseStepOptions('render', options))).toEqual(
      invalid(`Options must be a JSON object, e.g. {"size": 1024}; got ${shown}.`),
    );
  });

  it('refuses a "__proto__" key as unknown rather than reading through it', () => {
    const options = JSON.parse('{"__proto__": {"size": 64}}') as unknown;
    expect(failure(() => parseStepOptions('render', options))).toEqual(
      invalid('Unknown option "__proto__"; the options here are size (render), yaw (render).'),
    );
  });
});

describe('checkTaskOptions', () => {
  const image: readonly StepName[] = PIPELINES.image;

  it('takes, for a process task, the options of every step of the pipeline together', () => {
    expect(() => checkTaskOptions('image', image, {})).not.toThrow();
    expect(() => checkTaskOptions('image', image, { size: 64 })).not.toThrow();
    expect(() => checkTaskOptions('image', image, { size: 64, maxSize: 300 })).not.toThrow();
  });

  it('refuses a key no step of the pipeline takes, naming every allowed key and its step', () => {
    expect(failure(() => checkTaskOptions('image', image, { size: 64, colour: 'red' }))).toEqual(
      invalid('Unknown option "colour"; the options here are size (render), maxSize (variants).'),
    );
  });

  it('checks each key by the rule of its step', () => {
    expect(failure(() => checkTaskOptions('image', image, { size: 64, maxSize: 1e9 }))).toEqual(
      invalid('Option "maxSize" must be a whole number from 16 to 16383; got 1000000000.'),
    );
    expect(failure(() => checkTaskOptions('image', image, { size: 5000, maxSize: 300 }))).toEqual(
      invalid('Option "size" must be a whole number from 16 to 4096; got 5000.'),
    );
  });

  it('refuses every key for steps that take none', () => {
    expect(failure(() => checkTaskOptions('mesh', ['inspect', 'convert'], { size: 1 }))).toEqual(
      invalid('Unknown option "size"; steps inspect, convert take no options.'),
    );
  });
});

describe('checkTaskOptions, options of one kind', () => {
  const mesh: readonly StepName[] = ['inspect', 'convert', 'optimize', 'render'];

  it('takes the mesh-only options on a mesh task, a fraction and a boolean among them', () => {
    expect(() =>
      checkTaskOptions('mesh', mesh, { simplify: 0.25, draco: true, yaw: -30.5, size: 256 }),
    ).not.toThrow();
    expect(parseStepOptions('optimize', {})).toEqual({ simplify: 1, draco: false });
    expect(parseStepOptions('render', { yaw: 90 })).toEqual({ size: 512, yaw: 90 });
  });

  it('refuses a mesh-only option on an image task, as an unknown key', () => {
    expect(failure(() => checkTaskOptions('image', ['render'], { yaw: 10 }))).toEqual(
      invalid('Unknown option "yaw"; the options here are size (render).'),
    );
  });

  it('refuses a boolean that is not one, and a fraction out of range', () => {
    expect(failure(() => checkTaskOptions('mesh', ['optimize'], { draco: 'yes' }))).toEqual(
      invalid('Option "draco" must be true or false; got "yes".'),
    );
    expect(failure(() => checkTaskOptions('mesh', ['optimize'], { simplify: 0 }))).toEqual(
      invalid('Option "simplify" must be a number from 0.01 to 1; got 0.'),
    );
    expect(failure(() => checkTaskOptions('mesh', ['render'], { yaw: Number.NaN }))).toEqual(
      invalid('Option "yaw" must be a number from -360 to 360; got null.'),
    );
  });
});

describe('pickStepOptions', () => {
  it("hands each step its own share of a task's options", () => {
    const options = { size: 64, maxSize: 300 };
    expect(pickStepOptions('inspect', options)).toEqual({});
    expect(pickStepOptions('render', options)).toEqual({ size: 64 });
    expect(pickStepOptions('variants', options)).toEqual({ maxSize: 300 });
  });
});

describe('describeStepOptions', () => {
  it('lists every option with its range, default and kinds, for the API docs', () => {
    expect(describeStepOptions().split('\n')).toEqual([
      '- `optimize`: `simplify` (number 0.01–1, default 1; mesh assets only): Share of the triangles to keep (0.25 keeps about a quarter); 1 does not simplify',
      '- `optimize`: `draco` (true/false, default false; mesh assets only): Compress geometry with Draco instead of meshopt',
      '- `render`: `size` (integer 16–4096, default 512): Side of the thumbnail in pixels (an image: its long side, never larger than the source)',
      '- `render`: `yaw` (number -360–360, default 45; mesh assets only): Degrees the camera turns around the model from its front (+Z), 45 being the 3/4 view',
      '- `variants`: `maxSize` (integer 16–16383, default 2048): Long side of the preview at most, in pixels; never enlarged',
      '- `bench`: `events` (integer 1–100000, default 50): Progress ticks the bench step reports (KILN_BENCH_STEPS=1 only)',
      '- `bench`: `ms` (integer 0–600000, default 0): Milliseconds the bench step spreads its ticks over; 0: as fast as it can',
    ]);
  });
});
