import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../../../test/support/fixtures';
import { writeSevenZip } from '../../../test/support/seven-zip-writer';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { ProcessingError } from '../processing.error';
import type { StepContext, StepRequest } from '../step.types';
import { openSbsar, SBSAR_LIMITS } from './sbsar-archive';
import { inspectSubstance, renderSubstance, type SubstanceMetadata } from './substance.steps';

const SUBSTANCE = join(FIXTURES, 'substance');
const ctx: StepContext = { signal: new AbortController().signal, progress: () => undefined };

describe('Substance steps', () => {
  const ws = useStepWorkspace('kiln-substance-');
  const request = (inputPath: string, step: 'inspect' | 'render' = 'inspect', options = {}) =>
    ({ kind: 'substance', step, ...ws.folders(inputPath), options }) satisfies StepRequest;
  const inspect = async (inputPath: string) => {
    const result = await inspectSubstance(request(inputPath), ctx);
    const written = JSON.parse(await readFile(result.outputs[0].path, 'utf8')) as SubstanceMetadata;
    return { result, written };
  };
  /** Writes a made-up input beside (not in) the work dir. */
  const input = async (name: string, bytes: Uint8Array) => {
    await writeFile(join(ws.root, name), bytes);
    return join(ws.root, name);
  };
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProcessingError);
    const { code, message } = error as ProcessingError;
    return { code, message };
  };

  describe('inspect', () => {
    it('describes CardBoard.sbsar whole: its graph, inputs, outputs and presets', async () => {
      const { result, written } = await inspect(join(SUBSTANCE, 'CardBoard.sbsar'));
      expect(result.outputs.map(({ name, contentType }) => ({ name, contentType }))).toEqual([
        { name: 'metadata.json', contentType: 'application/json' },
      ]);
      const unsized = { min: null, max: null, step: null, widget: null, label: null, group: null };
      const rgba8 = { code: 0, channels: 'RGBA', bitDepth: 8, float: false };
      const rgba16 = { code: 16, channels: 'RGBA', bitDepth: 16, float: false };
      const l8 = { code: 12, channels: 'L', bitDepth: 8, float: false };
      const l16 = { code: 28, channels: 'L', bitDepth: 16, float: false };
      const size = { width: 256, height: 256 };
      expect(written).toEqual({
        format: 'sbsar',
        formatVersion: '2.1',
        entries: [
          { path: 'assemblies/content/0000/CardBoard.sbsasm', bytes: 70516 },
          { path: 'assemblies/content/0000/CardBoard.xml', bytes: 3968 },
        ],
        graphs: [
          {
            label: 'CardBoard',
            packageUrl: 'pkg://CardBoard',
            category: 'Paper',
            keywords: [],
            author: null,
            physicalSize: null,
            icon: null,
            inputs: [
              { identifier: '$outputsize', type: 'integer2', default: [8, 8], ...unsized },
              { identifier: '$randomseed', type: 'integer', default: 0, ...unsized },
              {
                identifier: 'cardboard_color',
                type: 'float3',
                default: [0.588907, 0.464103, 0.323705],
                ...unsized,
                widget: 'color',
                label: 'Cardboard Color',
                group: 'Advanced parameters',
              },
              {
                identifier: 'tearing',
                type: 'float',
                default: 0.25,
                min: 0,
                max: 1,
                step: 0.01,
                widget: 'slider',
                label: 'Tearing',
                group: 'Advanced parameters',
              },
            ],
            outputs: [
              {
                identifier: 'basecolor',
                label: 'Base Color',
                usage: ['baseColor'],
                format: rgba8,
                size,
              },
              { identifier: 'normal', label: 'Normal', usage: ['normal'], format: rgba16, size },
              {
                identifier: 'roughness',
                label: 'Roughness',
                usage: ['roughness'],
                format: l8,
                size,
              },
              { identifier: 'metallic', label: 'Metallic', usage: ['metallic'], format: l8, size },
              { identifier: 'height', label: 'Height', usage: ['height'], format: l16, size },
              {
                identifier: 'ambientocclusion',
                label: 'Ambient Occlusion',
                usage: ['ambientOcclusion'],
                format: l16,
                size,
              },
            ],
            presets: [
              {
                label: 'White',
                values: [
                  { identifier: 'cardboard_color', value: [0.62069, 0.588234, 0.551724] },
                  { identifier: 'tearing', value: 0.13 },
                ],
              },
              {
                label: 'Torn',
                values: [
                  { identifier: 'cardboard_color', value: [0.588907, 0.464103, 0.323705] },
                  { identifier: 'tearing', value: 0.71 },
                ],
              },
            ],
          },
        ],
      });
      expect(result.metadata).toEqual({
        format: 'sbsar',
        graphs: [
          {
            label: 'CardBoard',
            packageUrl: 'pkg://CardBoard',
            category: 'Paper',
            inputs: 4,
            outputs: ['baseColor', 'normal', 'roughness', 'metallic', 'height', 'ambientOcclusion'],
            presets: 2,
          },
        ],
      });
    });

    it("reads natural_lambskin_leather.sbsar's keywords, author, physical size, icon, combo boxes and presets", async () => {
      const { written } = await inspect(join(SUBSTANCE, 'natural_lambskin_leather.sbsar'));
      expect(written.entries).toEqual([
        { path: 'assemblies/content/0000/natural_lambskin_leather.sbsasm', bytes: 451884 },
        { path: 'assemblies/content/0000/natural_lambskin_leather.xml', bytes: 21599 },
        { path: 'assemblies/content/0000/icon1394950276.png', bytes: 291280 },
      ]);
      const [graph] = written.graphs;
      expect(written.graphs).toHaveLength(1);
      expect({ ...graph, inputs: undefined, outputs: undefined, presets: undefined }).toEqual({
        label: 'Natural Lambskin Leather',
        packageUrl: 'pkg://natural_lambskin_leather',
        category: 'Leather',
        keywords: ['leather', 'organic', 'animal', 'skin'],
        author: 'Adobe',
        physicalSize: [25, 25, 0.05],
        icon: 'icon1394950276.png',
      });
      expect(graph.inputs).toHaveLength(27);
      expect(graph.inputs.find((item) => item.identifier === 'lambskin_color_variation')).toEqual({
        identifier: 'lambskin_color_variation',
        type: 'float',
        default: 0.6,
        min: 0,
        max: 1,
        step: 0.01,
        widget: 'slider',
        label: 'Lambskin Color Variation',
        group: null,
      });
      expect(graph.inputs.find((item) => item.identifier === 'grain_scale')).toEqual({
        identifier: 'grain_scale',
        type: 'integer',
        default: 2,
        min: null,
        max: null,
        step: null,
        widget: 'combobox',
        label: 'Grain Scale',
        group: null,
        choices: [
          { value: 1, label: 'Large' },
          { value: 2, label: 'Medium' },
          { value: 3, label: 'Small' },
        ],
      });
      expect(graph.inputs.filter((item) => item.widget === 'togglebutton')).toHaveLength(9);
      expect(
        graph.outputs.map((output) => [output.identifier, output.usage, output.format.code]),
      ).toEqual([
        ['diffuse', ['diffuse'], 16],
        ['basecolor', ['baseColor'], 0],
        ['normal', ['normal'], 16],
        ['specular', ['specular'], 16],
        ['glossiness', ['glossiness'], 28],
        ['roughness', ['roughness'], 12],
        ['metallic', ['metallic'], 12],
        ['height', ['height'], 28],
        ['ambientocclusion', ['ambientOcclusion'], 28],
      ]);
      expect(graph.presets.map((preset) => [preset.label, preset.values.length])).toEqual([
        ['Brown Leather', 25],
        ['Gray Leather', 25],
        ['Smooth Beige Leather', 25],
      ]);
      expect(graph.presets[0].values.slice(0, 2)).toEqual([
        { identifier: 'lambskin_color', value: [0.247126, 0.213473, 0.189319] },
        { identifier: 'lambskin_color_variation', value: 0.75 },
      ]);
    });

    it.each([
      ['Tapestry.sbsar', 'Tapestry', 'pkg://Tapestry', 'Chris Ingerson', 12, 5],
      ['WallBricks.sbsar', 'Wall Bricks', 'pkg://WallBricks', 'Chris Ingerson', 11, 4],
      ['TestSubstance.sbsar', 'Test Substance', 'pkg://TestSubstance', 'Chris Ingerson', 21, 4],
      ['EmptyTest.sbsar', 'EmptyTest', 'pkg://EmptyTest', 'Chris Ingerson', 2, 4],
    ])(
      'reads %s: label %s, url %s, author %s, %d inputs, %d outputs',
      async (name, label, url, author, inputs, outputs) => {
        const { written } = await inspect(join(SUBSTANCE, name));
        const [graph] = written.graphs;
        expect([
          graph.label,
          graph.packageUrl,
          graph.author,
          graph.inputs.length,
          graph.outputs.length,
        ]).toEqual([label, url, author, inputs, outputs]);
      },
    );
  });

  describe('hostile archives', () => {
    const cardboard = () => readFile(join(SUBSTANCE, 'CardBoard.sbsar'));

    it.each([
      [
        'the first half of CardBoard.sbsar',
        async () => (await cardboard()).subarray(0, 7665),
        /truncated: its header ends at byte 15331, the file has 7665/,
      ],
      [
        'CardBoard.sbsar less its last byte',
        async () => (await cardboard()).subarray(0, 15330),
        /truncated/,
      ],
      [
        '4 KB of garbage',
        () => Promise.resolve(Buffer.alloc(4096, 0x5a)),
        /not a 7z archive \(wrong magic\)/,
      ],
      [
        'the 7z magic then garbage',
        async () => Buffer.concat([(await cardboard()).subarray(0, 6), Buffer.alloc(4096, 0x5a)]),
        /not one Kiln reads|corrupt/,
      ],
      [
        'CardBoard.sbsar with its end header scrambled',
        async () => {
          const bytes = Buffer.from(await cardboard());
          bytes.fill(0x33, bytes.length - 100);
          return bytes;
        },
        /header is corrupt \(CRC mismatch\)/,
      ],
      [
        'a 7z with no manifest',
        () => writeSevenZip({ 'readme.txt': 'hello' }),
        /holds no Substance manifest/,
      ],
      [
        'a 7z whose manifest is not XML',
        () => writeSevenZip({ 'a/a.xml': '<sbsdescription><graphs>' }),
        /not well-formed XML/,
      ],
      [
        'a manifest that declares and uses an entity',
        () =>
          writeSevenZip({
            'a/a.xml':
              '<?xml version="1.0"?><!DOCTYPE sbsdescription [<!ENTITY x "boom">]><sbsdescription><graphs><graph label="&x;"/></graphs></sbsdescription>',
          }),
        /not well-formed XML: entity not found:&x;/,
      ],
      [
        'a manifest that refers to an external entity',
        () =>
          writeSevenZip({
            'a/a.xml':
              '<?xml version="1.0"?><!DOCTYPE sbsdescription [<!ENTITY e SYSTEM "file:///etc/passwd">]><sbsdescription><graphs><graph label="&e;"/></graphs></sbsdescription>',
          }),
        /entity not found:&e;/,
      ],
      [
        'an archive with encrypted entries',
        () => writeSevenZip({ 'a/a.xml': '<sbsdescription/>' }, ['-psecret']),
        /The archive is encrypted\./,
      ],
      [
        'an archive with an encrypted header',
        () => writeSevenZip({ 'a/a.xml': '<sbsdescription/>' }, ['-psecret', '-mhe=on']),
        /7-Zip cannot list the archive/,
      ],
      [
        'a zip renamed .sbsar',
        () =>
          Promise.resolve(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)])),
        /wrong magic/,
      ],
    ])('fails %s with SUBSTANCE_PARSE_FAILED, in both steps', async (_, make, message) => {
      const path = await input('broken.sbsar', await make());
      for (const step of [inspectSubstance, renderSubstance]) {
        const { code, message: said } = await failure(step(request(path), ctx));
        expect(code).toBe('SUBSTANCE_PARSE_FAILED');
        expect(said).toMatch(message);
      }
    });

    it('refuses an archive bomb before extracting: a 64 MiB manifest packed into a few KB', async () => {
      const bomb = await writeSevenZip({ 'a/a.xml': Buffer.alloc(64 * 1024 ** 2, 0x20) });
      expect(bomb.length).toBeLessThan(64 * 1024);
      const path = await input('bomb.sbsar', bomb);
      const limits = { ...SBSAR_LIMITS, maxBytes: 32 * 1024 ** 2 };
      expect(await failure(openSbsar(path, limits))).toEqual({
        code: 'SUBSTANCE_TOO_LARGE',
        message: 'The archive unpacks to 67108864 bytes, over the 33554432 Kiln accepts.',
      });
    });

    it('refuses an archive of more entries than the limit before extracting', async () => {
      const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.xml`, '<x/>']));
      const path = await input('many.sbsar', await writeSevenZip(files));
      expect(await failure(openSbsar(path, { ...SBSAR_LIMITS, maxEntries: 10 }))).toEqual({
        code: 'SUBSTANCE_TOO_LARGE',
        message: 'The archive lists 12 entries, over the 10 Kiln accepts.',
      });
    });

    it('keeps the documented limits', () => {
      expect(SBSAR_LIMITS).toEqual({
        maxEntries: 1000,
        maxBytes: 512 * 1024 ** 2,
        maxHeaderBytes: 4 * 1024 ** 2,
      });
    });
  });

  describe('render', () => {
    it('scales the embedded icon of natural_lambskin_leather.sbsar to the asked size', async () => {
      const path = join(SUBSTANCE, 'natural_lambskin_leather.sbsar');
      const result = await renderSubstance(request(path, 'render', { size: 128 }), ctx);
      expect(result.outputs.map(({ name, contentType }) => ({ name, contentType }))).toEqual([
        { name: 'thumbnail.png', contentType: 'image/png' },
      ]);
      const thumbnail = await readFile(result.outputs[0].path);
      const archive = await openSbsar(path);
      const icon = archive.extract(['assemblies/content/0000/icon1394950276.png']).values().next()
        .value as Uint8Array;
      const iconInfo = await sharp(icon).metadata();
      expect([iconInfo.width, iconInfo.height]).toEqual([512, 512]);
      const expected = await sharp(icon).resize(128, 128).raw().toBuffer();
      const got = await sharp(thumbnail).raw().toBuffer({ resolveWithObject: true });
      expect(got.info).toMatchObject({ width: 128, height: 128, format: 'raw' });
      expect(got.data.equals(expected)).toBe(true);
    });

    it('draws a card naming the graph and its outputs when the archive has no icon (CardBoard.sbsar)', async () => {
      const result = await renderSubstance(
        request(join(SUBSTANCE, 'CardBoard.sbsar'), 'render'),
        ctx,
      );
      const { width, height, format } = await sharp(result.outputs[0].path).metadata();
      expect({ width, height, format }).toEqual({ width: 512, height: 512, format: 'png' });
      // The background colour in a corner, the title's white somewhere in its band.
      const { data, info } = await sharp(result.outputs[0].path)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const pixel = (x: number, y: number) => [
        ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
      ];
      expect(pixel(500, 500)).toEqual([0x1f, 0x24, 0x30]);
      expect(pixel(500, 4)).toEqual([0xf5, 0xa6, 0x23]);
      let whiteInTitle = 0;
      for (let y = 50; y < 92; y += 1)
        for (let x = 48; x < 300; x += 1) if (pixel(x, y).every((c) => c > 240)) whiteInTitle += 1;
      expect(whiteInTitle).toBeGreaterThan(200);
    });
  });
});
