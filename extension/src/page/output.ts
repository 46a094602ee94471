// The track the page holds: a MediaStreamTrackGenerator fed, frame by frame, from one of three sources: the
// processed video from the server, the real camera, or a placeholder picture. The source is decided for every
// frame (cameraSource in the protocol), so a toggle or a lost server changes what the page's track shows
// without the page asking again, and the track never freezes: while neither stream delivers, the placeholder
// is drawn ten times a second. Latest frame wins: a frame the generator cannot take at once is dropped.
import type { CameraSource } from '../../../src/signaling/camera-source.ts';

/** Processed frames count as flowing while the last one is younger than this. */
const FLOWING_MS = 700;
const PLACEHOLDER_MS = 100;
const PREVIEW_MS = 1000;
const PREVIEW_WIDTH = 160;
/** Placeholder size: not the avatar's 256x256, so nobody mistakes one for the other. */
const PLACEHOLDER_W = 320;
const PLACEHOLDER_H = 240;

export interface OutputStats {
  fps: number;
  processedFps: number;
  drops: number;
  source: CameraSource;
}

export class CameraOutput {
  readonly track: MediaStreamTrack;
  /** Decides the source for the next frame; `flowing`: processed frames arrive. */
  decide: (flowing: boolean) => CameraSource = () => 'placeholder';
  /** Lines drawn on the placeholder (why it shows). */
  #placeholderText: string[] = ['gazecam', 'starting'];
  #placeholder: OffscreenCanvas | null = null;
  #generator: MediaStreamTrackGenerator;
  #writer: WritableStreamDefaultWriter<VideoFrame>;
  #remote: MediaStreamTrack | null = null;
  #remoteReader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  #lastProcessedAt = 0;
  #source: CameraSource = 'placeholder';
  #timer: ReturnType<typeof setInterval>;
  #written: number[] = [];
  #writtenProcessed: number[] = [];
  #drops = 0;
  #lastPreviewAt = 0;
  #preview: string | null = null;
  #closed = false;

  constructor(private readonly camera: MediaStreamTrack) {
    this.#generator = new MediaStreamTrackGenerator({ kind: 'video' });
    this.#writer = this.#generator.writable.getWriter();
    this.track = this.#generator;
    void this.#pump(camera, 'camera');
    this.#timer = setInterval(() => this.#tick(), PLACEHOLDER_MS);
  }

  /** The processed video track from the server (null: none, e.g. disconnected). */
  setRemote(track: MediaStreamTrack | null): void {
    if (track === this.#remote) return;
    void this.#remoteReader?.cancel().catch(() => undefined);
    this.#remoteReader = null;
    this.#remote = track;
    if (track) void this.#pump(track, 'processed');
  }

  setPlaceholderText(lines: string[]): void {
    if (lines.join('\n') === this.#placeholderText.join('\n')) return;
    this.#placeholderText = lines;
    this.#placeholder = null;
  }

  /** The latest frame as a small JPEG data URL (about once a second). */
  get preview(): string | null {
    return this.#preview;
  }

  stats(): OutputStats {
    const now = performance.now();
    const recent = (list: number[]) => list.filter((t) => now - t < 2000).length / 2;
    this.#written = this.#written.filter((t) => now - t < 2000);
    this.#writtenProcessed = this.#writtenProcessed.filter((t) => now - t < 2000);
    return {
      fps: recent(this.#written),
      processedFps: recent(this.#writtenProcessed),
      drops: this.#drops,
      source: this.#source,
    };
  }

  #flowing(): boolean {
    return performance.now() - this.#lastProcessedAt < FLOWING_MS;
  }

  async #pump(track: MediaStreamTrack, kind: 'camera' | 'processed'): Promise<void> {
    const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    if (kind === 'processed') this.#remoteReader = reader;
    try {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) return;
        if (kind === 'processed') {
          if (this.#remoteReader !== reader) {
            frame.close();
            return;
          }
          this.#lastProcessedAt = performance.now();
        }
        this.#source = this.decide(this.#flowing());
        if (this.#source === kind && !this.#closed) this.#write(frame, kind === 'processed');
        else frame.close();
      }
    } catch {
      // The track ended or the reader was cancelled: the other sources carry on.
    } finally {
      reader.releaseLock();
    }
  }

  #tick(): void {
    if (this.#closed) return;
    this.#source = this.decide(this.#flowing());
    if (this.#source === 'placeholder') this.#write(this.#placeholderFrame(), false);
  }

  #write(frame: VideoFrame, processed: boolean): void {
    // Restamped: the three sources have unrelated clocks, the page's encoder wants one rising timeline.
    const out = new VideoFrame(frame, { timestamp: Math.round(performance.now() * 1000) });
    frame.close();
    if (this.#writer.desiredSize !== null && this.#writer.desiredSize <= 0) {
      out.close();
      this.#drops++;
      return;
    }
    const now = performance.now();
    if (now - this.#lastPreviewAt > PREVIEW_MS) {
      this.#lastPreviewAt = now;
      void this.#snapshot(out);
    }
    this.#written.push(now);
    if (processed) this.#writtenProcessed.push(now);
    this.#writer.write(out).catch(() => out.close());
  }

  async #snapshot(frame: VideoFrame): Promise<void> {
    const h = Math.max(
      1,
      Math.round((PREVIEW_WIDTH * frame.displayHeight) / Math.max(1, frame.displayWidth)),
    );
    const canvas = new OffscreenCanvas(PREVIEW_WIDTH, h);
    canvas.getContext('2d')?.drawImage(frame, 0, 0, PREVIEW_WIDTH, h);
    try {
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.6 });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      this.#preview = `data:image/jpeg;base64,${btoa(bin)}`;
    } catch {
      // A preview is a nicety; the track does not depend on it.
    }
  }

  #placeholderFrame(): VideoFrame {
    if (!this.#placeholder) {
      const c = new OffscreenCanvas(PLACEHOLDER_W, PLACEHOLDER_H);
      const g = c.getContext('2d');
      if (g) {
        g.fillStyle = '#20242c';
        g.fillRect(0, 0, PLACEHOLDER_W, PLACEHOLDER_H);
        g.fillStyle = '#e8e8e8';
        g.textAlign = 'center';
        g.font = 'bold 22px sans-serif';
        g.fillText(this.#placeholderText[0] ?? '', PLACEHOLDER_W / 2, 100);
        g.font = '14px sans-serif';
        this.#placeholderText.slice(1, 5).forEach((line, i) => {
          g.fillText(line.slice(0, 44), PLACEHOLDER_W / 2, 132 + i * 20);
        });
      }
      this.#placeholder = c;
    }
    return new VideoFrame(this.#placeholder, { timestamp: 0 });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.setRemote(null);
    this.camera.stop();
    void this.#writer.close().catch(() => undefined);
    this.#generator.stop();
  }
}
