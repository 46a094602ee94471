// The README's avatar contact sheet: one row per expression the avatar must follow (a wink, an "oh", a wide
// smile, a turn to each side), the driver frame first, then each identity rendered at 512 by the pipeline as
// configured, with the clip played from its first frame up to the pick (the neutral face and the smoothing see
// what they would live). Prints one JSON line naming the picks.
// Options: --ids s0,s3,s9,s12 --out docs/avatar-contact-sheet.png --tile 192 --renderer learned|classic
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RegionRenderer } from '../src/inference/generator/learned-regions.ts';
import { FramePipeline } from '../src/inference/pipeline/pipeline.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { decodeImage } from '../src/video/image.ts';
import { contactSheet } from './contact-sheet.ts';

/** Driver frames picked by look and by the analyzer's mouth and blink readings (npm run analyze). */
export const PICKS = [
  { what: 'wink', driver: 'd3', frame: 15 },
  { what: 'oh', driver: 'd12', frame: 122 },
  { what: 'wide smile', driver: 'd0', frame: 51 },
  { what: 'turn (yaw -22)', driver: 'd12', frame: 47 },
  { what: 'turn (yaw +22)', driver: 'd12', frame: 89 },
] as const;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ids: { type: 'string', default: 's0,s3,s9,s12' },
      out: { type: 'string', default: 'docs/avatar-contact-sheet.png' },
      tile: { type: 'string', default: '192' },
      renderer: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const ids = values.ids.split(',');
  const rows: RgbaFrame[][] = [];
  for (const pick of PICKS) {
    const jpegs = readMjpeg(join(FIXTURES_DIR, 'drivers', `${pick.driver}.mjpeg`)).slice(0, pick.frame + 1);
    const frames: RgbaFrame[] = [];
    for (const j of jpegs) frames.push(await decodeImage(j));
    const row = [frames[pick.frame]];
    for (const id of ids) {
      const pipeline = await FramePipeline.create({
        size: 512,
        regionRenderer: values.renderer as RegionRenderer | undefined,
      });
      try {
        await pipeline.setIdentity([join(FIXTURES_DIR, 'identities', `${id}.jpg`)]);
        let last: RgbaFrame | null = null;
        for (let i = 0; i < frames.length; i++)
          last = (await pipeline.process(frames[i], 'avatar', (i * 1000) / 25)).frame as RgbaFrame;
        if (last) row.push(last);
      } finally {
        await pipeline.close();
      }
    }
    rows.push(row);
  }
  await contactSheet(values.out, rows, Number(values.tile));
  process.stdout.write(`${JSON.stringify({ bench: 'sheet', out: values.out, ids, picks: PICKS })}\n`);
}
