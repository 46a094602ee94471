// Pinhole camera at the origin looking down +z (x right, y down, like the image), principal point at the image
// centre, square pixels. The field of view is the horizontal one; webcams are ~55-78 deg, 60 is the default.
export const IRIS_DIAMETER_MM = 11.7;

export class PinholeCamera {
  readonly focal: number;
  readonly cx: number;
  readonly cy: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly fovDeg = 60,
  ) {
    if (!(width > 0 && height > 0)) throw new RangeError('camera size must be positive');
    if (!(fovDeg > 1 && fovDeg < 179)) throw new RangeError('camera fov must be in (1, 179) degrees');
    this.focal = width / 2 / Math.tan((fovDeg * Math.PI) / 360);
    this.cx = width / 2;
    this.cy = height / 2;
  }

  /** Depth (mm) of an object of known size (mm) that spans `sizePx` pixels. */
  depthFromSize(sizeMm: number, sizePx: number): number {
    return (this.focal * sizeMm) / sizePx;
  }

  /** Back-projects pixel (x, y) at depth z (mm) into camera space (mm). */
  unproject(x: number, y: number, zMm: number, out: Float64Array): Float64Array {
    out[0] = ((x - this.cx) * zMm) / this.focal;
    out[1] = ((y - this.cy) * zMm) / this.focal;
    out[2] = zMm;
    return out;
  }

  /** Projects a camera-space point (mm) to pixels; out = [x, y]. */
  project(p: ArrayLike<number>, out: Float64Array): Float64Array {
    out[0] = (p[0] / p[2]) * this.focal + this.cx;
    out[1] = (p[1] / p[2]) * this.focal + this.cy;
    return out;
  }
}
