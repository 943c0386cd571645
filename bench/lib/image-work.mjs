/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// The image work of Kiln's pipeline done with bare sharp, and the test images.
//
// processTask() repeats what the build's image pipeline (src/processing/image/*) does for a
// `process` task, call for call, with the same sharp options and the same encoder settings, which
// are read from dist/ so the baseline cannot drift from the app:
// - builds with decodeOnce() (since de098d0): the header is read once, a PNG/TIFF/GIF/AVIF of at
//   most SHARED_DECODE_MAX_PIXELS is decoded once into 8-bit sRGB pixels in memory, and the three
//   steps (inspect, render, variants) each run one pipeline over that copy — one after another,
//   or all at once when the compiled pipeline runs them with Promise.all/allSettled (d58722c);
//   when the build exports sharedDecodeSide() (issue 11 perf), that decode is shrunk while it
//   decodes to the largest side the steps make (2048 for a `process` task), as the build does;
// - older builds: each step opens the file again (metadata(), then one pipeline that decodes it).
// The strategy found is in the results (`strategy`), so a later change of the app shows.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT, requireFromRepo } from './env.mjs';

/** Encoder and sampling settings, and the decode strategy, as the build's step defaults say. */
export function loadImageSettings() {
  const dist = (path) => requireFromRepo(`./dist/processing/image/${path}`);
  const decode = dist('image-decode.js');
  const { IMAGE_INSPECT_DEFAULTS } = dist('image.inspect.js');
  const { IMAGE_RENDER_DEFAULTS } = dist('image.render.js');
  const { IMAGE_VARIANTS_DEFAULTS } = dist('image.variants.js');
  const { STEP_OPTION_SCHEMAS } = requireFromRepo('./dist/processing/step-options.js');
  const pipelineJs = join(REPO_ROOT, 'dist', 'processing', 'image', 'image.pipeline.js');
  const sharedDecode = typeof decode.decodeOnce === 'function';
  const pipeline = existsSync(pipelineJs) ? dist('image.pipeline.js') : {};
  const decodeSide =
    typeof pipeline.sharedDecodeSide === 'function'
      ? pipeline.sharedDecodeSide(['inspect', 'render', 'variants'], {})
      : undefined;
  const concurrentSteps =
    sharedDecode &&
    existsSync(pipelineJs) &&
    /Promise\.all(Settled)?\(/.test(readFileSync(pipelineJs, 'utf8'));
  return {
    strategy: !sharedDecode
      ? 'a decode per step'
      : concurrentSteps
        ? `one shared decode${decodeSide ? ` shrunk to ≤${decodeSide}` : ''}, then the steps at once`
        : 'one shared decode, then the steps one after another',
    decodeSide,
    concurrentSteps,
    pixelLimit: decode.IMAGE_PIXEL_LIMIT,
    sampleSize: IMAGE_INSPECT_DEFAULTS.dominantSampleSize,
    thumbSize: STEP_OPTION_SCHEMAS.render.size.default,
    pngCompressionLevel: IMAGE_RENDER_DEFAULTS.compressionLevel,
    previewMaxSize: STEP_OPTION_SCHEMAS.variants.maxSize.default,
    webpQuality: IMAGE_VARIANTS_DEFAULTS.quality,
    webpEffort: IMAGE_VARIANTS_DEFAULTS.effort,
    sharedDecode,
    sharedDecodeMaxPixels: decode.SHARED_DECODE_MAX_PIXELS ?? 0,
  };
}

/** image-decode.ts' DECODE_ONCE_FORMATS (not exported): formats without shrink-on-load. */
const DECODE_ONCE_FORMATS = new Set(['png', 'tiff', 'gif', 'avif']);

const sharpOptions = (s) => ({
  limitInputPixels: s.pixelLimit,
  failOn: 'error',
  autoOrient: true,
  sequentialRead: true,
});

const INSIDE = { fit: 'inside', withoutEnlargement: true };

async function atomically(workDir, name, write) {
  const final = join(workDir, name);
  const temp = join(workDir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  await write(temp);
  await rename(temp, final);
  return final;
}

/** openImage(): the header (and, in the build, the first bytes for sniffing). */
async function openImage(input, s) {
  const options = sharpOptions(s);
  const meta = await sharp(input, options).metadata();
  const format =
    meta.format === 'heif' ? (meta.compression === 'av1' ? 'avif' : 'heif') : meta.format;
  return { meta, format, pipeline: () => sharp(input, options) };
}

/** decodeOnce(): 8-bit sRGB pixels in memory (shrunk to s.decodeSide, as the build), for the steps to share. */
async function decodeOnce(image, s) {
  const { meta, format } = image;
  if (!DECODE_ONCE_FORMATS.has(format) || meta.width * meta.height > s.sharedDecodeMaxPixels) {
    return image;
  }
  const pipeline = image.pipeline();
  if (s.decodeSide && Math.max(meta.autoOrient.width, meta.autoOrient.height) > s.decodeSide)
    pipeline.resize(s.decodeSide, s.decodeSide, INSIDE);
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return { ...image, pipeline: () => sharp(data, { ...sharpOptions(s), raw }) };
}

/** inspect: a ≤256² sRGB raw copy, stats() of that copy (dominant colour), metadata.json. */
async function inspect(image, workDir, s) {
  const { meta } = image;
  const sample = await image
    .pipeline()
    .resize(s.sampleSize, s.sampleSize, INSIDE)
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = sample.info;
  const { dominant } = await sharp(sample.data, {
    ...sharpOptions(s),
    raw: { width, height, channels },
  }).stats();
  const hex = [dominant.r, dominant.g, dominant.b].map((c) => c.toString(16).padStart(2, '0'));
  const metadata = {
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    channels: meta.channels,
    colorSpace: meta.space,
    hasAlpha: meta.hasAlpha,
    dominantColor: `#${hex.join('')}`,
    format: image.format,
  };
  await atomically(workDir, 'metadata.json', (temp) =>
    writeFile(temp, `${JSON.stringify(metadata, null, 2)}\n`),
  );
}

/** render: thumbnail.png, long side 512, 8-bit sRGB, zlib level 6. */
async function render(image, workDir, s) {
  await atomically(workDir, 'thumbnail.png', (temp) =>
    image
      .pipeline()
      .resize(s.thumbSize, s.thumbSize, INSIDE)
      .toColourspace('srgb')
      .png({ compressionLevel: s.pngCompressionLevel })
      .toFile(temp),
  );
}

/** variants: preview.webp, long side ≤ 2048, quality 80, effort 4. */
async function variants(image, workDir, s) {
  await atomically(workDir, 'preview.webp', (temp) =>
    image
      .pipeline()
      .resize(s.previewMaxSize, s.previewMaxSize, INSIDE)
      .webp({ quality: s.webpQuality, effort: s.webpEffort })
      .toFile(temp),
  );
}

const STEP_FUNCTIONS = { inspect, render, variants };
export const STEP_NAMES = Object.keys(STEP_FUNCTIONS);

/** One step on its own, opening the file itself (a single-step task; older builds' every step). */
export async function runStep(step, input, workDir, s) {
  await STEP_FUNCTIONS[step](await openImage(input, s), workDir, s);
}

/**
 * A `process` task as the build runs it: open (and decode once) for all steps when the build
 * shares a decode, else each step on its own. ms per phase and in all.
 */
export async function processTask(input, workDir, s) {
  const ms = {};
  const t0 = performance.now();
  let t = t0;
  const lap = (name) => {
    const now = performance.now();
    ms[name] = now - t;
    t = now;
  };
  if (s.sharedDecode && s.concurrentSteps) {
    const image = await decodeOnce(await openImage(input, s), s);
    lap('decode');
    await Promise.all(STEP_NAMES.map((step) => STEP_FUNCTIONS[step](image, workDir, s)));
    lap('steps at once');
  } else if (s.sharedDecode) {
    const image = await decodeOnce(await openImage(input, s), s);
    lap('decode');
    for (const step of STEP_NAMES) {
      await STEP_FUNCTIONS[step](image, workDir, s);
      lap(step);
    }
  } else {
    for (const step of STEP_NAMES) {
      await runStep(step, input, workDir, s);
      lap(step);
    }
  }
  return { totalMs: t - t0, stepMs: ms, strategy: s.strategy };
}

/**
 * For comparison only (not what Kiln does): the same three outputs from ONE decode that first
 * shrinks to the largest output (≤2048); the thumbnail and the stats sample are made from that
 * smaller copy, scheduled like the build's steps (at once, or one after another).
 */
export async function processOneDecode(input, workDir, s) {
  const options = sharpOptions(s);
  const t0 = performance.now();
  const meta = await sharp(input, options).metadata();
  const { data, info } = await sharp(input, options)
    .resize(s.previewMaxSize, s.previewMaxSize, INSIDE)
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const image = { meta, format: meta.format, pipeline: () => sharp(data, { ...options, ...raw }) };
  if (s.concurrentSteps) {
    await Promise.all([inspect, render, variants].map((step) => step(image, workDir, s)));
  } else {
    await inspect(image, workDir, s);
    await render(image, workDir, s);
    await variants(image, workDir, s);
  }
  return { totalMs: performance.now() - t0 };
}

/**
 * A deterministic RGB PNG of `size`²: a colour gradient plus uniform noise of ±amp/2 (a fixed
 * PRNG), PNG with adaptive filtering, so it neither compresses to nothing nor is pure noise.
 */
export async function generatePng(path, size, { amp = 32, seed = 12345 } = {}) {
  const channels = 3;
  const pixels = Buffer.alloc(size * size * channels);
  let state = seed >>> 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * channels;
      const gradient = [(x * 255) / size, (y * 255) / size, ((x + y) * 255) / (2 * size)];
      for (let c = 0; c < channels; c++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const noise = (((state >>> 16) & 0xff) * amp) / 256 - amp / 2;
        pixels[i + c] = Math.max(0, Math.min(255, Math.round(gradient[c] + noise)));
      }
    }
  }
  await sharp(pixels, { raw: { width: size, height: size, channels } })
    .png({ adaptiveFiltering: true })
    .toFile(path);
  const bytes = readFileSync(path);
  return {
    path,
    width: size,
    height: size,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export async function describeImage(path) {
  const bytes = readFileSync(path);
  const meta = await sharp(bytes).metadata();
  return {
    path,
    width: meta.width,
    height: meta.height,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
