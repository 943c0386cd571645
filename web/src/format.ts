/** Sizes and counts as people read them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en');
  return Number(value.toPrecision(4)).toLocaleString('en', { maximumFractionDigits: 4 });
}

/** `camelCase` and `snake_case` keys as words: `triangleCount` → `Triangle count`. */
export function humanKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What a task is doing, in words: `Running: optimize`, `Queued`, `Failed`. */
export function stateWords(state: string, step: string | null): string {
  switch (state) {
    case 'queued':
      return 'Waiting for a worker';
    case 'running':
      return step ? `Running: ${step}` : 'Starting';
    case 'succeeded':
      return 'Done';
    case 'failed':
      return step ? `Failed at ${step}` : 'Failed';
    case 'cancelled':
      return 'Cancelled';
    default:
      return state;
  }
}
