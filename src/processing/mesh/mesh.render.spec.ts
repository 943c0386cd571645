import { Document } from '@gltf-transform/core';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../../../test/support/fixtures';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import type { StepRequest } from '../step.types';
import { renderMesh } from './mesh.render';
import { meshIO } from './mesh-io';
import { frameCameras, projectToImage } from './render/camera';

const GLTF = join(FIXTURES, 'mesh', 'gltf');

describe('renderMesh', () => {
  const ws = useStepWorkspace('kiln-mesh-render-');
  const request = (options: Record<string, unknown> = {}): StepRequest => ({
    kind: 'mesh',
    step: 'render',
    ...ws.folders(join(GLTF, 'Box.glb')),
    options,
  });
  const render = (name: string, options: Record<string, unknown> = {}, path = join(GLTF, name)) =>
    renderMesh(request(options), ws.ctx(), path);

  /** The thumbnail's pixels, RGBA. */
  async function thumbnail(): Promise<{ data: Buffer; width: number; height: number }> {
    const { data, info } = await sharp(join(ws.workDir, 'thumbnail.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }

  /** The RGBA pixel at (x, y) of an image `width` wide. */
  const at = (data: Buffer, width: number, x: number, y: number) => [
    ...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4),
  ];

  it.each([
    // [fixture, coverage from, to] — measured: 0.447, 0.447, 0.270, 0.143, 0.185
    ['Box.glb', 0.4, 0.5],
    ['BoxTextured.glb', 0.4, 0.5],
    ['VET.glb', 0.22, 0.32],
    ['book f.glb', 0.1, 0.2],
    ['quad_skin.glb', 0.12, 0.25], // skinned: drawn in its bind pose
  ])(
    'draws %s into a 512² PNG the model covers a sensible share of, and a 24-frame 256² turntable',
    async (name, from, to) => {
      const result = await render(name);

      expect(result.outputs).toEqual([
        {
          name: 'thumbnail.png',
          path: join(ws.workDir, 'thumbnail.png'),
          contentType: 'image/png',
        },
        {
          name: 'turntable.webp',
          path: join(ws.workDir, 'turntable.webp'),
          contentType: 'image/webp',
        },
      ]);
      const coverage = (result.metadata?.render as { coverage: number }).coverage;
      expect(result.metadata).toEqual({ render: { size: 512, yaw: 45, frames: 24, coverage } });
      expect(coverage).toBeGreaterThan(from);
      expect(coverage).toBeLessThan(to);

      const png = await sharp(join(ws.workDir, 'thumbnail.png')).metadata();
      expect(png).toMatchObject({ format: 'png', width: 512, height: 512, channels: 4 });
      // Coverage is the mean alpha; the background is transparent and the model is not.
      const { data } = await thumbnail();
      let alpha = 0;
      let opaqueColoured = 0;
      for (let o = 0; o < data.length; o += 4) {
        alpha += data[o + 3];
        if (data[o + 3] === 255 && data[o] + data[o + 1] + data[o + 2] > 0) opaqueColoured++;
      }
      expect(alpha / 255 / (512 * 512)).toBeCloseTo(coverage, 3);
      expect(opaqueColoured / (512 * 512)).toBeGreaterThan(from * 0.9);
      expect(at(data, 512, 0, 0)).toEqual([0, 0, 0, 0]);

      const webp = await sharp(join(ws.workDir, 'turntable.webp'), { pages: -1 }).metadata();
      expect(webp).toMatchObject({
        format: 'webp',
        width: 256,
        pages: 24,
        pageHeight: 256,
        loop: 0,
        delay: new Array(24).fill(125),
      });
      expect(await readdir(ws.workDir)).toEqual(['thumbnail.png', 'turntable.webp']);
    },
  );

  it('shows BoxTextured’s texture: the CesiumLogo’s green and blue, which the plain red Box lacks', async () => {
    const share = async (name: string) => {
      await render(name);
      const { data } = await thumbnail();
      let green = 0;
      let blue = 0;
      const colours = new Set<number>();
      for (let o = 0; o < data.length; o += 4) {
        if (data[o + 3] !== 255) continue;
        const [r, g, b] = [data[o], data[o + 1], data[o + 2]];
        if (g > r + 20 && g > b + 20) green++;
        if (b > r + 40 && b > g) blue++;
        colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      }
      return { green: green / (512 * 512), blue: blue / (512 * 512), colours: colours.size };
    };
    const textured = await share('BoxTextured.glb');
    const plain = await share('Box.glb');
    expect(textured.green).toBeGreaterThan(0.05);
    expect(textured.blue).toBeGreaterThan(0.05);
    expect(textured.colours).toBeGreaterThan(30);
    expect(plain).toEqual({ green: 0, blue: 0, colours: expect.any(Number) });
    expect(plain.colours).toBeLessThanOrEqual(6); // three flat faces, a few shades each
  });

  it.each([
    [45, 'the +Z face (left)', 'the +X face (right)'],
    [-45, 'the −X face (left)', 'the +Z face (right)'],
  ])(
    'lights the cube from the upper left at yaw %i: top brightest, then %s, then %s',
    async (yaw) => {
      await render('Box.glb', { yaw });
      const { data } = await thumbnail();
      const cube = { min: [-0.5, -0.5, -0.5], max: [0.5, 0.5, 0.5] } as const;
      const camera = frameCameras({ min: [...cube.min], max: [...cube.max] }, [yaw])[0];
      const red = (point: [number, number, number]) => {
        const [x, y] = projectToImage(camera, point, 512);
        const pixel = at(data, 512, Math.floor(x), Math.floor(y));
        expect(pixel[3]).toBe(255);
        return pixel[0];
      };
      const top = red([0, 0.5, 0]);
      const left = red(yaw > 0 ? [0, 0, 0.5] : [-0.5, 0, 0]);
      const right = red(yaw > 0 ? [0.5, 0, 0] : [0, 0, 0.5]);
      expect(top).toBeGreaterThan(left + 10);
      expect(left).toBeGreaterThan(right + 10);
    },
  );

  it('turns the camera with yaw: VET seen from 135° is another picture than from 45°', async () => {
    await render('VET.glb', { yaw: 45 });
    const first = (await thumbnail()).data;
    await render('VET.glb', { yaw: 135 });
    const second = (await thumbnail()).data;
    let differing = 0;
    for (let p = 0; p < 512 * 512; p++) {
      if (Math.abs(first[p * 4 + 3] - second[p * 4 + 3]) > 0 || first[p * 4] !== second[p * 4]) {
        differing++;
      }
    }
    expect(differing / (512 * 512)).toBeGreaterThan(0.05);
  });

  it('turns the model a full turn over the turntable: its frames differ and the first is the thumbnail’s view', async () => {
    await render('VET.glb', { size: 256 });
    const { data } = await sharp(join(ws.workDir, 'turntable.webp'), { pages: -1 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = (i: number) => data.subarray(i * 256 * 256 * 4, (i + 1) * 256 * 256 * 4);
    const alphaDifference = (a: Buffer, b: Buffer) => {
      let sum = 0;
      for (let o = 3; o < a.length; o += 4) sum += Math.abs(a[o] - b[o]);
      return sum / 255 / (256 * 256);
    };
    const thumbnailPixels = (await thumbnail()).data;
    // Frame 3 (yaw 90°) sees the coin edge-on: it covers far less than at 45°.
    expect(alphaDifference(frame(0), frame(3))).toBeGreaterThan(0.1);
    expect(alphaDifference(frame(0), frame(1))).toBeGreaterThan(0.005);
    // Frame 0 and the 256² thumbnail share the yaw (their zoom differs slightly: the turntable
    // fits every angle).
    expect(alphaDifference(frame(0), thumbnailPixels)).toBeLessThan(0.05);
  });

  it('draws the thumbnail at the size asked for', async () => {
    const result = await render('BoxTextured.glb', { size: 128 });
    expect(await sharp(join(ws.workDir, 'thumbnail.png')).metadata()).toMatchObject({
      width: 128,
      height: 128,
    });
    expect(result.metadata?.render).toMatchObject({ size: 128, yaw: 45, frames: 24 });
  });

  it('reports progress from 0 to 1, rising, a step per turntable frame', async () => {
    await render('Box.glb');
    expect(ws.progress[0]).toBe(0);
    expect(ws.progress.at(-1)).toBe(1);
    expect(ws.progress).toEqual([...ws.progress].sort((a, b) => a - b));
    expect(ws.progress.length).toBeGreaterThanOrEqual(24 + 3);
  });

  it('fails with MESH_EMPTY when every triangle has zero area, writing nothing', async () => {
    const document = new Document();
    const positions = document
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 1, 1, 2, 2, 2]))
      .setBuffer(document.createBuffer());
    const mesh = document
      .createMesh()
      .addPrimitive(document.createPrimitive().setAttribute('POSITION', positions));
    document.createScene().addChild(document.createNode().setMesh(mesh));
    const path = join(ws.root, 'line.glb');
    await writeFile(path, await (await meshIO()).writeBinary(document));

    await expect(render('line.glb', {}, path)).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      retryable: false,
      message: 'line.glb has nothing to draw: all of its 1 triangles have zero area.',
    });
    expect(await readdir(ws.workDir)).toEqual([]);
  });

  it('fails with MESH_EMPTY when a position is NaN (no finite bounds)', async () => {
    const document = new Document();
    const positions = document
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, NaN, 0]))
      .setBuffer(document.createBuffer());
    const mesh = document
      .createMesh('tri')
      .addPrimitive(document.createPrimitive().setAttribute('POSITION', positions));
    document.createScene().addChild(document.createNode().setMesh(mesh));
    const path = join(ws.root, 'nan.glb');
    await writeFile(path, await (await meshIO()).writeBinary(document));

    await expect(render('nan.glb', {}, path)).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: expect.stringMatching(/^nan\.glb has no finite bounds: a vertex of mesh "tri"/),
    });
  });

  it('fails with MESH_PARSE_FAILED on bytes that are not a GLB', async () => {
    const path = join(ws.root, 'model.glb');
    await writeFile(path, Buffer.from('glTF but not really, just some text'));
    await expect(render('model.glb', {}, path)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      retryable: false,
      message: expect.stringMatching(/^model\.glb cannot be read as a GLB: /),
    });
  });

  it('fails with INPUT_MISSING without a model.glb', async () => {
    await expect(render('model.glb', {}, join(ws.root, 'model.glb'))).rejects.toMatchObject({
      code: 'INPUT_MISSING',
      message: 'render needs model.glb, which is not there: run convert first.',
    });
  });

  it('refuses a yaw beyond ±360 with INVALID_OPTIONS before reading anything', async () => {
    await expect(render('Box.glb', { yaw: 400 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: 'Option "yaw" must be a number from -360 to 360; got 400.',
    });
    expect(ws.progress).toEqual([]);
  });
});
