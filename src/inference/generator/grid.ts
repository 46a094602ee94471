// Conversions between pixel coordinates and the generator's flow grid (GridSample, align_corners=0).

/** Normalised grid coordinate of a pixel position (pixel centres at integers). */
export const toGrid = (p: number, size: number): number => (2 * p + 1) / size - 1;

/** Fills `out` (H*W*2, or a slice of an [M,H,W,2] buffer) with the identity map. */
export function identityGrid(
  width: number,
  height: number,
  out = new Float32Array(width * height * 2),
): Float32Array {
  let i = 0;
  for (let y = 0; y < height; y++) {
    const gy = toGrid(y, height);
    for (let x = 0; x < width; x++) {
      out[i++] = toGrid(x, width);
      out[i++] = gy;
    }
  }
  return out;
}
