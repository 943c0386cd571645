import { ProcessingError } from './processing.error';

export const INVALID_OPTIONS = 'INVALID_OPTIONS';

/**
 * Reads a whole-number option of a step (`options.size` of `render`, …): absent means `fallback`;
 * anything but an integer within `min`..`max` is the caller's mistake, so it fails at once.
 */
export function readIntegerOption(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ProcessingError(
      INVALID_OPTIONS,
      `Option "${key}" must be a whole number from ${min} to ${max}; got ${describe(value)}.`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'function' || typeof value === 'symbol' || value === undefined
    ? typeof value
    : JSON.stringify(value);
}
