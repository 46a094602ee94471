// Pictures of `npm run vcam`: a v4l2loopback device (and ffmpeg's rawvideo input) takes one fixed size, while
// the processed video changes size with the mode (the avatar is square, eye contact the camera's): every frame
// is fitted into the output size with black bars. The placeholder says why the avatar is not shown.
import sharp from 'sharp';
import type { I420Frame } from '../video/frame.ts';
import { rgbaToI420 } from '../video/image.ts';

export interface Size {
  width: number;
  height: number;
}

/** `640x480` -> { width, height } (even sizes: I420 chroma is half-size). */
export function parseSize(text: string): Size | null {
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(text);
  if (!m) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width % 2 === 0 && height % 2 === 0 ? { width, height } : null;
}

/** An I420 frame of `size` holding `src` scaled to fit (aspect kept, nearest sample), centred on black. */
export function fitInto(src: I420Frame, size: Size, out?: Uint8Array): I420Frame {
  const { width: W, height: H } = size;
  const data = out ?? new Uint8Array(W * H * 1.5);
  if (src.width === W && src.height === H) {
    data.set(src.data.subarray(0, data.length));
    return { format: 'i420', width: W, height: H, data };
  }
  const scale = Math.min(W / src.width, H / src.height);
  // Even sizes and offsets keep the chroma planes aligned with the luma.
  const w = Math.max(2, Math.floor((src.width * scale) / 2) * 2);
  const h = Math.max(2, Math.floor((src.height * scale) / 2) * 2);
  const x0 = Math.floor((W - w) / 4) * 2;
  const y0 = Math.floor((H - h) / 4) * 2;
  data.fill(16, 0, W * H);
  data.fill(128, W * H);
  const plane = (srcOff: number, sw: number, sh: number, dstOff: number, dw: number, div: number) => {
    const pw = w / div;
    const ph = h / div;
    const px = x0 / div;
    const py = y0 / div;
    for (let y = 0; y < ph; y++) {
      const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / ph));
      const row = srcOff + sy * sw;
      const dst = dstOff + (py + y) * dw + px;
      for (let x = 0; x < pw; x++)
        data[dst + x] = src.data[row + Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / pw))];
    }
  };
  const cw = src.width >> 1;
  const ch = src.height >> 1;
  plane(0, src.width, src.height, 0, W, 1);
  plane(src.width * src.height, cw, ch, W * H, W >> 1, 2);
  plane(src.width * src.height + cw * ch, cw, ch, W * H + (W >> 1) * (H >> 1), W >> 1, 2);
  return { format: 'i420', width: W, height: H, data };
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The placeholder picture: dark, with what is happening and a promise that the camera is not shown. */
export async function placeholderFrame(size: Size, lines: string[]): Promise<I420Frame> {
  const { width, height } = size;
  const fontPx = Math.max(12, Math.round(height / 22));
  const text = lines
    .map(
      (l, i) =>
        `<text x="50%" y="${Math.round(height * 0.42 + i * fontPx * 1.6)}" text-anchor="middle" ` +
        `font-family="sans-serif" font-size="${i === 0 ? fontPx * 1.4 : fontPx}" fill="#e8e8e8">${escapeXml(l)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#20242c"/>${text}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rgbaToI420({ format: 'rgba', width: info.width, height: info.height, data: new Uint8Array(data) });
}
