/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: the gltf-transform classes come through
   createRequire, untyped to the type-aware rules. */
// The mesh bench's inputs and its reference: a deterministic wavy sphere of `rows × cols × 2`
// triangles written as an OBJ (v/vt/vn, one index per corner) and as a GLB of the same mesh, and
// obj2gltf (installed for the bench only, into bench/.deps, never a dependency of Kiln).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { REPO_ROOT, requireFromRepo, sleep } from './env.mjs';

/** Positions, normals and UVs of a sphere with a ripple, so the normals vary and nothing is flat. */
function sphere(rows, cols) {
  const count = (rows + 1) * (cols + 1);
  const positions = new Float32Array(count * 3);
  const normals = new Float32Array(count * 3);
  const uvs = new Float32Array(count * 2);
  let i = 0;
  for (let r = 0; r <= rows; r++) {
    const theta = (r / rows) * Math.PI;
    for (let c = 0; c <= cols; c++, i++) {
      const phi = (c / cols) * 2 * Math.PI;
      const nx = Math.sin(theta) * Math.cos(phi);
      const ny = Math.cos(theta);
      const nz = Math.sin(theta) * Math.sin(phi);
      const radius = 1 + 0.03 * Math.sin(12 * theta) * Math.cos(9 * phi);
      positions.set([nx * radius, ny * radius, nz * radius], i * 3);
      normals.set([nx, ny, nz], i * 3);
      uvs.set([c / cols, 1 - r / rows], i * 2);
    }
  }
  const indices = new Uint32Array(rows * cols * 6);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = r * (cols + 1) + c;
      const b = a + cols + 1;
      indices.set([a, b, a + 1, a + 1, b, b + 1], k);
      k += 6;
    }
  }
  return { positions, normals, uvs, indices, vertices: count, triangles: indices.length / 3 };
}

/** Rows × cols for about `triangles` triangles, twice as many columns as rows. */
export function gridFor(triangles) {
  const rows = Math.round(Math.sqrt(triangles / 4));
  return { rows, cols: Math.round(triangles / 2 / rows) };
}

/** Writes the sphere as an OBJ with v, vt, vn and `f a/a/a b/b/b c/c/c`; resolves with its facts. */
export async function writeSphereObj(path, { rows, cols }) {
  const mesh = sphere(rows, cols);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let chunk = '# Kiln bench: wavy sphere\no sphere\n';
  const flush = async () => {
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
    chunk = '';
  };
  const f = (value) => value.toFixed(5);
  for (let i = 0; i < mesh.vertices; i++) {
    chunk += `v ${f(mesh.positions[i * 3])} ${f(mesh.positions[i * 3 + 1])} ${f(mesh.positions[i * 3 + 2])}\n`;
    if (chunk.length > 1 << 20) await flush();
  }
  for (let i = 0; i < mesh.vertices; i++) {
    chunk += `vt ${f(mesh.uvs[i * 2])} ${f(mesh.uvs[i * 2 + 1])}\n`;
    if (chunk.length > 1 << 20) await flush();
  }
  for (let i = 0; i < mesh.vertices; i++) {
    chunk += `vn ${f(mesh.normals[i * 3])} ${f(mesh.normals[i * 3 + 1])} ${f(mesh.normals[i * 3 + 2])}\n`;
    if (chunk.length > 1 << 20) await flush();
  }
  for (let t = 0; t < mesh.triangles; t++) {
    const [a, b, c] = [1, 2, 3].map((_, j) => mesh.indices[t * 3 + j] + 1);
    chunk += `f ${a}/${a}/${a} ${b}/${b}/${b} ${c}/${c}/${c}\n`;
    if (chunk.length > 1 << 20) await flush();
  }
  await flush();
  out.end();
  await finished(out);
  return { path, bytes: statSync(path).size, triangles: mesh.triangles, vertices: mesh.vertices };
}

/** Writes the same sphere as a GLB with gltf-transform (Kiln's own copy). */
export async function writeSphereGlb(path, { rows, cols }) {
  const { Document, NodeIO } = requireFromRepo('@gltf-transform/core');
  const mesh = sphere(rows, cols);
  const document = new Document();
  const buffer = document.createBuffer();
  const accessor = (type, array) =>
    document.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', mesh.positions))
    .setAttribute('NORMAL', accessor('VEC3', mesh.normals))
    .setAttribute('TEXCOORD_0', accessor('VEC2', mesh.uvs))
    .setIndices(accessor('SCALAR', mesh.indices))
    .setMaterial(document.createMaterial('clay').setBaseColorFactor([0.8, 0.55, 0.4, 1]));
  const node = document
    .createNode('sphere')
    .setMesh(document.createMesh('sphere').addPrimitive(primitive));
  document.createScene('scene').addChild(node);
  writeFileSync(path, await new NodeIO().writeBinary(document));
  return { path, bytes: statSync(path).size, triangles: mesh.triangles, vertices: mesh.vertices };
}

const DEPS = join(REPO_ROOT, 'bench', '.deps');
const OBJ2GLTF_BIN = join(DEPS, 'node_modules', 'obj2gltf', 'bin', 'obj2gltf.js');

/** obj2gltf's CLI, installed into bench/.deps (git-ignored) the first time: not a Kiln dependency. */
export function ensureObj2gltf() {
  if (existsSync(OBJ2GLTF_BIN)) return OBJ2GLTF_BIN;
  console.log('installing obj2gltf into bench/.deps (for the reference only)…');
  const installed = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      DEPS,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      'obj2gltf@3',
    ],
    { stdio: 'inherit' },
  );
  if (installed.status !== 0 || !existsSync(OBJ2GLTF_BIN))
    throw new Error('could not install obj2gltf into bench/.deps');
  return OBJ2GLTF_BIN;
}

/** The process's peak RSS so far (VmHWM), 0 once it is gone. */
function hwmKB(pid) {
  try {
    return Number(
      /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
    );
  } catch {
    return 0;
  }
}

/** Runs obj2gltf on `objPath` → `glbPath`; its wall time and peak RSS (VmHWM, read every 50 ms). */
export async function runObj2gltf(objPath, glbPath) {
  const bin = ensureObj2gltf();
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, '-i', objPath, '-o', glbPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let peakKB = 0;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    peakKB = Math.max(peakKB, hwmKB(child.pid));
    await sleep(50);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`obj2gltf exited with ${code}: ${stderr.slice(-2000)}`);
  return {
    wallMs: performance.now() - t0,
    peakRssMB: Math.round(peakKB / 102.4) / 10,
    bytes: statSync(glbPath).size,
  };
}
