import { writeOutputAtomically } from '../atomic-output';
import { frameCameras, type Camera, type Vec3 } from '../mesh/render/camera';
import { writePng } from '../mesh/render/frame-encode';
import { RASTERIZER_DEFAULTS, SceneRasterizer, type Lighting } from '../mesh/render/rasterizer';
import type { RenderTexture } from '../mesh/render/render-texture';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { mapOf, readLayout } from './layout';
import { openMap, readMapRgb, type RawPixels } from './map-pixels';
import { normalConventionOf } from './texture-set.inspect';
import { buildSphereScene, spherePoint } from './sphere';

export const THUMBNAIL_PNG = 'thumbnail.png';

/** The sphere's texture is decoded at most this size: a 512² thumbnail shows no more texels. */
const TEXTURE_SIDE = 512;
/** How far the normal map may brighten a texel over the smooth sphere's light (grazing light). */
const MAX_RELIEF_GAIN = 3;
/** Share of the half-image the sphere's silhouette reaches. */
const SPHERE_FILL = 0.9;

/**
 * `render` for texture sets: `thumbnail.png`, a lit sphere wearing the set, drawn by the mesh
 * renderer's software rasterizer (same lights, same sRGB output). The base colour is the
 * sphere's texture (light grey without one). The rasterizer lights per vertex, so the normal map
 * is baked into that texture for this one view: each texel is scaled by the light its mapped
 * normal receives over the light the smooth sphere's normal receives there.
 */
export async function renderTextureSet(
  request: StepRequest,
  ctx: StepContext,
): Promise<StepResult> {
  const { size } = parseStepOptions('render', request.options);
  ctx.progress(0);
  const layout = await readLayout(request);
  const camera = sphereCamera();
  const baseColor = mapOf(layout, 'baseColor');
  const normal = mapOf(layout, 'normal');
  let texture: RenderTexture | null = null;
  if (baseColor || normal) {
    const base = baseColor
      ? await readMapRgb(await openMap(baseColor), TEXTURE_SIDE, TEXTURE_SIDE, 'inside')
      : greyPixels();
    if (normal) {
      const image = await openMap(normal);
      const flip = (await normalConventionOf(normal, image)).convention === 'directx';
      const normals = await readMapRgb(image, base.width, base.height);
      bakeRelief(base, normals, flip, camera, RASTERIZER_DEFAULTS.lighting);
    }
    texture = toRenderTexture(base);
  }
  ctx.progress(0.4);
  const rgba = new Uint8Array(size * size * 4);
  new SceneRasterizer(buildSphereScene(texture), size).draw(camera, rgba);
  ctx.progress(0.9);
  const path = await writeOutputAtomically(request.workDir, THUMBNAIL_PNG, (temp) =>
    writePng(rgba, size, temp, 6),
  );
  ctx.progress(1);
  return { outputs: [{ name: THUMBNAIL_PNG, path, contentType: 'image/png' }] };
}

/**
 * The mesh renderer's 3/4 camera on the unit sphere, zoomed to the sphere's silhouette rather
 * than its bounding box (whose corners would leave it small): its edge at `SPHERE_FILL` of the
 * half-image. Seen from distance d, the silhouette's half-angle has tangent 1/√(d²−1).
 */
function sphereCamera(): Camera {
  const [camera] = frameCameras({ min: [-1, -1, -1], max: [1, 1, 1] }, [0]);
  const distance = Math.hypot(...camera.eye);
  camera.focal = SPHERE_FILL * Math.sqrt(distance * distance - 1);
  return camera;
}

/** A light grey texture for a set without base colour, for the normal map to be baked into. */
function greyPixels(): RawPixels {
  const side = TEXTURE_SIDE;
  return { data: Buffer.alloc(side * side * 3, 204), width: side, height: side, channels: 3 };
}

/**
 * Scales each texel of `base` (sRGB, in place) by the Lambert light of its mapped normal over
 * that of the sphere's own normal, under `lighting` as `camera` carries it. `flip`: the normals
 * are DirectX (green down).
 */
export function bakeRelief(
  base: RawPixels,
  normals: RawPixels,
  flip: boolean,
  camera: Camera,
  lighting: Lighting,
): void {
  const key = toWorld(camera, lighting.key.direction);
  const fill = toWorld(camera, lighting.fill.direction);
  const shade = (n: Vec3) =>
    lighting.ambient +
    lighting.key.intensity * Math.max(0, dot(n, key)) +
    lighting.fill.intensity * Math.max(0, dot(n, fill));
  const { width, height, data } = base;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const { normal, tangent, bitangent } = spherePoint((x + 0.5) / width, (y + 0.5) / height);
      const o = (y * width + x) * normals.channels;
      const tx = normals.data[o] / 127.5 - 1;
      const ty = (normals.data[o + 1] / 127.5 - 1) * (flip ? -1 : 1);
      const tz = normals.data[o + 2] / 127.5 - 1;
      const mapped: Vec3 = [
        tangent[0] * tx + bitangent[0] * ty + normal[0] * tz,
        tangent[1] * tx + bitangent[1] * ty + normal[1] * tz,
        tangent[2] * tx + bitangent[2] * ty + normal[2] * tz,
      ];
      const length = Math.hypot(...mapped) || 1;
      const gain = Math.min(
        MAX_RELIEF_GAIN,
        shade([mapped[0] / length, mapped[1] / length, mapped[2] / length]) / shade(normal),
      );
      const p = (y * width + x) * base.channels;
      for (let c = 0; c < 3; c++) data[p + c] = toSrgb(toLinear(data[p + c]) * gain);
    }
  }
}

function toRenderTexture(pixels: RawPixels): RenderTexture {
  const { width, height, data, channels } = pixels;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, o = 0; i < width * height; i++, o += channels) {
    rgba[i * 4] = data[o];
    rgba[i * 4 + 1] = data[o + 1];
    rgba[i * 4 + 2] = data[o + 2];
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, data: rgba, hasAlpha: false };
}

function toLinear(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function toSrgb(linear: number): number {
  const c = Math.min(1, Math.max(0, linear));
  const encoded = c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(encoded * 255);
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** A view-space direction (z towards the viewer) in world space, as the rasterizer turns its lights. */
function toWorld(camera: Camera, [x, y, z]: Vec3): Vec3 {
  const { right: r, up: u, forward: f } = camera;
  return [
    r[0] * x + u[0] * y - f[0] * z,
    r[1] * x + u[1] * y - f[1] * z,
    r[2] * x + u[2] * y - f[2] * z,
  ];
}
