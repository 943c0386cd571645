import { DOMParser as XmlDomParser } from '@xmldom/xmldom';
import { resolveObjectURL } from 'node:buffer';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import type * as Three from 'three';
import { requireEsm } from '../../esm-require';

/**
 * The global object three's ES modules see. In the app it is `globalThis`; under jest, where
 * `requireEsm` loads three through Node's own require, it is Node's, not the test sandbox's.
 */
const threeGlobal = runInThisContext('globalThis') as typeof globalThis;

/** three's ES build: the copy the `examples/jsm` loaders import, so their classes are ours. */
export function threeModule(): typeof Three {
  return requireEsm<typeof Three>(join(dirname(require.resolve('three')), 'three.module.js'));
}

/** Where a texture a loader asked for comes from: what it passed to `load()`. */
export const TEXTURE_SOURCE = 'kilnTextureSource';

/**
 * A texture loader that loads nothing: it returns an empty three `Texture` recording the URL the
 * loader asked for (a file name, a `data:` URI or a `blob:` URL) in `userData[TEXTURE_SOURCE]`.
 * The model's loader then resolves and reads that itself, inside the asset's folder; three never
 * touches the file system or the network. Given to FBXLoader as a LoadingManager handler and to
 * ColladaComposer as its texture and TGA loaders.
 */
export function recordingTextureLoader(): Three.Loader<Three.Texture> {
  const three = threeModule();
  class RecordingTextureLoader extends three.Loader<Three.Texture> {
    override load(url: string): Three.Texture {
      const texture = new three.Texture();
      texture.userData[TEXTURE_SOURCE] = url;
      return texture;
    }
  }
  return new RecordingTextureLoader();
}

/** A LoadingManager whose every texture request goes to a recording loader. */
export function recordingLoadingManager(): Three.LoadingManager {
  const three = threeModule();
  const manager = new three.LoadingManager();
  manager.addHandler(/.*/, recordingTextureLoader());
  return manager;
}

/**
 * The bytes behind a `blob:` URL FBXLoader made for an embedded texture (`URL.createObjectURL`),
 * released afterwards.
 */
export async function readBlobUrl(url: string): Promise<Uint8Array | undefined> {
  const blob = resolveObjectURL(url);
  if (blob === undefined) return undefined;
  try {
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    threeGlobal.URL.revokeObjectURL(url);
  }
}

/**
 * ColladaParser calls `new DOMParser()` as a global, so one must exist where three runs: xmldom's,
 * set once per thread and only when there is none (Node has none). xmldom resolves no external
 * entities and reads no files. This is the only global the shims add.
 */
export function ensureDomParser(): void {
  if (typeof (threeGlobal as { DOMParser?: unknown }).DOMParser !== 'function') {
    // xmldom reports problems on the console unless told otherwise; a fatal one still throws.
    class QuietDomParser extends XmlDomParser {
      constructor() {
        super({ onError: () => undefined });
      }
    }
    Object.defineProperty(threeGlobal, 'DOMParser', {
      value: QuietDomParser,
      writable: true,
      configurable: true,
    });
  }
}

const CONSOLE_METHODS = ['log', 'info', 'debug', 'warn', 'error'] as const;

/**
 * Runs a synchronous three parse with its console chatter silenced (FBXLoader and ColladaLoader
 * log every Z-up file, every unknown property, every version). Safe because nothing else can run
 * while a synchronous call runs; the console is restored before returning.
 */
export function withQuietConsole<T>(parse: () => T): T {
  const console = threeGlobal.console;
  const saved = CONSOLE_METHODS.map((method) => console[method]);
  for (const method of CONSOLE_METHODS) console[method] = () => undefined;
  try {
    return parse();
  } finally {
    CONSOLE_METHODS.forEach((method, i) => (console[method] = saved[i]));
  }
}

/**
 * Runs a synchronous parse (quietly) and returns, with its result, every `blob:` URL it made.
 * FBXLoader makes one per embedded image, textures that use it or not; the caller revokes them all
 * (see `revokeObjectUrls`) so a long-lived worker thread keeps none of those bytes.
 */
export function withObjectUrlsRecorded<T>(parse: () => T): { result: T; objectUrls: string[] } {
  const url = threeGlobal.URL;
  const create = Object.getOwnPropertyDescriptor(url, 'createObjectURL');
  const objectUrls: string[] = [];
  Object.defineProperty(url, 'createObjectURL', {
    value: (blob: Blob) => {
      const made = (create!.value as (blob: Blob) => string)(blob);
      objectUrls.push(made);
      return made;
    },
    writable: true,
    configurable: true,
  });
  try {
    return { result: withQuietConsole(() => withWindowSize(parse)), objectUrls };
  } catch (error) {
    revokeObjectUrls(objectUrls);
    throw error;
  } finally {
    Object.defineProperty(url, 'createObjectURL', create!);
  }
}

/** Releases blob URLs made during a parse. */
export function revokeObjectUrls(urls: readonly string[]): void {
  for (const made of urls) threeGlobal.URL.revokeObjectURL(made);
}

/**
 * FBXLoader sizes a camera without an aspect ratio from `window.innerWidth/innerHeight`. A global
 * `window` must not outlive the parse: libraries (emscripten builds among them) take its presence
 * to mean a browser. So it exists only during this synchronous call, and only if none did before.
 */
function withWindowSize<T>(parse: () => T): T {
  const global = threeGlobal as { window?: unknown };
  if (global.window !== undefined) return parse();
  Object.defineProperty(threeGlobal, 'window', {
    value: { innerWidth: 1, innerHeight: 1 },
    writable: true,
    configurable: true,
  });
  try {
    return parse();
  } finally {
    delete global.window;
  }
}
