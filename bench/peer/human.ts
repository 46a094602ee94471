// The peer: @vladmandic/human (TF.js, WASM backend) running the same MediaPipe model family, used to measure our
// tracker's accuracy and speed. Face only (detector + mesh + iris, optionally the faceres descriptor).
//
// Landmark convention (checked on the fixtures by test/face/peer.test.ts): `mesh` uses MediaPipe indexing:
// 0-467 face mesh, 468 + 469-472 the subject's right iris (centre + contour, beside corners 33/133, image left in
// a non-mirrored frame), 473 + 474-477 the subject's left iris (beside 263/362). Human 3.3.6 itself appends the
// two irises the other way round (its 468-472 sit at 263/362, although its annotation table says otherwise), so
// detect() swaps them. x, y are image pixels (Human truncates them to integers; +0.5 is added back); z is
// Human's raw model depth. Angles are Human's face.rotation.angle converted from radians to degrees.
//
// Known peer error: Human 3.3.6 mirrors both eye crops before the iris model but un-mirrors only the 263/362
// eye's output, so the subject's right iris (468-472) and that eye's refined contour come out mirrored about the
// eye crop's centre (on d0 frame 20: Human's 468 at x 198.5, the visible pupil and ours at 220.6, eye centre
// 209.5). It is left as is in `mesh` (the NME against Human includes it); judges of gaze use unmirroredIris().
//
// Fair configuration: WASM backend with SIMD (multi-threading is only used where the runtime offers
// SharedArrayBuffer workers; Node does not give tfjs-backend-wasm its worker pool, so it runs single-threaded,
// like our default ORT_THREADS=1). Human's result cache is off (cacheSensitivity 0) so every frame is really
// processed; its detector skipping (skipFrames/skipTime, its form of tracking) keeps Human's defaults. The
// detector's roll correction is on (detector.rotation), as our tracker turns its crops with the eye line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppError } from '../../src/util/errors.ts';
import type { Box, RgbaFrame } from '../../src/video/frame.ts';

const require = createRequire(import.meta.url);

export interface PeerFace {
  /** 478 x (x, y, z), image pixels, MediaPipe order. */
  mesh: Float32Array;
  box: Box;
  /** Degrees. */
  angles: { yaw: number; pitch: number; roll: number };
  /** Human's own gaze reading (face.rotation.gaze): strength 0 = into the camera; bearing in radians. */
  gaze: { bearing: number; strength: number };
  /** Size of the frame read (pixels). */
  frameWidth: number;
  frameHeight: number;
  /** The same reading with its right-eye iris mirror undone (gazeReading() on unmirroredIris(mesh)). */
  gazeFixed: { bearing: number; strength: number };
  /** faceres descriptor (1024 floats) when `embedding` was asked for. */
  embedding?: Float32Array;
  score: number;
}

export interface HumanPeerOptions {
  /** Also run faceres for a face descriptor (slower). Default false. */
  embedding?: boolean;
  /** Human's detector skipping between frames (its own tracking). Default: Human's defaults. */
  skipFrames?: number;
  /** Run the detector on every frame and crop from it (no tracking). Default false. */
  detectEveryFrame?: boolean;
}

export interface HumanPeer {
  detect(frame: RgbaFrame): Promise<PeerFace | null>;
  /** Human's backend description, e.g. "wasm simd singlethreaded". */
  readonly backend: string;
  close(): Promise<void>;
}

// Minimal shapes of the parts of Human we use (its .d.ts pulls in DOM types).
interface TfTensor {
  dispose(): void;
}
interface TfNamespace {
  tensor(values: Uint8Array | Int32Array, shape: number[], dtype: 'int32' | 'float32'): TfTensor;
  env(): { getAsync(flag: string): Promise<boolean> };
  io: {
    registerLoadRouter(router: (url: string | string[]) => unknown): void;
  };
}
interface HumanFaceResult {
  mesh: [number, number, number][];
  box: [number, number, number, number];
  score: number;
  rotation?: {
    angle: { yaw: number; pitch: number; roll: number };
    gaze?: { bearing: number; strength: number };
  } | null;
  embedding?: number[];
}
interface HumanInstance {
  tf: TfNamespace;
  load(): Promise<void>;
  warmup?(): Promise<unknown>;
  detect(input: TfTensor): Promise<{ face: HumanFaceResult[]; error?: string | null }>;
}
type HumanCtor = new (config: Record<string, unknown>) => HumanInstance;

// The package's exports map lacks a valid key for the WASM build, so locate it beside the main (node) entry.
const HUMAN_ENTRY = join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js');
const HUMAN_MODELS = join(dirname(HUMAN_ENTRY), '..', 'models');
const WASM_DIR = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

let routerRegistered = false;

/** TF.js in Node (without tfjs-node) has no file:// loader; this one reads model.json and its shards from disk. */
function registerFileRouter(tf: TfNamespace): void {
  if (routerRegistered) return;
  routerRegistered = true;
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const path = fileURLToPath(url);
    return {
      load: async () => {
        const json = JSON.parse(readFileSync(path, 'utf8')) as {
          modelTopology: unknown;
          weightsManifest: { paths: string[]; weights: unknown[] }[];
          format?: string;
          generatedBy?: string;
          convertedBy?: string;
          signature?: unknown;
          userDefinedMetadata?: unknown;
        };
        const specs: unknown[] = [];
        const parts: Buffer[] = [];
        for (const group of json.weightsManifest) {
          specs.push(...group.weights);
          for (const p of group.paths) parts.push(readFileSync(join(dirname(path), p)));
        }
        const all = Buffer.concat(parts);
        return {
          modelTopology: json.modelTopology,
          weightSpecs: specs,
          weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
        };
      },
    };
  });
}

/** Loads Human's Node WASM build with face models only. */
export async function createHumanPeer(opts: HumanPeerOptions = {}): Promise<HumanPeer> {
  // Human prints through console.log; keep stdout clean for JSON benches.
  const mod = require(HUMAN_ENTRY) as { Human: HumanCtor };
  const skip = opts.detectEveryFrame ? 0 : opts.skipFrames;
  const detector: Record<string, unknown> = { enabled: true, maxDetected: 1, return: false, rotation: true };
  if (skip !== undefined) {
    detector.skipFrames = skip;
    if (skip === 0) detector.skipTime = 0;
  }
  const config = {
    backend: 'wasm',
    wasmPath: `${WASM_DIR}/`,
    modelBasePath: `${pathToFileURL(HUMAN_MODELS).href}/`,
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector,
      mesh: { enabled: true },
      iris: { enabled: true },
      attention: { enabled: false },
      // skipFrames 0: a fresh descriptor on every call (Human otherwise reuses it across similar frames).
      description: { enabled: !!opts.embedding, skipFrames: 0, skipTime: 0 },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
  const human = new mod.Human(config);
  const tf = human.tf;
  registerFileRouter(tf);
  const origLog = console.log;
  console.log = (...a: unknown[]) => console.error(...a);
  try {
    await human.load();
  } finally {
    console.log = origLog;
  }
  let simd = false;
  let threads = false;
  try {
    simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  } catch {
    // flags missing: leave false
  }
  const backend = `wasm ${simd ? 'simd' : 'no-simd'} ${threads ? 'multithreaded' : 'singlethreaded'}`;
  let closed = false;
  let rgb = new Int32Array(0);

  return {
    backend,
    async detect(frame: RgbaFrame): Promise<PeerFace | null> {
      if (closed) throw new AppError('CLOSED', 'human peer is closed');
      const { width: w, height: h, data } = frame;
      if (rgb.length !== w * h * 3) rgb = new Int32Array(w * h * 3);
      for (let i = 0, j = 0; i < w * h * 4; i += 4, j += 3) {
        rgb[j] = data[i];
        rgb[j + 1] = data[i + 1];
        rgb[j + 2] = data[i + 2];
      }
      const input = tf.tensor(rgb, [1, h, w, 3], 'int32');
      try {
        const res = await human.detect(input);
        if (res.error) throw new AppError('INFERENCE_FAILED', `human: ${res.error}`);
        const face = res.face[0];
        if (!face?.mesh || face.mesh.length < 478) return null;
        const mesh = new Float32Array(478 * 3);
        for (let i = 0; i < 478; i++) {
          // Human appends the iris of the eye at 263/362 first: swap the two blocks into MediaPipe order.
          const src = i < 468 ? i : i < 473 ? i + 5 : i - 5;
          const p = face.mesh[src];
          // Human truncates to whole pixels; +0.5 removes the half-pixel bias that truncation leaves in x and y.
          mesh[i * 3] = p[0] + 0.5;
          mesh[i * 3 + 1] = p[1] + 0.5;
          mesh[i * 3 + 2] = p[2];
        }
        const deg = 180 / Math.PI;
        const a = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
        const [x, y, bw, bh] = face.box;
        const boxRaw: [number, number] = [bw / w, bh / h];
        return {
          mesh,
          box: { x, y, width: bw, height: bh },
          angles: { yaw: a.yaw * deg, pitch: a.pitch * deg, roll: a.roll * deg },
          gaze: { bearing: face.rotation?.gaze?.bearing ?? 0, strength: face.rotation?.gaze?.strength ?? 0 },
          gazeFixed: gazeReading(unmirroredIris(mesh), boxRaw),
          frameWidth: w,
          frameHeight: h,
          embedding: face.embedding?.length ? Float32Array.from(face.embedding) : undefined,
          score: face.score,
        };
      } finally {
        input.dispose();
      }
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * A copy of a peer mesh with the subject's right iris (468-472) reflected back across the perpendicular
 * bisector of its eye corners (33, 133): Human's eye crop is centred there and turned with the face's roll, so
 * this undoes its mirroring (the refined lid contour of that eye is left mirrored: nearly symmetric, and
 * openness reads the same).
 */
export function unmirroredIris(mesh: Float32Array): Float32Array {
  const out = Float32Array.from(mesh);
  const ax = mesh[33 * 3];
  const ay = mesh[33 * 3 + 1];
  const bx = mesh[133 * 3];
  const by = mesh[133 * 3 + 1];
  const len = Math.hypot(bx - ax, by - ay);
  if (!(len > 0)) return out;
  const ux = (bx - ax) / len;
  const uy = (by - ay) / len;
  const cx = (ax + bx) / 2;
  const cy = (ay + by) / 2;
  for (let i = 468; i < 473; i++) {
    const d = (mesh[i * 3] - cx) * ux + (mesh[i * 3 + 1] - cy) * uy;
    out[i * 3] = mesh[i * 3] - 2 * d * ux;
    out[i * 3 + 1] = mesh[i * 3 + 1] - 2 * d * uy;
  }
  return out;
}

/**
 * Where the irises sit, read on a mesh the way gazeReading() reads one eye, for both eyes (right iris unmirrored):
 * the mean horizontal offset from the corners' midpoint in eye widths (+: image right), the mean vertical offset
 * in lid heights (+: down), and the mean lid opening in eye widths. Shows what an eye correction moved as the
 * judge sees it, component by component.
 */
export function irisOffsets(mesh: Float32Array): { x: number; y: number; open: number } {
  const m = unmirroredIris(mesh);
  const X = (k: number) => m[3 * k];
  const Y = (k: number) => m[3 * k + 1];
  let x = 0;
  let y = 0;
  let open = 0;
  for (const [iris, a, b, lower, upper] of [
    [468, 33, 133, 23, 27],
    [473, 362, 263, 253, 257],
  ]) {
    const w = X(b) - X(a);
    const h = Y(lower) - Y(upper);
    x += (X(iris) - (X(a) + X(b)) / 2) / w / 2;
    y += (Y(iris) - (Y(a) + Y(b)) / 2) / h / 2;
    open += h / w / 2;
  }
  return { x, y, open };
}

/**
 * Human 3.3.6's gaze reading (its face.rotation.gaze) computed on a mesh in MediaPipe order: the eye farther from
 * the camera (larger z at its outer corner) is read, its iris against its corners' midpoint, over (eye width,
 * its vertical extent 23-27 / 253-257), less an offset of 0.1 upward; strength is the norm, capped at half the
 * face box (normalised to the frame). On Human's own mesh it reproduces Human's numbers; on unmirroredIris(mesh)
 * it is the reading without Human's right-eye mirror error.
 */
export function gazeReading(
  m: ArrayLike<number>,
  boxRaw: [number, number],
): { bearing: number; strength: number } {
  const X = (k: number) => m[3 * k];
  const Y = (k: number) => m[3 * k + 1];
  const right = m[3 * 33 + 2] > m[3 * 263 + 2];
  const iris = right ? 468 : 473;
  const ax = right ? (X(133) + X(33)) / 2 : (X(263) + X(362)) / 2;
  const ay = right ? (Y(133) + Y(33)) / 2 : (Y(263) + Y(362)) / 2;
  const w = right ? X(133) - X(33) : X(263) - X(362);
  const h = right ? Y(23) - Y(27) : Y(253) - Y(257);
  const l0 = (ax - X(iris)) / w;
  const l1 = (Y(iris) - ay) / h + 0.1;
  // Human caps with its raw box (the detector's, normalised); the mesh box stands in for it here.
  const strength = Math.min(Math.hypot(l0, l1), boxRaw[0] / 2, boxRaw[1] / 2);
  return { bearing: (Math.atan2(-l1, -l0) + Math.PI / 2) % Math.PI, strength };
}
