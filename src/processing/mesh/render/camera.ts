import type { Bounds } from './render-scene';

export type Vec3 = [number, number, number];

/**
 * A perspective camera looking at the model. A world point `p` lands at view coordinates
 * `x = right·(p−eye)`, `y = up·(p−eye)`, depth `w = forward·(p−eye)`, and on an image of side
 * `s` at `(s/2)(1 + focal·x/w)`, `(s/2)(1 − focal·y/w)` (rows downward).
 */
export interface Camera {
  eye: Vec3;
  right: Vec3;
  up: Vec3;
  forward: Vec3;
  /** Focal length in half-image units: a point with `x/w = 1/focal` lands on the image's edge. */
  focal: number;
}

export interface CameraOptions {
  /** Degrees the camera looks down on the model (the "3/4" of a 3/4 view is yaw 45 and this). */
  pitch: number;
  /**
   * Vertical field of view in degrees at which the bounding sphere would just fit: sets the
   * distance, hence how strong the perspective is. The zoom is then fitted to the box.
   */
  fieldOfView: number;
  /** Share of the image's half-side the model's bounding box reaches at most. */
  fill: number;
}

export const CAMERA_DEFAULTS: Readonly<CameraOptions> = {
  pitch: 25,
  fieldOfView: 35,
  fill: 0.9,
};

const DEGREES = Math.PI / 180;

/**
 * One camera per yaw (degrees around the vertical axis from the front, +Z, turning towards +X),
 * all looking down by `pitch` at the bounding box's centre from outside its bounding sphere, with
 * one zoom that fits the box's eight corners into every view: the model keeps its size across a
 * turntable's frames, and a single view is framed on the box, not on the looser sphere.
 */
export function frameCameras(
  bounds: Bounds,
  yaws: readonly number[],
  options: CameraOptions = CAMERA_DEFAULTS,
): Camera[] {
  const { min, max } = bounds;
  const center: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const radius = Math.max(Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) / 2, 1e-9);
  const distance = radius / Math.sin((options.fieldOfView / 2) * DEGREES);
  const pitch = options.pitch * DEGREES;
  const cameras = yaws.map((yaw): Camera => {
    const toEye: Vec3 = [
      Math.cos(pitch) * Math.sin(yaw * DEGREES),
      Math.sin(pitch),
      Math.cos(pitch) * Math.cos(yaw * DEGREES),
    ];
    const forward: Vec3 = [-toEye[0], -toEye[1], -toEye[2]];
    const right = normalize([-forward[2], 0, forward[0]]); // forward × world up
    const up = cross(right, forward);
    const eye: Vec3 = [
      center[0] + toEye[0] * distance,
      center[1] + toEye[1] * distance,
      center[2] + toEye[2] * distance,
    ];
    return { eye, right, up, forward, focal: 1 };
  });
  let extent = 0;
  for (const camera of cameras) {
    for (let corner = 0; corner < 8; corner++) {
      const point: Vec3 = [
        corner & 1 ? max[0] : min[0],
        corner & 2 ? max[1] : min[1],
        corner & 4 ? max[2] : min[2],
      ];
      const [x, y, w] = toView(camera, point);
      extent = Math.max(extent, Math.abs(x / w), Math.abs(y / w));
    }
  }
  const focal = options.fill / Math.max(extent, 1e-9);
  for (const camera of cameras) camera.focal = focal;
  return cameras;
}

/** Where `point` lands on an image of side `size`: `[column, row, depth]` (column and row in pixels). */
export function projectToImage(camera: Camera, point: Vec3, size: number): Vec3 {
  const [x, y, w] = toView(camera, point);
  const half = size / 2;
  return [half * (1 + (camera.focal * x) / w), half * (1 - (camera.focal * y) / w), w];
}

function toView(camera: Camera, point: Vec3): Vec3 {
  const d: Vec3 = [point[0] - camera.eye[0], point[1] - camera.eye[1], point[2] - camera.eye[2]];
  return [dot(camera.right, d), dot(camera.up, d), dot(camera.forward, d)];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function normalize(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / length, v[1] / length, v[2] / length];
}
