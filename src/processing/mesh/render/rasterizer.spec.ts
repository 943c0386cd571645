import type { Camera } from './camera';
import { SceneRasterizer } from './rasterizer';
import {
  createRenderScene,
  WRAP_CLAMP,
  WRAP_REPEAT,
  type RenderMaterial,
  type RenderScene,
} from './render-scene';
import type { RenderTexture } from './render-texture';

/** A square in the plane z = `z`, from −1 to 1 in x and y, with one material. */
interface Square {
  z: number;
  /** Linear RGBA base colour of its material. */
  color: [number, number, number, number];
  /** Linear RGBA `COLOR_0` of its four vertices (default white). */
  vertexColor?: [number, number, number, number];
  /** Its front (counter-clockwise) side towards +Z, where the camera is; else away. */
  facing?: 'camera' | 'away';
  material?: Partial<RenderMaterial>;
}

const MATERIAL: RenderMaterial = {
  texture: null,
  wrapS: WRAP_REPEAT,
  wrapT: WRAP_REPEAT,
  alphaCutoff: 0,
  doubleSided: false,
  unlit: true,
  baseColor: [1, 1, 1, 1],
};

/** A scene of squares, in draw order. */
function squares(list: Square[]): RenderScene {
  const n = list.length;
  const positions = new Float32Array(n * 12);
  const normals = new Float32Array(n * 12);
  const colors = new Float32Array(n * 16);
  const uvs = new Float32Array(n * 8);
  const indices = new Uint32Array(n * 6);
  list.forEach((square, i) => {
    const corners = [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ];
    corners.forEach(([x, y], c) => {
      positions.set([x, y, square.z], (i * 4 + c) * 3);
      normals.set([0, 0, square.facing === 'away' ? -1 : 1], (i * 4 + c) * 3);
      colors.set(square.vertexColor ?? [1, 1, 1, 1], (i * 4 + c) * 4);
      uvs.set([(x + 1) / 2, (1 - y) / 2], (i * 4 + c) * 2); // v = 0 at the top, as glTF has it
    });
    const b = i * 4;
    indices.set(
      square.facing === 'away'
        ? [b, b + 2, b + 1, b, b + 3, b + 2]
        : [b, b + 1, b + 2, b, b + 2, b + 3],
      i * 6,
    );
  });
  return createRenderScene({
    vertexCount: n * 4,
    triangleCount: n * 2,
    positions,
    normals,
    colors: list.some((square) => square.vertexColor) ? colors : new Float32Array(0),
    uvs,
    indices,
    triangleMaterial: Uint32Array.from({ length: n * 2 }, (_, t) => t >> 1),
    batches: list.map((_, i) => ({
      firstTriangle: i * 2,
      triangleCount: 2,
      firstVertex: i * 4,
      vertexCount: 4,
      material: i,
    })),
    materials: list.map((square) => ({ ...MATERIAL, baseColor: square.color, ...square.material })),
    bounds: { min: [-1, -1, -1], max: [1, 1, 1] },
    warnings: [],
  });
}

/** Looking down −Z from z = 5; a square at z = 0 spans the middle half of the image. */
const CAMERA: Camera = {
  eye: [0, 0, 5],
  right: [1, 0, 0],
  up: [0, 1, 0],
  forward: [0, 0, -1],
  focal: 2.5,
};

const SIZE = 32;

function draw(scene: RenderScene, camera = CAMERA): { image: Uint8Array; coverage: number } {
  const image = new Uint8Array(SIZE * SIZE * 4);
  const coverage = new SceneRasterizer(scene, SIZE).draw(camera, image);
  return { image, coverage };
}

function pixel(image: Uint8Array, x: number, y: number): number[] {
  const o = (y * SIZE + x) * 4;
  return [...image.subarray(o, o + 4)];
}

const RED: Square['color'] = [1, 0, 0, 1];
const BLUE: Square['color'] = [0, 0, 1, 1];

describe('SceneRasterizer', () => {
  it('covers exactly the square’s quarter of the image, opaque inside, transparent outside', () => {
    const { image, coverage } = draw(squares([{ z: 0, color: RED }]));
    expect(coverage).toBe(0.25);
    expect(pixel(image, 16, 16)).toEqual([255, 0, 0, 255]);
    expect(pixel(image, 8, 8)).toEqual([255, 0, 0, 255]); // the square's top-left pixel
    expect(pixel(image, 7, 8)).toEqual([0, 0, 0, 0]);
    expect(pixel(image, 2, 30)).toEqual([0, 0, 0, 0]);
  });

  it('culls the back face of a single-sided material, and draws that of a double-sided one', () => {
    expect(draw(squares([{ z: 0, color: RED, facing: 'away' }])).coverage).toBe(0);
    const doubleSided = draw(
      squares([{ z: 0, color: RED, facing: 'away', material: { doubleSided: true } }]),
    );
    expect(doubleSided.coverage).toBe(0.25);
    expect(pixel(doubleSided.image, 16, 16)).toEqual([255, 0, 0, 255]);
  });

  it('shows the nearer of two overlapping squares, whichever is drawn first', () => {
    const near = { z: 1, color: BLUE };
    const far = { z: 0, color: RED };
    expect(pixel(draw(squares([far, near])).image, 16, 16)).toEqual([0, 0, 255, 255]);
    expect(pixel(draw(squares([near, far])).image, 16, 16)).toEqual([0, 0, 255, 255]);
  });

  it('lights the visible back of a double-sided surface from its own side, as brightly as its front', () => {
    const lit = { unlit: false, doubleSided: true };
    const front = pixel(
      draw(squares([{ z: 0, color: [1, 1, 1, 1], material: lit }])).image,
      16,
      16,
    );
    const back = pixel(
      draw(squares([{ z: 0, color: [1, 1, 1, 1], facing: 'away', material: lit }])).image,
      16,
      16,
    );
    // Both see the camera-side lights (the back face is lit as if its normal were flipped).
    expect(front).toEqual(back);
    expect(front[0]).toBeGreaterThan(150);
    expect(front[0]).toBeLessThan(255);
    expect(front[0]).toBe(front[1]);
  });

  it('skips pixels of an alpha-masked material below its cutoff', () => {
    const masked = { alphaCutoff: 0.5 };
    expect(draw(squares([{ z: 0, color: [1, 0, 0, 0.3], material: masked }])).coverage).toBe(0);
    expect(draw(squares([{ z: 0, color: [1, 0, 0, 0.8], material: masked }])).coverage).toBe(0.25);
    // A masked square does not hide what is behind it.
    const { image } = draw(
      squares([
        { z: 0, color: BLUE },
        { z: 1, color: [1, 0, 0, 0.3], material: masked },
      ]),
    );
    expect(pixel(image, 16, 16)).toEqual([0, 0, 255, 255]);
  });

  it('anti-aliases: a square half a pixel off the grid leaves its edge pixels half covered', () => {
    // Moving the eye a quarter of a pixel's world size shifts the square by half a pixel.
    const camera = {
      ...CAMERA,
      eye: [(0.5 * 2 * 5) / (2.5 * SIZE), 0, 5] as [number, number, number],
    };
    const { image, coverage } = draw(squares([{ z: 0, color: RED }]), camera);
    expect(coverage).toBe(0.25);
    expect(pixel(image, 7, 16)).toEqual([255, 0, 0, 128]);
    expect(pixel(image, 23, 16)).toEqual([255, 0, 0, 128]);
    expect(pixel(image, 16, 16)).toEqual([255, 0, 0, 255]);
  });

  it('multiplies the colour by the base-colour texture, v = 0 being the texture’s top row', () => {
    // 2×2 texels: red, green / blue, white; clamped so the quadrants keep their colour.
    const texture: RenderTexture = {
      width: 2,
      height: 2,
      data: Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]),
      hasAlpha: false,
    };
    const { image } = draw(
      squares([
        {
          z: 0,
          color: [1, 1, 1, 1],
          material: { texture, wrapS: WRAP_CLAMP, wrapT: WRAP_CLAMP },
        },
      ]),
    );
    expect(pixel(image, 9, 9)).toEqual([255, 0, 0, 255]); // top left
    expect(pixel(image, 22, 9)).toEqual([0, 255, 0, 255]); // top right
    expect(pixel(image, 9, 22)).toEqual([0, 0, 255, 255]); // bottom left
    expect(pixel(image, 22, 22)).toEqual([255, 255, 255, 255]); // bottom right
  });

  it('multiplies the base colour by the vertex colours', () => {
    const { image } = draw(squares([{ z: 0, color: [1, 0.5, 1, 1], vertexColor: [0.5, 1, 0, 1] }]));
    expect(pixel(image, 16, 16)).toEqual([188, 188, 0, 255]);
  });

  it('writes linear colour as sRGB: 50% grey is level 188', () => {
    const { image } = draw(squares([{ z: 0, color: [0.5, 0.5, 0.5, 1] }]));
    expect(pixel(image, 16, 16)).toEqual([188, 188, 188, 255]);
  });
});
