import { open, readFile } from 'node:fs/promises';
import SevenZip, { type SevenZipModule } from '7z-wasm';
import { checkSevenZipHeader } from './seven-zip-header';
import { substanceParseFailed, substanceTooLarge } from './substance-errors';

/** What Kiln accepts of an .sbsar before extracting anything from it. */
export interface SbsarLimits {
  /** Entries (files and folders) the archive may list. */
  maxEntries: number;
  /** Sum of the uncompressed sizes the archive declares for its files. */
  maxBytes: number;
  /** The 7z end header (the listing itself), which 7-Zip reads whole. */
  maxHeaderBytes: number;
}

/**
 * Real .sbsar files hold 2 to a few dozen entries and tens of MB once unpacked (the compiled
 * graph, its manifest, an icon, sometimes embedded bitmaps); these leave room for large ones and
 * keep a bomb from filling a worker's memory. Constants like the image pixel limit (see
 * docs/decisions.md, "Substance archives").
 */
export const SBSAR_LIMITS: Readonly<SbsarLimits> = {
  maxEntries: 1000,
  maxBytes: 512 * 1024 ** 2,
  maxHeaderBytes: 4 * 1024 ** 2,
};

/** One file of the archive, as its header declares it. */
export interface SbsarEntry {
  /** `/`-separated path inside the archive. */
  path: string;
  /** Uncompressed size, as declared (7-Zip stops decoding a file at this size). */
  bytes: number;
}

/** An .sbsar whose listing passed the limits; its files are extracted on demand, in memory. */
export interface SbsarArchive {
  /** The files (not folders) it lists, in archive order. */
  entries: readonly SbsarEntry[];
  /** Extracts the named entries (paths from `entries`) and answers their bytes, by path. */
  extract(paths: readonly string[]): Map<string, Uint8Array>;
}

const ARCHIVE = '/archive.sbsar';
const OUT = '/out';

/**
 * Opens an .sbsar for reading, in the order a hostile archive needs: the 7z framing is checked
 * first (`checkSevenZipHeader`: a truncated or garbage file stops here), then 7-Zip (compiled to
 * WebAssembly, with an in-memory file system: nothing it does reaches the disk) lists the entries,
 * and the count and declared sizes are checked against `limits` before a byte is decompressed.
 * Only the 7z format is tried (`-t7z`): a zip or rar renamed .sbsar is refused.
 * Throws `SUBSTANCE_PARSE_FAILED` or `SUBSTANCE_TOO_LARGE`.
 */
export async function openSbsar(
  path: string,
  limits: Readonly<SbsarLimits> = SBSAR_LIMITS,
): Promise<SbsarArchive> {
  const file = await open(path, 'r');
  let bytes: Buffer;
  try {
    const { size } = await file.stat();
    await checkSevenZipHeader(
      async (position, length) => {
        const chunk = Buffer.alloc(length);
        const { bytesRead } = await file.read(chunk, 0, length, position);
        return chunk.subarray(0, bytesRead);
      },
      size,
      limits.maxHeaderBytes,
    );
    bytes = await file.readFile();
  } finally {
    await file.close();
  }

  const sevenZip = await loadSevenZip();
  sevenZip.module.FS.writeFile(ARCHIVE, bytes);
  const listing = sevenZip.run(['l', '-slt', '-t7z', '-p', ARCHIVE]);
  if (listing.code !== 0)
    throw substanceParseFailed(`7-Zip cannot list the archive: ${lastError(listing.errors)}`);
  const listed = parseListing(listing.lines);
  if (listed.length > limits.maxEntries)
    throw substanceTooLarge(
      `The archive lists ${listed.length} entries, over the ${limits.maxEntries} Kiln accepts.`,
    );
  if (listed.some((entry) => entry.encrypted))
    throw substanceParseFailed('The archive is encrypted.');
  const entries = listed
    .filter((entry) => !entry.folder)
    .map(({ path, bytes }) => ({ path, bytes }));
  const declared = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  if (declared > limits.maxBytes)
    throw substanceTooLarge(
      `The archive unpacks to ${declared} bytes, over the ${limits.maxBytes} Kiln accepts.`,
    );

  return {
    entries,
    extract(paths) {
      const known = new Set(entries.map((entry) => entry.path));
      const unknown = paths.find((wanted) => !known.has(wanted));
      if (unknown !== undefined) throw new Error(`"${unknown}" is not an entry of the archive`);
      // -spd: the names are names, not wildcards; -p: an encrypted entry fails, never prompts.
      const run = sevenZip.run([
        'x',
        '-t7z',
        '-p',
        '-spd',
        '-y',
        '-bso0',
        '-bsp0',
        `-o${OUT}`,
        ARCHIVE,
        ...paths,
      ]);
      if (run.code !== 0)
        throw substanceParseFailed(
          `7-Zip cannot extract ${paths.join(', ')}: ${lastError(run.errors)}`,
        );
      return new Map(paths.map((entry) => [entry, sevenZip.module.FS.readFile(`${OUT}/${entry}`)]));
    },
  };
}

interface ListedEntry extends SbsarEntry {
  folder: boolean;
  encrypted: boolean;
}

/**
 * Reads `7z l -slt`: a block of `Key = value` lines for the archive, a `----------` line, then one
 * block per entry, blocks separated by blank lines.
 */
export function parseListing(lines: readonly string[]): ListedEntry[] {
  const start = lines.indexOf('----------');
  if (start < 0) throw substanceParseFailed('7-Zip listed no entries.');
  const entries: ListedEntry[] = [];
  let block = new Map<string, string>();
  const flush = () => {
    const path = block.get('Path');
    if (path !== undefined) {
      const bytes = Number(block.get('Size') ?? '0');
      entries.push({
        path: path.replaceAll('\\', '/'),
        bytes: Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : Number.MAX_SAFE_INTEGER,
        folder: block.get('Folder') === '+' || (block.get('Attributes') ?? '').startsWith('D'),
        encrypted: block.get('Encrypted') === '+',
      });
    }
    block = new Map();
  };
  for (const line of lines.slice(start + 1)) {
    if (line === '') {
      flush();
      continue;
    }
    const at = line.indexOf(' = ');
    if (at > 0) block.set(line.slice(0, at), line.slice(at + 3));
  }
  flush();
  return entries;
}

interface SevenZipRun {
  code: number;
  lines: string[];
  errors: string[];
}

interface LoadedSevenZip {
  module: SevenZipModule;
  run(args: readonly string[]): SevenZipRun;
}

/**
 * The part of the WebAssembly API used here: the project's `lib` (ES2023, no DOM) and
 * @types/node 20 do not declare the global. A compiled module and an instance stay opaque.
 */
interface WebAssemblyApi {
  compile(code: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}
type WasmModule = { readonly __wasmModule: unique symbol };
type WasmInstance = { readonly __wasmInstance: unique symbol };
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

/** Emscripten's hook for making the instance from code compiled elsewhere (absent from 7z-wasm's types). */
type InstantiateWasm = (
  imports: object,
  receive: (instance: WasmInstance, module: WasmModule) => void,
) => object;

/** 7-Zip's WebAssembly code (1.6 MB), compiled once per thread: compiling it is most of an instance's cost. */
let compiledSevenZip: Promise<WasmModule> | undefined;

/**
 * A fresh 7-Zip instance (its own memory and file system) per archive, so nothing of one upload
 * is left for the next; the compiled code is shared. It prints into arrays that each `run` reads
 * and empties.
 */
async function loadSevenZip(): Promise<LoadedSevenZip> {
  compiledSevenZip ??= readFile(require.resolve('7z-wasm/7zz.wasm')).then((code) =>
    wasm.compile(code),
  );
  const code = await compiledSevenZip;
  let lines: string[] = [];
  let errors: string[] = [];
  let instantiateFailed: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (instantiateFailed = reject));
  const instantiateWasm: InstantiateWasm = (imports, receive) => {
    wasm.instantiate(code, imports).then((instance) => receive(instance, code), instantiateFailed);
    return {}; // asynchronous: Emscripten waits for `receive`
  };
  const module = await Promise.race([
    SevenZip({
      print: (line) => lines.push(line),
      printErr: (line) => errors.push(line),
      stdin: () => null as unknown as number, // end of input: a password prompt reads nothing
      ...({ instantiateWasm } as object),
    }),
    failed, // Emscripten would wait for `receive` forever
  ]);
  return {
    module,
    run(args) {
      lines = [];
      errors = [];
      try {
        const exit = module.callMain([...args]) as unknown as number | undefined;
        return { code: exit ?? 0, lines, errors };
      } catch {
        // A C++ exception 7-Zip did not catch reaches here as a bare number (an encrypted
        // header with no password does): the run failed, and this instance is not used again.
        return { code: -1, lines, errors: [...errors, '7-Zip stopped on an internal error'] };
      }
    },
  };
}

function lastError(errors: readonly string[]): string {
  const meaningful = errors.map((line) => line.trim()).filter((line) => line.length > 0);
  return meaningful.length > 0 ? meaningful.slice(-2).join(' ') : 'unreadable archive';
}
