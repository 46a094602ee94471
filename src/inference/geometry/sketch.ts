// The key-point sketch (paper Sec. 3.2): the face's parts drawn as coloured lines on black, and inside each
// eye opening a fill whose colour encodes the gaze angles (red: horizontal, green: vertical, 128 = straight at
// the camera, +-45 deg to 0/255) with the iris disc, from the eye mesh, in a darker shade of the same colour.
// Plain integer rasterisation into a reused RGBA buffer: no allocation per frame.
import type { RgbaFrame } from '../../video/frame.ts';
import { eyeMesh, eyeMeshSize } from './gaze.ts';
import { SKETCH_CHAINS } from './landmarks.ts';
import { DEG } from './math.ts';
import type { SketchStyle } from './types.ts';

export const DEFAULT_SKETCH_STYLE: SketchStyle = {
  contour: [255, 255, 255],
  brows: [255, 160, 0],
  nose: [0, 200, 255],
  eyes: [255, 255, 0],
  lipsOuter: [255, 0, 80],
  lipsInner: [160, 0, 255],
  background: [0, 0, 0],
  lineWidth: 1,
};

/** Image -> sketch mapping: sketch = image * scale + offset. */
export interface SketchView {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** One eye as the sketch needs it (an EyeGaze satisfies it); direction is the gaze to draw. */
export interface SketchEye {
  centre: ArrayLike<number>;
  radius: number;
  irisRadius: number;
  direction: ArrayLike<number>;
  /** False: the eye is closed, only its lids are drawn. */
  open?: boolean;
}

/** Colour code of a gaze direction (image axes): red from the horizontal angle, green from the vertical. */
export function gazeColour(direction: ArrayLike<number>): [number, number, number] {
  const fz = Math.max(1e-6, -direction[2]);
  const h = Math.atan2(-direction[0], fz) * DEG;
  const v = Math.atan2(direction[1], fz) * DEG;
  const c = (a: number) => Math.max(0, Math.min(255, Math.round(128 + (127 * a) / 45)));
  return [c(h), c(v), 255];
}

/** Maps a width x height image onto a size x size sketch (whole image, centred, aspect kept). */
export function fitView(width: number, height: number, size: number): SketchView {
  const scale = size / Math.max(width, height);
  return { scale, offsetX: (size - width * scale) / 2, offsetY: (size - height * scale) / 2 };
}

export class SketchRenderer {
  readonly size: number;
  readonly style: SketchStyle;
  readonly frame: RgbaFrame;
  private readonly mask: Uint8Array;
  private readonly xs = new Float64Array(128);
  private readonly poly = new Float64Array(256);
  private readonly mesh = new Float32Array(eyeMeshSize() * 3);
  private readonly lw: number;
  private readonly words: Uint32Array;
  private readonly pixel = new Uint32Array(1);

  constructor(size = 256, style: Partial<SketchStyle> = {}) {
    if (!(size >= 16 && size <= 4096)) throw new RangeError('sketch size must be in [16, 4096]');
    this.size = size;
    this.style = { ...DEFAULT_SKETCH_STYLE, ...style };
    this.frame = { format: 'rgba', width: size, height: size, data: new Uint8Array(size * size * 4) };
    this.mask = new Uint8Array(size * size);
    this.words = new Uint32Array(this.frame.data.buffer, this.frame.data.byteOffset, size * size);
    this.lw = Math.max(1, Math.round((this.style.lineWidth * size) / 256));
  }

  /**
   * Draws the sketch of `points` (478 x 3, image pixels) mapped by `view`, with the eyes' gaze when given.
   * Returns the renderer's frame (overwritten by the next call).
   */
  /** The background alone (e.g. for a frame without a face). */
  clear(): RgbaFrame {
    const [br, bg, bb] = this.style.background;
    // One 32-bit store per pixel (RGBA bytes in memory order on a little-endian host; fill handles both).
    const bytes = new Uint8Array(this.pixel.buffer);
    bytes[0] = br;
    bytes[1] = bg;
    bytes[2] = bb;
    bytes[3] = 255;
    this.words.fill(this.pixel[0]);
    return this.frame;
  }

  render(
    points: ArrayLike<number>,
    view: SketchView,
    eyes?: { left: SketchEye; right: SketchEye } | null,
  ): RgbaFrame {
    const st = this.style;
    this.clear();
    if (eyes) {
      const loops = SKETCH_CHAINS.eyes;
      this.drawEye(points, view, loops[1].points, eyes.left);
      this.drawEye(points, view, loops[0].points, eyes.right);
    }
    const parts = ['contour', 'brows', 'nose', 'lipsOuter', 'lipsInner', 'eyes'] as const;
    for (const part of parts) {
      const col = st[part];
      for (const chain of SKETCH_CHAINS[part]) this.polyline(points, view, chain.points, chain.closed, col);
    }
    return this.frame;
  }

  private drawEye(
    points: ArrayLike<number>,
    view: SketchView,
    loop: readonly number[],
    eye: SketchEye,
  ): void {
    if (eye.open === false) return;
    const n = loop.length;
    const poly = this.poly;
    for (let k = 0; k < n; k++) {
      poly[k * 2] = points[loop[k] * 3] * view.scale + view.offsetX;
      poly[k * 2 + 1] = points[loop[k] * 3 + 1] * view.scale + view.offsetY;
    }
    const col = gazeColour(eye.direction);
    const bbox = this.fillPolygon(poly, n, col, 1, 0);
    if (!bbox) return;
    // Iris disc from the eye mesh's ring, only inside the eye opening.
    const m = eyeMesh(eye, eye.direction, this.mesh);
    const ringStart = eyeMeshSize() - 16;
    for (let k = 0; k < 16; k++) {
      poly[k * 2] = m[(ringStart + k) * 3] * view.scale + view.offsetX;
      poly[k * 2 + 1] = m[(ringStart + k) * 3 + 1] * view.scale + view.offsetY;
    }
    this.fillPolygon(poly, 16, [col[0] >> 1, col[1] >> 1, col[2] >> 1], 0, 1);
    // Clear the eye's mask for the next eye.
    const S = this.size;
    for (let y = bbox[1]; y <= bbox[3]; y++) this.mask.fill(0, y * S + bbox[0], y * S + bbox[2] + 1);
  }

  /**
   * Even-odd scanline fill at pixel centres. markMask: set mask where filled; needMask: fill only where set.
   * Returns the filled rows/columns' bounds [x0, y0, x1, y1], or null when empty.
   */
  private fillPolygon(
    poly: Float64Array,
    n: number,
    col: readonly [number, number, number],
    markMask: 0 | 1,
    needMask: 0 | 1,
  ): [number, number, number, number] | null {
    const S = this.size;
    let minY = Number.POSITIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    let minX = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      minX = Math.min(minX, poly[k * 2]);
      maxX = Math.max(maxX, poly[k * 2]);
      minY = Math.min(minY, poly[k * 2 + 1]);
      maxY = Math.max(maxY, poly[k * 2 + 1]);
    }
    const y0 = Math.max(0, Math.ceil(minY - 0.5));
    const y1 = Math.min(S - 1, Math.floor(maxY - 0.5));
    if (!(y1 >= y0) || !Number.isFinite(minX)) return null;
    const d = this.frame.data;
    const xs = this.xs;
    for (let y = y0; y <= y1; y++) {
      const yc = y + 0.5;
      let m = 0;
      for (let k = 0; k < n; k++) {
        const ax = poly[k * 2];
        const ay = poly[k * 2 + 1];
        const j = (k + 1) % n;
        const bx = poly[j * 2];
        const by = poly[j * 2 + 1];
        if (ay <= yc !== by <= yc) xs[m++] = ax + ((yc - ay) * (bx - ax)) / (by - ay);
      }
      // insertion sort: a handful of crossings
      for (let a = 1; a < m; a++) {
        const v = xs[a];
        let b = a - 1;
        while (b >= 0 && xs[b] > v) {
          xs[b + 1] = xs[b];
          b--;
        }
        xs[b + 1] = v;
      }
      for (let a = 0; a + 1 < m; a += 2) {
        const xa = Math.max(0, Math.ceil(xs[a] - 0.5));
        const xb = Math.min(S - 1, Math.floor(xs[a + 1] - 0.5));
        for (let x = xa; x <= xb; x++) {
          const p = y * S + x;
          if (needMask && !this.mask[p]) continue;
          if (markMask) this.mask[p] = 1;
          d[p * 4] = col[0];
          d[p * 4 + 1] = col[1];
          d[p * 4 + 2] = col[2];
        }
      }
    }
    return [Math.max(0, Math.floor(minX)), y0, Math.min(S - 1, Math.ceil(maxX)), y1];
  }

  private polyline(
    points: ArrayLike<number>,
    view: SketchView,
    chain: readonly number[],
    closed: boolean,
    col: readonly [number, number, number],
  ): void {
    const n = chain.length;
    const segs = closed ? n : n - 1;
    for (let k = 0; k < segs; k++) {
      const a = chain[k];
      const b = chain[(k + 1) % n];
      this.line(
        points[a * 3] * view.scale + view.offsetX,
        points[a * 3 + 1] * view.scale + view.offsetY,
        points[b * 3] * view.scale + view.offsetX,
        points[b * 3 + 1] * view.scale + view.offsetY,
        col,
      );
    }
  }

  /** Line of width lw: squares stamped at unit steps along it. */
  private line(x0: number, y0: number, x1: number, y1: number, col: readonly [number, number, number]): void {
    const S = this.size;
    const d = this.frame.data;
    const w = this.lw;
    const h = (w - 1) / 2;
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    if (!Number.isFinite(steps) || steps > 8 * S) return;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const px = Math.floor(x0 + (x1 - x0) * t - h);
      const py = Math.floor(y0 + (y1 - y0) * t - h);
      for (let yy = py; yy < py + w; yy++) {
        if (yy < 0 || yy >= S) continue;
        for (let xx = px; xx < px + w; xx++) {
          if (xx < 0 || xx >= S) continue;
          const p = (yy * S + xx) * 4;
          d[p] = col[0];
          d[p + 1] = col[1];
          d[p + 2] = col[2];
        }
      }
    }
  }
}
