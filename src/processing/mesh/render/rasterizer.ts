import type { Camera, Vec3 } from './camera';
import type { RenderTexture } from './render-texture';
import { WRAP_CLAMP, WRAP_REPEAT, type RenderScene } from './render-scene';

/** One directional light, its direction in view space (x right, y up, z towards the viewer). */
export interface Light {
  /** Unit vector pointing from the model towards the light. */
  direction: Vec3;
  intensity: number;
}

/**
 * Two Lambert lights and an ambient term, fixed to the camera like studio lights: on a
 * turntable the model turns under them.
 */
export interface Lighting {
  key: Light;
  fill: Light;
  ambient: number;
}

export interface RasterizerOptions {
  /** Samples per pixel along each axis (2: four samples a pixel, averaged). */
  supersample: number;
  lighting: Lighting;
}

export const RASTERIZER_DEFAULTS: Readonly<RasterizerOptions> = {
  supersample: 2,
  lighting: {
    key: { direction: unit([-0.6, 0.65, 0.45]), intensity: 0.8 }, // upper left, in front
    fill: { direction: unit([0.7, -0.1, 0.6]), intensity: 0.25 }, // right, a little below
    ambient: 0.18,
  },
};

/**
 * A z-buffer rasterizer for one {@link RenderScene} at one image size, its buffers allocated once
 * and reused by every {@link draw} (the frames of a turntable).
 *
 * A frame is drawn in two passes. The first rasterizes every triangle with edge functions
 * stepped incrementally over its bounding box, keeping per sample only the nearest triangle's id
 * and depth (1/w, which is affine in screen space); back faces of single-sided materials are
 * culled, and alpha-tested materials pay for a texture lookup there. The second shades each
 * covered sample once from its triangle (perspective-correct interpolation of the per-vertex
 * Lambert light, vertex colours and texture coordinates, times the material's base colour and a
 * bilinear texture lookup), so hidden triangles cost no shading, and averages
 * each pixel's samples. Colour is computed in linear light and written as sRGB.
 */
export class SceneRasterizer {
  readonly size: number;
  private readonly side: number;
  private readonly supersample: number;
  private readonly lighting: Lighting;
  private readonly screenX: Float32Array;
  private readonly screenY: Float32Array;
  /** 1/w of each vertex: the depth the z-buffer compares (larger is nearer) and the perspective weight. */
  private readonly inverseDepth: Float32Array;
  /** Lambert light reaching each vertex's front and its back (Gouraud shading). */
  private readonly lightFront: Float32Array;
  private readonly lightBack: Float32Array;
  private readonly depth: Float32Array;
  /** Triangle index + 1 of the nearest triangle per sample, negated when its back face shows; 0 = empty. */
  private readonly ids: Int32Array;

  constructor(
    private readonly scene: RenderScene,
    size: number,
    options: RasterizerOptions = RASTERIZER_DEFAULTS,
  ) {
    this.size = size;
    this.supersample = options.supersample;
    this.lighting = options.lighting;
    this.side = size * options.supersample;
    const vertices = scene.vertexCount;
    this.screenX = new Float32Array(vertices);
    this.screenY = new Float32Array(vertices);
    this.inverseDepth = new Float32Array(vertices);
    this.lightFront = new Float32Array(vertices);
    this.lightBack = new Float32Array(vertices);
    this.depth = new Float32Array(this.side * this.side);
    this.ids = new Int32Array(this.side * this.side);
  }

  /**
   * Draws the scene as `camera` sees it into `out`: `size × size` RGBA, 8-bit sRGB, not
   * premultiplied, transparent where the model is not (edges partly so, anti-aliased).
   *
   * @returns the share of the image the model covers (mean alpha, 0-1).
   */
  draw(camera: Camera, out: Uint8Array): number {
    this.project(camera);
    this.light(camera);
    this.depth.fill(0);
    this.ids.fill(0);
    for (const batch of this.scene.batches) {
      const material = this.scene.materials[batch.material];
      this.rasterize(
        batch.firstTriangle,
        batch.triangleCount,
        !material.doubleSided,
        material.alphaCutoff,
        material.baseColor[3],
        material.texture,
        material.wrapS,
        material.wrapT,
      );
    }
    const covered = this.resolve(out);
    return covered / (this.side * this.side);
  }

  /** Screen position and 1/w of every vertex. The camera is outside the bounding sphere: w > 0. */
  private project(camera: Camera): void {
    const { positions, vertexCount } = this.scene;
    const { screenX, screenY, inverseDepth } = this;
    const half = this.side / 2;
    const scale = camera.focal * half;
    const [ex, ey, ez] = camera.eye;
    const [rx, ry, rz] = camera.right;
    const [ux, uy, uz] = camera.up;
    const [fx, fy, fz] = camera.forward;
    for (let v = 0; v < vertexCount; v++) {
      const dx = positions[v * 3] - ex;
      const dy = positions[v * 3 + 1] - ey;
      const dz = positions[v * 3 + 2] - ez;
      const iw = 1 / (fx * dx + fy * dy + fz * dz);
      screenX[v] = half + scale * (rx * dx + ry * dy + rz * dz) * iw;
      screenY[v] = half - scale * (ux * dx + uy * dy + uz * dz) * iw;
      inverseDepth[v] = iw;
    }
  }

  /** Per-vertex Lambert light, for the front and the back of the surface (Gouraud shading). */
  private light(camera: Camera): void {
    const { normals } = this.scene;
    const { lightFront, lightBack } = this;
    const { key, fill, ambient } = this.lighting;
    const [kx, ky, kz] = toWorld(camera, key.direction);
    const [fx, fy, fz] = toWorld(camera, fill.direction);
    const ki = key.intensity;
    const fi = fill.intensity;
    for (const batch of this.scene.batches) {
      const end = batch.firstVertex + batch.vertexCount;
      if (this.scene.materials[batch.material].unlit) {
        lightFront.fill(1, batch.firstVertex, end);
        lightBack.fill(1, batch.firstVertex, end);
        continue;
      }
      for (let v = batch.firstVertex; v < end; v++) {
        const nx = normals[v * 3];
        const ny = normals[v * 3 + 1];
        const nz = normals[v * 3 + 2];
        const dk = nx * kx + ny * ky + nz * kz;
        const df = nx * fx + ny * fy + nz * fz;
        lightFront[v] = ambient + (dk > 0 ? ki * dk : 0) + (df > 0 ? fi * df : 0);
        lightBack[v] = ambient + (dk < 0 ? -ki * dk : 0) + (df < 0 ? -fi * df : 0);
      }
    }
  }

  /** First pass: nearest triangle id and depth per sample. */
  private rasterize(
    first: number,
    count: number,
    cull: boolean,
    alphaCutoff: number,
    baseAlpha: number,
    texture: RenderTexture | null,
    wrapS: number,
    wrapT: number,
  ): void {
    const indices = this.scene.indices;
    const { screenX, screenY, inverseDepth, depth, ids } = this;
    const colors = this.scene.colors;
    const uvs = this.scene.uvs;
    const side = this.side;
    const last = side - 1;
    const masked = alphaCutoff > 0;
    for (let t = first; t < first + count; t++) {
      const i0 = indices[t * 3];
      let i1 = indices[t * 3 + 1];
      let i2 = indices[t * 3 + 2];
      const x0 = screenX[i0];
      const y0 = screenY[i0];
      let x1 = screenX[i1];
      let y1 = screenY[i1];
      let x2 = screenX[i2];
      let y2 = screenY[i2];
      let area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
      let id = t + 1;
      // Rows run downward, so a front face (counter-clockwise in glTF) has a negative area here.
      if (area < 0) {
        const ti = i1;
        i1 = i2;
        i2 = ti;
        const tx = x1;
        x1 = x2;
        x2 = tx;
        const ty = y1;
        y1 = y2;
        y2 = ty;
        area = -area;
      } else if (area > 0 && !cull) {
        id = -id;
      } else {
        continue; // a culled back face, a degenerate triangle, or NaN
      }
      // Samples sit at pixel centres (+0.5); the box holds those the triangle may cover.
      let minX = Math.ceil((x0 < x1 ? (x0 < x2 ? x0 : x2) : x1 < x2 ? x1 : x2) - 0.5);
      let maxX = Math.floor((x0 > x1 ? (x0 > x2 ? x0 : x2) : x1 > x2 ? x1 : x2) - 0.5);
      let minY = Math.ceil((y0 < y1 ? (y0 < y2 ? y0 : y2) : y1 < y2 ? y1 : y2) - 0.5);
      let maxY = Math.floor((y0 > y1 ? (y0 > y2 ? y0 : y2) : y1 > y2 ? y1 : y2) - 0.5);
      if (minX < 0) minX = 0;
      if (minY < 0) minY = 0;
      if (maxX > last) maxX = last;
      if (maxY > last) maxY = last;
      if (minX > maxX || minY > maxY) continue; // covers no sample: most triangles of a dense mesh

      const z0 = inverseDepth[i0];
      const z1 = inverseDepth[i1];
      const z2 = inverseDepth[i2];
      // Edge functions: e0 = 0 on edge 1→2 (and so on), each ≥ 0 inside; they sum to `area`.
      const a0 = y1 - y2;
      const b0 = x2 - x1;
      const a1 = y2 - y0;
      const b1 = x0 - x2;
      const a2 = y0 - y1;
      const b2 = x1 - x0;
      const px = minX + 0.5;
      const py = minY + 0.5;
      let row0 = a0 * (px - x1) + b0 * (py - y1);
      let row1 = a1 * (px - x2) + b1 * (py - y2);
      let row2 = a2 * (px - x0) + b2 * (py - y0);
      const inverseArea = 1 / area;
      const zx = (a0 * z0 + a1 * z1 + a2 * z2) * inverseArea;
      const zy = (b0 * z0 + b1 * z1 + b2 * z2) * inverseArea;
      let rowZ = (row0 * z0 + row1 * z1 + row2 * z2) * inverseArea;
      for (let y = minY; y <= maxY; y++) {
        let e0 = row0;
        let e1 = row1;
        let e2 = row2;
        let z = rowZ;
        let p = y * side + minX;
        for (let x = minX; x <= maxX; x++, p++) {
          if (e0 >= 0 && e1 >= 0 && e2 >= 0 && z > depth[p]) {
            if (
              !masked ||
              baseAlpha *
                alphaAt(
                  e0 * z0,
                  e1 * z1,
                  e2 * z2,
                  i0,
                  i1,
                  i2,
                  colors,
                  uvs,
                  texture,
                  wrapS,
                  wrapT,
                ) >=
                alphaCutoff
            ) {
              depth[p] = z;
              ids[p] = id;
            }
          }
          e0 += a0;
          e1 += a1;
          e2 += a2;
          z += zx;
        }
        row0 += b0;
        row1 += b1;
        row2 += b2;
        rowZ += zy;
      }
    }
  }

  /**
   * Second pass: shades each covered sample once and averages them into pixels.
   *
   * @returns how many samples are covered (a count, not a ratio: a division after the loop,
   *   compiled before it ever ran, threw V8's optimized loop away at the end of every frame).
   */
  private resolve(out: Uint8Array): number {
    const { indices, triangleMaterial, materials, uvs, colors } = this.scene;
    const { screenX, screenY, inverseDepth, lightFront, lightBack, ids, side, size } = this;
    const onlyMaterial = triangleMaterial.length === 0 ? this.scene.batches[0].material : -1;
    const vertexColors = colors.length > 0;
    const ss = this.supersample;
    const samples = ss * ss;
    let covered = 0;
    // The current triangle's set-up, kept while neighbouring samples hit the same one.
    let current = 0;
    let k0 = 0;
    let kx0 = 0;
    let ky0 = 0;
    let k1 = 0;
    let kx1 = 0;
    let ky1 = 0;
    let w0 = 0;
    let w1 = 0;
    let w2 = 0;
    let l0 = 0;
    let l1 = 0;
    let l2 = 0;
    let baseR = 0;
    let baseG = 0;
    let baseB = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let texture: RenderTexture | null = null;
    let wrapS = WRAP_REPEAT;
    let wrapT = WRAP_REPEAT;
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        let r = 0;
        let g = 0;
        let b = 0;
        let hits = 0;
        for (let sy = 0; sy < ss; sy++) {
          const y = row * ss + sy;
          for (let sx = 0; sx < ss; sx++) {
            const x = column * ss + sx;
            const id = ids[y * side + x];
            if (id === 0) continue;
            if (id !== current) {
              current = id;
              const t = (id > 0 ? id : -id) - 1;
              const i0 = indices[t * 3];
              const i1 = indices[t * 3 + 1];
              const i2 = indices[t * 3 + 2];
              const x0 = screenX[i0];
              const y0 = screenY[i0];
              const x1 = screenX[i1];
              const y1 = screenY[i1];
              const x2 = screenX[i2];
              const y2 = screenY[i2];
              // Screen barycentrics as planes: b0 = k0 + kx0·x + ky0·y, likewise b1; b2 = 1 − b0 − b1.
              const inverseArea = 1 / ((x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0));
              kx0 = (y1 - y2) * inverseArea;
              ky0 = (x2 - x1) * inverseArea;
              k0 = -(kx0 * x1 + ky0 * y1);
              kx1 = (y2 - y0) * inverseArea;
              ky1 = (x0 - x2) * inverseArea;
              k1 = -(kx1 * x2 + ky1 * y2);
              w0 = inverseDepth[i0];
              w1 = inverseDepth[i1];
              w2 = inverseDepth[i2];
              const light = id > 0 ? lightFront : lightBack;
              l0 = light[i0];
              l1 = light[i1];
              l2 = light[i2];
              c0 = i0 * 4;
              c1 = i1 * 4;
              c2 = i2 * 4;
              t0 = i0 * 2;
              t1 = i1 * 2;
              t2 = i2 * 2;
              const material = materials[onlyMaterial >= 0 ? onlyMaterial : triangleMaterial[t]];
              baseR = material.baseColor[0];
              baseG = material.baseColor[1];
              baseB = material.baseColor[2];
              texture = material.texture;
              wrapS = material.wrapS;
              wrapT = material.wrapT;
            }
            const px = x + 0.5;
            const py = y + 0.5;
            const s0 = k0 + kx0 * px + ky0 * py;
            const s1 = k1 + kx1 * px + ky1 * py;
            // Perspective-correct weights: screen barycentrics over w, renormalised.
            let q0 = s0 * w0;
            let q1 = s1 * w1;
            let q2 = (1 - s0 - s1) * w2;
            const norm = 1 / (q0 + q1 + q2);
            q0 *= norm;
            q1 *= norm;
            q2 *= norm;
            const light = q0 * l0 + q1 * l1 + q2 * l2;
            let cr = baseR * light;
            let cg = baseG * light;
            let cb = baseB * light;
            if (vertexColors) {
              cr *= q0 * colors[c0] + q1 * colors[c1] + q2 * colors[c2];
              cg *= q0 * colors[c0 + 1] + q1 * colors[c1 + 1] + q2 * colors[c2 + 1];
              cb *= q0 * colors[c0 + 2] + q1 * colors[c1 + 2] + q2 * colors[c2 + 2];
            }
            if (texture !== null) {
              // Bilinear lookup, written out here: a helper call per sample kept V8 from
              // optimizing this loop for good (it deoptimized on every frame).
              const u = q0 * uvs[t0] + q1 * uvs[t1] + q2 * uvs[t2];
              const v = q0 * uvs[t0 + 1] + q1 * uvs[t1 + 1] + q2 * uvs[t2 + 1];
              const { width, height, data } = texture;
              const fx = (u > -1e6 && u < 1e6 ? u : 0) * width - 0.5;
              const fy = (v > -1e6 && v < 1e6 ? v : 0) * height - 0.5;
              const ix = Math.floor(fx);
              const iy = Math.floor(fy);
              const ax = fx - ix;
              const ay = fy - iy;
              const xa = wrap(ix, width, wrapS);
              const xb = wrap(ix + 1, width, wrapS);
              const ya = wrap(iy, height, wrapT) * width;
              const yb = wrap(iy + 1, height, wrapT) * width;
              const p00 = (ya + xa) * 4;
              const p10 = (ya + xb) * 4;
              const p01 = (yb + xa) * 4;
              const p11 = (yb + xb) * 4;
              const w00 = (1 - ax) * (1 - ay);
              const w10 = ax * (1 - ay);
              const w01 = (1 - ax) * ay;
              const w11 = ax * ay;
              cr *=
                w00 * SRGB_TO_LINEAR[data[p00]] +
                w10 * SRGB_TO_LINEAR[data[p10]] +
                w01 * SRGB_TO_LINEAR[data[p01]] +
                w11 * SRGB_TO_LINEAR[data[p11]];
              cg *=
                w00 * SRGB_TO_LINEAR[data[p00 + 1]] +
                w10 * SRGB_TO_LINEAR[data[p10 + 1]] +
                w01 * SRGB_TO_LINEAR[data[p01 + 1]] +
                w11 * SRGB_TO_LINEAR[data[p11 + 1]];
              cb *=
                w00 * SRGB_TO_LINEAR[data[p00 + 2]] +
                w10 * SRGB_TO_LINEAR[data[p10 + 2]] +
                w01 * SRGB_TO_LINEAR[data[p01 + 2]] +
                w11 * SRGB_TO_LINEAR[data[p11 + 2]];
            }
            r += cr;
            g += cg;
            b += cb;
            hits++;
          }
        }
        const o = (row * size + column) * 4;
        if (hits === 0) {
          out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
          continue;
        }
        covered += hits;
        const inverse = 1 / hits;
        out[o] = toSrgb(r * inverse);
        out[o + 1] = toSrgb(g * inverse);
        out[o + 2] = toSrgb(b * inverse);
        out[o + 3] = Math.round((255 * hits) / samples);
      }
    }
    return covered;
  }
}

/** Linear value of each 8-bit sRGB level. */
const SRGB_TO_LINEAR = new Float32Array(256).map((_, level) => {
  const c = level / 255;
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
});

/** 8-bit sRGB level of linear values 0-1 in steps of 1/4095 (fine enough that no level is skipped visibly). */
const LINEAR_TO_SRGB = new Uint8Array(4096).map((_, step) => {
  const c = step / 4095;
  const encoded = c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
  return Math.round(encoded * 255);
});

function toSrgb(linear: number): number {
  // NaN falls through both tests and `| 0` makes it 0.
  return LINEAR_TO_SRGB[linear >= 1 ? 4095 : linear <= 0 ? 0 : (linear * 4095 + 0.5) | 0];
}

/** Alpha (0-1) of the texel nearest to (u, v): what an alpha test needs. */
function alphaNearest(
  texture: RenderTexture,
  wrapS: number,
  wrapT: number,
  u: number,
  v: number,
): number {
  const { width, height, data } = texture;
  const x = wrap(Math.floor((u > -1e6 && u < 1e6 ? u : 0) * width), width, wrapS);
  const y = wrap(Math.floor((v > -1e6 && v < 1e6 ? v : 0) * height), height, wrapT);
  return data[(y * width + x) * 4 + 3] / 255;
}

/** Vertex-colour alpha times texture alpha of a masked triangle at a sample, from perspective weights `q0..q2` (not yet normalised). */
function alphaAt(
  q0: number,
  q1: number,
  q2: number,
  i0: number,
  i1: number,
  i2: number,
  colors: Float32Array,
  uvs: Float32Array,
  texture: RenderTexture | null,
  wrapS: number,
  wrapT: number,
): number {
  const norm = 1 / (q0 + q1 + q2);
  q0 *= norm;
  q1 *= norm;
  q2 *= norm;
  const alpha =
    colors.length === 0
      ? 1
      : q0 * colors[i0 * 4 + 3] + q1 * colors[i1 * 4 + 3] + q2 * colors[i2 * 4 + 3];
  if (!texture || !texture.hasAlpha) return alpha;
  const u = q0 * uvs[i0 * 2] + q1 * uvs[i1 * 2] + q2 * uvs[i2 * 2];
  const v = q0 * uvs[i0 * 2 + 1] + q1 * uvs[i1 * 2 + 1] + q2 * uvs[i2 * 2 + 1];
  return alpha * alphaNearest(texture, wrapS, wrapT, u, v);
}

function wrap(i: number, n: number, mode: number): number {
  if (mode === WRAP_CLAMP) return i < 0 ? 0 : i >= n ? n - 1 : i;
  if (mode === WRAP_REPEAT) {
    const k = i % n;
    return k < 0 ? k + n : k;
  }
  const period = 2 * n; // mirrored repeat
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

/** A view-space direction in world space. */
function toWorld(camera: Camera, [x, y, z]: Vec3): Vec3 {
  const { right: r, up: u, forward: f } = camera;
  // View z points towards the viewer, against `forward`.
  return [
    r[0] * x + u[0] * y - f[0] * z,
    r[1] * x + u[1] * y - f[1] * z,
    r[2] * x + u[2] * y - f[2] * z,
  ];
}

function unit(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / length, v[1] / length, v[2] / length];
}
