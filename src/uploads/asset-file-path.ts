/** Longest path Kiln keeps for a file of an asset, and longest segment (most filesystems' limit). */
export const MAX_PATH_CHARS = 1024;
export const MAX_SEGMENT_BYTES = 255;

export type AssetFilePath = { ok: true; path: string } | { ok: false; problem: string };

/**
 * Checks a name (a zip entry's, an uploaded file's) as the relative path of a file inside an
 * asset's folder, where processing lays the files out. It may not leave that folder nor be read
 * differently on another system: no `..` segment, no absolute path or drive letter, no backslash
 * (a Windows separator that could hide a `..`), no control characters. `.` and empty segments
 * are dropped (`./a//b.png` is `a/b.png`). `problem` completes "its entry "x" …".
 */
export function parseAssetFilePath(name: string): AssetFilePath {
  const fail = (problem: string): AssetFilePath => ({ ok: false, problem });
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f]/.test(name)) return fail('has control characters in its name');
  if (name.includes('\\'))
    return fail('has a backslash in its name (a Windows separator that could hide "..")');
  if (name.startsWith('/')) return fail('is an absolute path');
  if (/^[A-Za-z]:/.test(name)) return fail('starts with a drive letter');
  if (name.length > MAX_PATH_CHARS)
    return fail(`has a name longer than ${MAX_PATH_CHARS} characters`);
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return fail('has a ".." segment that would leave its folder');
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES))
    return fail(`has a name part longer than ${MAX_SEGMENT_BYTES} bytes`);
  if (segments.length === 0) return fail('has an empty name');
  return { ok: true, path: segments.join('/') };
}
