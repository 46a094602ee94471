// Close-up contact sheet of eye contact: per row, the band of both eyes in the input and in the output side by
// side (enlarged), with a label of why the row was picked (looking down, aside, blinking, into the lens).
import sharp from 'sharp';
import type { RgbaFrame } from '../src/video/frame.ts';

export interface SheetRow {
  label: string;
  input: RgbaFrame;
  output: RgbaFrame;
  /** The frame's landmarks (for the eye band). */
  landmarks: ArrayLike<number>;
}

function band(kp: ArrayLike<number>, w: number, h: number) {
  const xs = [33, 133, 263, 362].map((k) => kp[3 * k]);
  const ys = [33, 133, 263, 362].map((k) => kp[3 * k + 1]);
  const L = Math.hypot(kp[3 * 133] - kp[3 * 33], kp[3 * 133 + 1] - kp[3 * 33 + 1]);
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const x0 = Math.max(0, Math.round(Math.min(...xs) - 0.45 * L));
  const x1 = Math.min(w, Math.round(Math.max(...xs) + 0.45 * L));
  const y0 = Math.max(0, Math.round(cy - 0.65 * L));
  const y1 = Math.min(h, Math.round(cy + 0.55 * L));
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

async function tile(f: RgbaFrame, box: ReturnType<typeof band>, width: number): Promise<Buffer> {
  return sharp(f.data, { raw: { width: f.width, height: f.height, channels: 4 } })
    .extract(box)
    .resize(width, Math.round((box.height * width) / box.width), { kernel: 'lanczos3' })
    .png()
    .toBuffer();
}

function label(text: string, width: number): Buffer {
  const safe = text.replace(/[<>&]/g, '');
  return Buffer.from(
    `<svg width="${width}" height="22"><rect width="100%" height="100%" fill="black"/>` +
      `<text x="6" y="16" font-family="sans-serif" font-size="14" fill="white">${safe}</text></svg>`,
  );
}

/** Writes the sheet (JPEG or PNG by the extension). Columns: input | output. */
export async function eyeSheet(path: string, rows: readonly SheetRow[], width = 420): Promise<void> {
  const comps: { input: Buffer; left: number; top: number }[] = [];
  let top = 0;
  for (const r of rows) {
    const box = band(r.landmarks, r.input.width, r.input.height);
    const a = await tile(r.input, box, width);
    const b = await tile(r.output, box, width);
    const h = (await sharp(a).metadata()).height ?? 0;
    comps.push({ input: label(r.label, 2 * width + 4), left: 0, top });
    comps.push({ input: a, left: 0, top: top + 22 }, { input: b, left: width + 4, top: top + 22 });
    top += h + 26;
  }
  const img = sharp({
    create: { width: 2 * width + 4, height: Math.max(1, top), channels: 3, background: 'black' },
  }).composite(comps);
  if (path.endsWith('.png')) await img.png().toFile(path);
  else await img.jpeg({ quality: 90 }).toFile(path);
}
