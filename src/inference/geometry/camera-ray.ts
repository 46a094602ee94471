// The direction "into the camera" in the frame the gaze is measured in.
//
// The gaze estimator reads an eye's direction from where its iris sits against the eyeball centre in the image
// (weak perspective around the face: image axes, one viewing ray for the whole face). Under the real pinhole an
// eye looking straight into the lens has its iris on the same ray as its eyeball centre, so it shows no offset
// wherever the face is in the picture; only the two eyes' convergence on the lens remains. The direction to the
// camera in those axes is therefore each eye's ray to the camera turned by the rotation that takes the face's own
// ray onto the optical axis: a face off the image centre (a webcam above the screen puts it low) no longer reads
// as looking away by its offset angle.
import { angleBetween, normalize3 } from './math.ts';
import type { GazeResult } from './types.ts';

/**
 * Unit direction (image axes) in which `eye` (camera space, mm) looks into the camera, for a face whose two eyes
 * are at `left` and `right` (mm).
 */
export function cameraDirection(
  eye: ArrayLike<number>,
  left: ArrayLike<number>,
  right: ArrayLike<number>,
  out = new Float64Array(3),
): Float64Array {
  // Ray from the eye to the camera, and the face's ray (from between the eyes).
  const ex = -eye[0];
  const ey = -eye[1];
  const ez = -eye[2];
  const en = Math.hypot(ex, ey, ez) || 1;
  const fx = -(left[0] + right[0]) / 2;
  const fy = -(left[1] + right[1]) / 2;
  const fz = -(left[2] + right[2]) / 2;
  const fn = Math.hypot(fx, fy, fz) || 1;
  // Rotation taking the face ray f onto (0, 0, -1), applied to the eye's ray e (Rodrigues, v = f x a).
  const a = [fx / fn, fy / fn, fz / fn];
  const vx = a[1] * -1 - a[2] * 0;
  const vy = a[2] * 0 - a[0] * -1;
  const vz = 0;
  const c = -a[2];
  const x = ex / en;
  const y = ey / en;
  const z = ez / en;
  if (c < -0.999999) {
    out[0] = x;
    out[1] = y;
    out[2] = z;
    return out;
  }
  const k = 1 / (1 + c);
  // R e = e c' ... written out: R = I + [v]x + [v]x^2 k
  const cx = vy * z - vz * y;
  const cy = vz * x - vx * z;
  const cz = vx * y - vy * x;
  const ccx = vy * cz - vz * cy;
  const ccy = vz * cx - vx * cz;
  const ccz = vx * cy - vy * cx;
  out[0] = x + cx + ccx * k;
  out[1] = y + cy + ccy * k;
  out[2] = z + cz + ccz * k;
  return normalize3(out);
}

/** Sets each eye's cameraAngle (degrees) from its direction and both eyes' places. */
export function setCameraAngles(g: GazeResult): void {
  for (const e of [g.left, g.right])
    e.cameraAngle = angleBetween(e.direction, cameraDirection(e.centreMm, g.left.centreMm, g.right.centreMm));
}
