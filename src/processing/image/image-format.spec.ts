import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_FIXTURES as IMAGES } from '../../../test/support/fixtures';
import {
  ImageHeaderError,
  formatFromFilename,
  readExrHeader,
  readHdrHeader,
  readTgaHeader,
} from './image-format';

const fixture = (name: string) => readFileSync(join(IMAGES, name));

/** A Radiance file with flat (not run-length encoded) RGBE pixels: widths under 8 are always flat. */
function flatHdr(width: number, height: number, rgbe: number[]): Buffer {
  const header = Buffer.from(
    `#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`,
    'latin1',
  );
  return Buffer.concat([
    header,
    Buffer.from(Array.from({ length: width * height }, () => rgbe).flat()),
  ]);
}

describe('readTgaHeader', () => {
  it('reads the 512×512 24-bit duckCM.tga as 3 channels', () => {
    expect(readTgaHeader(fixture('duckCM.tga'))).toEqual({
      format: 'tga',
      width: 512,
      height: 512,
      channels: 3,
    });
  });

  it('reads the 256×256 32-bit UnitTests_runtime_float.tga as 4 channels', () => {
    expect(readTgaHeader(fixture('UnitTests_runtime_float.tga'))).toEqual({
      format: 'tga',
      width: 256,
      height: 256,
      channels: 4,
    });
  });

  it('refuses a TGA cut short of the pixels its header promises', () => {
    const tga = fixture('duckCM.tga');
    const pixelsEnd = 18 + 512 * 512 * 3; // a 26-byte TGA 2.0 footer follows
    expect(readTgaHeader(tga.subarray(0, pixelsEnd)).width).toBe(512);
    expect(() => readTgaHeader(tga.subarray(0, pixelsEnd - 1))).toThrow(ImageHeaderError);
    expect(() => readTgaHeader(tga.subarray(0, tga.length >> 1))).toThrow(ImageHeaderError);
  });

  it('walks run-length packets and refuses a truncated RLE TGA', () => {
    // 4×1 RLE true-colour: one run packet of 3 pixels, one raw packet of 1 pixel.
    const header = Buffer.from([0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 24, 0]);
    const packets = Buffer.from([0x82, 1, 2, 3, 0x00, 4, 5, 6]);
    expect(readTgaHeader(Buffer.concat([header, packets]))).toEqual({
      format: 'tga',
      width: 4,
      height: 1,
      channels: 3,
    });
    expect(() => readTgaHeader(Buffer.concat([header, packets.subarray(0, 6)]))).toThrow(
      ImageHeaderError,
    );
  });

  it('says 1 channel for 8-bit grey and 2 for 16-bit grey', () => {
    const grey = (depth: number) =>
      Buffer.concat([
        Buffer.from([0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, depth, 0]),
        Buffer.alloc(depth / 8),
      ]);
    expect(readTgaHeader(grey(8)).channels).toBe(1);
    expect(readTgaHeader(grey(16)).channels).toBe(2);
  });
});

describe('readExrHeader', () => {
  it('reads the size from dataWindow and sees the alpha channel of the 1024×512 HDRI', () => {
    expect(readExrHeader(fixture('IndoorHDRI003_1K-HDR.exr'))).toEqual({
      format: 'exr',
      width: 1024,
      height: 512,
      channels: 4,
    });
  });

  it('refuses a header cut in the middle', () => {
    expect(() => readExrHeader(fixture('IndoorHDRI003_1K-HDR.exr').subarray(0, 100))).toThrow(
      ImageHeaderError,
    );
  });
});

describe('readHdrHeader', () => {
  it('reads the size line of a Radiance file', () => {
    expect(readHdrHeader(flatHdr(3, 2, [255, 0, 0, 128]))).toEqual({
      format: 'hdr',
      width: 3,
      height: 2,
      channels: 3,
    });
  });

  it('refuses a file missing pixels, and orientations three cannot read', () => {
    const hdr = flatHdr(3, 2, [255, 0, 0, 128]);
    expect(() => readHdrHeader(hdr.subarray(0, hdr.length - 4))).toThrow(ImageHeaderError);
    expect(() =>
      readHdrHeader(
        Buffer.from(
          '#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n+Y 2 +X 3\n' + '\0'.repeat(24),
          'latin1',
        ),
      ),
    ).toThrow(ImageHeaderError);
  });

  it('walks new-style RLE scanlines and refuses a truncated one', () => {
    const width = 8;
    const scanline = [
      2,
      2,
      0,
      width,
      ...[0, 1, 2, 3].flatMap((channel) => [128 + width, channel === 3 ? 128 : 200]),
    ];
    const hdr = Buffer.concat([
      Buffer.from(`#?RGBE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X ${width}\n`, 'latin1'),
      Buffer.from([...scanline, ...scanline]),
    ]);
    expect(readHdrHeader(hdr)).toEqual({ format: 'hdr', width, height: 2, channels: 3 });
    expect(() => readHdrHeader(hdr.subarray(0, hdr.length - 1))).toThrow(ImageHeaderError);
  });
});

describe('formatFromFilename', () => {
  it('maps extensions, case-insensitively', () => {
    expect(formatFromFilename('a.JPG')).toBe('jpeg');
    expect(formatFromFilename('a.tif')).toBe('tiff');
    expect(formatFromFilename('archive.tar.exr')).toBe('exr');
    expect(formatFromFilename('noextension')).toBeUndefined();
    expect(formatFromFilename('model.obj')).toBeUndefined();
  });
});
