import { useEffect, useRef, useState } from 'react';
import {
  AnimationMixer,
  Box3,
  Clock,
  Color,
  DirectionalLight,
  HemisphereLight,
  PerspectiveCamera,
  PMREMGenerator,
  Scene,
  SRGBColorSpace,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { DRACOLoader } from 'three/examples/jsm/loaders/DRACOLoader.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { MeshoptDecoder } from 'three/examples/jsm/libs/meshopt_decoder.module.js';
import { RoomEnvironment } from 'three/examples/jsm/environments/RoomEnvironment.js';

/** The viewer's backdrop; the browser test counts the pixels that differ from it. */
export const VIEWER_BACKGROUND = 0x20232a;

/**
 * An interactive view of a GLB (model.web.glb: meshopt or Draco compressed): orbit, zoom and pan
 * with the mouse, framed on the model's bounds, lit by a studio environment, its first animation
 * playing. Draws only while something moves.
 */
export function ModelViewer(props: { url: string; onError?: () => void }) {
  const holder = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'shown' | 'failed'>('loading');
  const onError = useRef(props.onError);
  onError.current = props.onError;

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    // preserveDrawingBuffer: the picture stays readable (a snapshot, the browser test's pixels).
    const renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    renderer.outputColorSpace = SRGBColorSpace;
    element.appendChild(renderer.domElement);
    const scene = new Scene();
    scene.background = new Color(VIEWER_BACKGROUND);
    const environment = new PMREMGenerator(renderer).fromScene(new RoomEnvironment(), 0.04);
    scene.environment = environment.texture;
    scene.add(new HemisphereLight(0xffffff, 0x444444, 0.6));
    const key = new DirectionalLight(0xffffff, 1.2);
    key.position.set(-1, 2, 3);
    scene.add(key);
    const camera = new PerspectiveCamera(45, 1, 0.01, 1000);
    const controls = new OrbitControls(camera, renderer.domElement);
    controls.enableDamping = true;
    const clock = new Clock();
    let mixer: AnimationMixer | undefined;
    let disposed = false;
    let stale = true;
    let loaded = false;
    let drawn = false;

    const resize = () => {
      const width = element.clientWidth || 640;
      const height = element.clientHeight || 480;
      renderer.setSize(width, height, false);
      camera.aspect = width / height;
      camera.updateProjectionMatrix();
      stale = true;
    };
    const observer = new ResizeObserver(resize);
    observer.observe(element);
    resize();
    // Frames only while something moves (a drag, the damping after it, an animation, a resize):
    // an idle viewer costs nothing.
    renderer.setAnimationLoop(() => {
      const delta = clock.getDelta();
      const moved = controls.update(delta);
      if (mixer) mixer.update(delta);
      if (moved || mixer || stale) {
        renderer.render(scene, camera);
        // "shown" once a frame with the model in it is drawn, not when the file is parsed.
        if (loaded && !drawn) {
          drawn = true;
          setState('shown');
        }
      }
      stale = false;
    });

    // three's DRACOLoader finds its own decoder (bundled beside it by Vite).
    const draco = new DRACOLoader();
    const loader = new GLTFLoader().setMeshoptDecoder(MeshoptDecoder).setDRACOLoader(draco);
    loader.load(
      props.url,
      (gltf) => {
        if (disposed) return;
        scene.add(gltf.scene);
        const bounds = new Box3().setFromObject(gltf.scene);
        const center = bounds.getCenter(new Vector3());
        const size = bounds.getSize(new Vector3()).length() || 1;
        camera.near = size / 100;
        camera.far = size * 100;
        camera.position.copy(center).add(new Vector3(0.6, 0.45, 0.85).multiplyScalar(size));
        camera.updateProjectionMatrix();
        controls.target.copy(center);
        const first = gltf.animations[0];
        if (first) {
          mixer = new AnimationMixer(gltf.scene);
          mixer.clipAction(first).play();
        }
        stale = true;
        loaded = true;
      },
      undefined,
      () => {
        if (disposed) return;
        setState('failed');
        onError.current?.();
      },
    );

    return () => {
      disposed = true;
      observer.disconnect();
      renderer.setAnimationLoop(null);
      controls.dispose();
      draco.dispose();
      environment.dispose();
      renderer.dispose();
      renderer.domElement.remove();
    };
  }, [props.url]);

  return (
    <div className="viewer" data-testid="model-viewer" data-state={state}>
      <div className="viewer-canvas" ref={holder} />
      {state === 'loading' && <p className="viewer-note">Loading the model…</p>}
      {state === 'failed' && <p className="viewer-note error">The model could not be shown.</p>}
    </div>
  );
}
