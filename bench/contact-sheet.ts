// A PNG contact sheet of frames (one row per sample, one column per variant), for eyeballing bench output.
import sharp from 'sharp';
import type { RgbaFrame } from '../src/video/frame.ts';

/** Writes `rows` as a grid of tile x tile squares to `path`; rows may differ in length (black fills). */
export async function contactSheet(path: string, rows: RgbaFrame[][], tile: number): Promise<void> {
  const comps = [];
  for (let r = 0; r < rows.length; r++)
    for (let c = 0; c < rows[r].length; c++) {
      const f = rows[r][c];
      const input = await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 4 } })
        .resize(tile, tile)
        .png()
        .toBuffer();
      comps.push({ input, left: c * tile, top: r * tile });
    }
  const cols = Math.max(...rows.map((r) => r.length));
  await sharp({
    create: { width: cols * tile, height: rows.length * tile, channels: 3, background: 'black' },
  })
    .composite(comps)
    .png()
    .toFile(path);
}
