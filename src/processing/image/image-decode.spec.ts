import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { IMAGE_FIXTURES as IMAGES } from '../../../test/support/fixtures';
import { ProcessingError } from '../processing.error';
import { IMAGE_PIXEL_LIMIT, openImage } from './image-decode';

const HALF_ONE = 0x3c00;

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG whose IHDR claims `width`×`height` RGB pixels; it carries no real pixel data. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, adaptive filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0, 0, 0, 0, 1])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function exrAttribute(name: string, type: string, value: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(value.length);
  return Buffer.concat([Buffer.from(`${name}\0${type}\0`, 'latin1'), size, value]);
}

const int32s = (...values: number[]) => Buffer.from(Int32Array.from(values).buffer);
const float32s = (...values: number[]) => Buffer.from(Float32Array.from(values).buffer);

/**
 * An uncompressed scanline OpenEXR with half-float B, G, R channels. `rgb(y)` gives row y's colour
 * (0 or 1 per channel), y = 0 being the top row. `rows` limits how many scanlines are written.
 */
function exr(
  width: number,
  height: number,
  rgb: (y: number) => [number, number, number],
  rows = height,
): Buffer {
  const channel = (name: string) =>
    Buffer.concat([
      Buffer.from(`${name}\0`, 'latin1'),
      int32s(1),
      Buffer.from([0, 0, 0, 0]),
      int32s(1, 1),
    ]);
  const header = Buffer.concat([
    Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]),
    exrAttribute(
      'channels',
      'chlist',
      Buffer.concat([channel('B'), channel('G'), channel('R'), Buffer.from([0])]),
    ),
    exrAttribute('compression', 'compression', Buffer.from([0])),
    exrAttribute('dataWindow', 'box2i', int32s(0, 0, width - 1, height - 1)),
    exrAttribute('displayWindow', 'box2i', int32s(0, 0, width - 1, height - 1)),
    exrAttribute('lineOrder', 'lineOrder', Buffer.from([0])),
    exrAttribute('pixelAspectRatio', 'float', float32s(1)),
    exrAttribute('screenWindowCenter', 'v2f', float32s(0, 0)),
    exrAttribute('screenWindowWidth', 'float', float32s(1)),
    Buffer.from([0]),
  ]);
  const lineBytes = 8 + width * 3 * 2;
  const table = Buffer.alloc(height * 8);
  for (let y = 0; y < height; y++)
    table.writeBigUInt64LE(BigInt(header.length + table.length + y * lineBytes), y * 8);
  const lines = Array.from({ length: rows }, (_, y) => {
    const [r, g, b] = rgb(y);
    const halves = [b, g, r].flatMap((value) => Array<number>(width).fill(value ? HALF_ONE : 0));
    return Buffer.concat([int32s(y, width * 3 * 2), Buffer.from(Uint16Array.from(halves).buffer)]);
  });
  return Buffer.concat([header, table, ...lines]);
}

/** A flat-RGBE Radiance file; `rgb(y)` as for `exr`. */
function hdr(width: number, height: number, rgb: (y: number) => [number, number, number]): Buffer {
  const pixels = Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, () => [...rgb(y).map((c) => c * 255), 128]).flat(),
  ).flat();
  return Buffer.concat([
    Buffer.from(`#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`, 'latin1'),
    Buffer.from(pixels),
  ]);
}

async function rawPixels(
  path: string,
  filename: string,
): Promise<{ data: Buffer; width: number; channels: number }> {
  const image = await openImage(path, filename);
  const { data, info } = await image.pipeline().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, channels: info.channels };
}

function pixel(
  { data, width, channels }: { data: Buffer; width: number; channels: number },
  x: number,
  y: number,
): number[] {
  const start = (y * width + x) * channels;
  return [...data.subarray(start, start + channels)];
}

describe('openImage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-image-decode-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  };

  const rejection = async (promise: Promise<unknown>): Promise<ProcessingError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessingError);
    return error as ProcessingError;
  };

  it.each([
    [
      'CesiumLogoFlat.png',
      { format: 'png', width: 211, height: 211, channels: 3, hasAlpha: false, colorSpace: 'srgb' },
    ],
    [
      'Collada_Sample.jpg',
      {
        format: 'jpeg',
        width: 1024,
        height: 1024,
        channels: 3,
        hasAlpha: false,
        colorSpace: 'srgb',
      },
    ],
    [
      'duckCM.tga',
      { format: 'tga', width: 512, height: 512, channels: 3, hasAlpha: false, colorSpace: 'srgb' },
    ],
    [
      'UnitTests_runtime_float.tga',
      { format: 'tga', width: 256, height: 256, channels: 4, hasAlpha: true, colorSpace: 'srgb' },
    ],
    [
      'IndoorHDRI003_1K-HDR.exr',
      { format: 'exr', width: 1024, height: 512, channels: 4, hasAlpha: true, colorSpace: 'scrgb' },
    ],
  ])('opens %s', async (name, facts) => {
    const image = await openImage(join(IMAGES, name), name);
    expect(image).toMatchObject(facts);
    const { info } = await image.pipeline().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([
      facts.width,
      facts.height,
      facts.channels,
    ]);
  });

  it('puts the first stored row of a bottom-up TGA (duckCM.tga, origin bit clear) at the bottom', async () => {
    const file = await readFile(join(IMAGES, 'duckCM.tga'));
    const pixels = await rawPixels(join(IMAGES, 'duckCM.tga'), 'duckCM.tga');
    const stored = (x: number) => [file[18 + x * 3 + 2], file[18 + x * 3 + 1], file[18 + x * 3]]; // BGR
    for (const x of [0, 200, 511]) expect(pixel(pixels, x, 511)).toEqual(stored(x));
  });

  it('puts the first stored row of the 32-bit UnitTests_runtime_float.tga (origin bit clear too) at the bottom, alpha kept', async () => {
    const file = await readFile(join(IMAGES, 'UnitTests_runtime_float.tga'));
    expect(file[17] & 0x20).toBe(0);
    const pixels = await rawPixels(
      join(IMAGES, 'UnitTests_runtime_float.tga'),
      'UnitTests_runtime_float.tga',
    );
    const stored = (x: number) => [
      file[18 + x * 4 + 2],
      file[18 + x * 4 + 1],
      file[18 + x * 4],
      file[18 + x * 4 + 3],
    ]; // BGRA
    for (const x of [0, 128, 255]) expect(pixel(pixels, x, 255)).toEqual(stored(x));
  });

  it('honours the origin bit: a top-down TGA keeps its first stored row on top', async () => {
    const rows = [
      [0, 0, 255],
      [255, 0, 0],
    ]; // BGR: red, then blue
    const header = Buffer.from([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 24, 0x20]);
    const path = await write('topdown.tga', Buffer.concat([header, Buffer.from(rows.flat())]));
    const pixels = await rawPixels(path, 'topdown.tga');
    expect([pixel(pixels, 0, 0), pixel(pixels, 0, 1)]).toEqual([
      [255, 0, 0],
      [0, 0, 255],
    ]);
  });

  it('turns the bottom-up rows three returns for EXR right side up: a red top row stays on top', async () => {
    const path = await write(
      'rows.exr',
      exr(4, 3, (y) => (y === 0 ? [1, 0, 0] : y === 1 ? [0, 1, 0] : [0, 0, 1])),
    );
    const image = await openImage(path, 'rows.exr');
    expect(image).toMatchObject({
      format: 'exr',
      width: 4,
      height: 3,
      channels: 3,
      hasAlpha: false,
    });
    const pixels = await rawPixels(path, 'rows.exr');
    expect([pixel(pixels, 0, 0), pixel(pixels, 3, 1), pixel(pixels, 2, 2)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ]);
  });

  it('reads Radiance HDR top row first', async () => {
    const path = await write(
      'rows.hdr',
      hdr(3, 2, (y) => (y === 0 ? [1, 0, 0] : [0, 1, 0])),
    );
    const pixels = await rawPixels(path, 'rows.hdr');
    expect([pixel(pixels, 0, 0), pixel(pixels, 2, 1)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
    ]);
  });

  it('trusts the bytes over the name: a PNG named .tga opens as a PNG', async () => {
    const path = await write('logo.tga', await readFile(join(IMAGES, 'CesiumLogoFlat.png')));
    expect(await openImage(path, 'logo.tga')).toMatchObject({ format: 'png', width: 211 });
  });

  it('refuses a PNG whose IHDR claims 50000×50000 before decoding it', async () => {
    const path = await write('huge.png', pngClaiming(50000, 50000));
    const error = await rejection(openImage(path, 'huge.png'));
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'The image is 50000×50000 pixels (2,500,000,000 pixels); Kiln decodes images of at most 268,402,689 pixels (16383×16383). Scale it down and upload again.',
    );
  });

  it('refuses an EXR whose dataWindow is over the limit before three allocates anything', async () => {
    const path = await write('huge.exr', exr(50000, 50000, () => [1, 1, 1], 0).subarray(0, 400));
    const error = await rejection(openImage(path, 'huge.exr'));
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.message).toContain('50000×50000');
  });

  it('enforces a lower limit when given one', async () => {
    const error = await rejection(
      openImage(join(IMAGES, 'duckCM.tga'), 'duckCM.tga', { limitInputPixels: 512 * 511 }),
    );
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.message).toBe(
      'The image is 512×512 pixels (262,144 pixels); Kiln decodes images of at most 261,632 pixels. Scale it down and upload again.',
    );
  });

  it('uses 16383² as the default limit', () => {
    expect(IMAGE_PIXEL_LIMIT).toBe(268402689);
  });

  it('refuses random bytes named .png, naming the format the name claims', async () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    const error = await rejection(openImage(await write('photo.png', bytes), 'photo.png'));
    expect(error.code).toBe('IMAGE_CORRUPT');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'The file could not be decoded as a PNG image: its content is not PNG data, nor any other image format Kiln reads (PNG, JPEG, WebP, TIFF, GIF, AVIF, TGA, OpenEXR or Radiance HDR). Re-export it and upload again.',
    );
  });

  it('refuses an empty file', async () => {
    expect(
      (await rejection(openImage(await write('empty.png', Buffer.alloc(0)), 'empty.png'))).code,
    ).toBe('IMAGE_CORRUPT');
  });

  it('refuses formats libvips reads but Kiln does not take (SVG)', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
    );
    const error = await rejection(openImage(await write('icon.svg', svg), 'icon.svg'));
    expect(error.code).toBe('IMAGE_CORRUPT');
    expect(error.message).toMatch(/^The file is not an image Kiln can read/);
  });

  it.each([
    [
      'duckCM.tga',
      'The file could not be decoded as a TGA image: it is truncated, corrupt or a variant Kiln cannot read. Re-export it and upload again.',
    ],
    [
      'IndoorHDRI003_1K-HDR.exr',
      'The file could not be decoded as an OpenEXR image: it is truncated, corrupt or a variant Kiln cannot read. Re-export it and upload again.',
    ],
  ])('refuses %s truncated to half', async (name, message) => {
    const bytes = await readFile(join(IMAGES, name));
    const error = await rejection(
      openImage(await write(name, bytes.subarray(0, bytes.length >> 1)), name),
    );
    expect([error.code, error.message]).toEqual(['IMAGE_CORRUPT', message]);
  });

  it('refuses an uncompressed EXR missing its last scanlines', async () => {
    const path = await write(
      'cut.exr',
      exr(4, 3, () => [1, 1, 1], 2),
    );
    expect((await rejection(openImage(path, 'cut.exr'))).code).toBe('IMAGE_CORRUPT');
  });

  it('lets a missing input file through as a plain error (a storage problem, retried; not bad input)', async () => {
    await expect(openImage(join(dir, 'gone.png'), 'gone.png')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
