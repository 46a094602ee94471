// A frame counter stamped into the picture as a row of black/white blocks along the top edge, readable after
// VP8 encode/decode: the call benchmark and tests measure latency and identify frames with it.
import type { I420Frame } from './frame.ts';

const DATA_BITS = 16;
const CHECK_BITS = 8;
const BITS = DATA_BITS + CHECK_BITS;
const BLACK = 16;
const WHITE = 235;

function geometry(width: number): { block: number; rows: number } {
  const block = Math.max(4, Math.floor(width / BITS));
  return { block, rows: block };
}

/** Height in pixels of the stamp band at the top of a frame of this width. */
export function stampHeight(width: number): number {
  return geometry(width).rows;
}

/** Writes `value` (16 bits) and a check byte into the top band of the Y plane (chroma set neutral there). */
export function writeStamp(frame: I420Frame, value: number): void {
  const { width: w, data } = frame;
  const { block, rows } = geometry(w);
  const v = value & 0xffff;
  const check = (~(v ^ (v >> 8)) & 0xff) >>> 0;
  const word = v | (check << DATA_BITS);
  for (let b = 0; b < BITS; b++) {
    const on = (word >> b) & 1;
    const x0 = b * block;
    for (let y = 0; y < rows; y++) data.fill(on ? WHITE : BLACK, y * w + x0, y * w + x0 + block);
  }
  const cw = (w + 1) >> 1;
  const ch = (frame.height + 1) >> 1;
  const uOff = w * frame.height;
  const vOff = uOff + cw * ch;
  for (let y = 0; y < (rows + 1) >> 1; y++) {
    data.fill(128, uOff + y * cw, uOff + y * cw + cw);
    data.fill(128, vOff + y * cw, vOff + y * cw + cw);
  }
}

/** Reads a stamp; null when absent or damaged (check byte mismatch). */
export function readStamp(frame: I420Frame): number | null {
  const { width: w, data } = frame;
  const { block, rows } = geometry(w);
  if (rows * 2 > frame.height) return null;
  let word = 0;
  const m = Math.max(1, Math.floor(block / 4));
  for (let b = 0; b < BITS; b++) {
    let sum = 0;
    let n = 0;
    for (let y = m; y < rows - m; y++) {
      for (let x = b * block + m; x < (b + 1) * block - m; x++) {
        sum += data[y * w + x];
        n++;
      }
    }
    if (sum / n > (BLACK + WHITE) / 2) word |= 1 << b;
  }
  const v = word & 0xffff;
  const check = (word >>> DATA_BITS) & 0xff;
  return check === (~(v ^ (v >> 8)) & 0xff) >>> 0 ? v : null;
}

/** Carries the stamp from the input to the processed frame (the band itself, or the value re-stamped when the
 * output has another size, e.g. the avatar's). */
export function copyStamp(from: I420Frame, to: I420Frame): void {
  if (from.width !== to.width || from.height !== to.height) {
    const v = readStamp(from);
    if (v !== null) writeStamp(to, v);
    return;
  }
  const w = from.width;
  const rows = Math.min(stampHeight(w) + 1, from.height);
  to.data.set(from.data.subarray(0, rows * w), 0);
  const cw = (w + 1) >> 1;
  const ch = (from.height + 1) >> 1;
  const uOff = w * from.height;
  const crow = (rows + 1) >> 1;
  to.data.set(from.data.subarray(uOff, uOff + crow * cw), uOff);
  to.data.set(from.data.subarray(uOff + cw * ch, uOff + cw * ch + crow * cw), uOff + cw * ch);
}
