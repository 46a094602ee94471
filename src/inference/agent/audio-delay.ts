// Lip sync through the agent: the user's audio is decoded here (RTCAudioSink), held back by the video's
// measured delay through the agent (slot wait + processing), and re-published (RTCAudioSource) in the same
// stream as the processed video. The SFU routes audio with video, so receivers get both from one source.
export interface AudioChunk {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample: number;
  channelCount: number;
  numberOfFrames: number;
}

export class AudioDelayLine {
  #queue: Array<{ chunk: AudioChunk; at: number }> = [];
  #timer: NodeJS.Timeout;
  #delayMs = 0;
  #out: (chunk: AudioChunk) => void;
  /** Most audio held, ms: beyond it the oldest chunks are dropped (bounded latency). */
  readonly maxDelayMs: number;

  constructor(out: (chunk: AudioChunk) => void, maxDelayMs = 500) {
    this.#out = out;
    this.maxDelayMs = maxDelayMs;
    this.#timer = setInterval(() => this.#drain(), 5);
    this.#timer.unref();
  }

  /** Target delay; moved gradually (at most 2 ms per chunk) so the change is inaudible. */
  setDelay(ms: number): void {
    this.#target = Math.max(0, Math.min(this.maxDelayMs, ms));
  }
  #target = 0;

  get delayMs(): number {
    return this.#delayMs;
  }

  push(chunk: AudioChunk): void {
    // The sink reuses its buffer: keep a copy.
    this.#queue.push({ chunk: { ...chunk, samples: chunk.samples.slice() }, at: performance.now() });
    while (this.#queue.length > 0 && performance.now() - this.#queue[0].at > this.maxDelayMs + 100)
      this.#queue.shift();
  }

  #drain(): void {
    const now = performance.now();
    while (this.#queue.length > 0) {
      const step =
        Math.sign(this.#target - this.#delayMs) * Math.min(2, Math.abs(this.#target - this.#delayMs));
      const head = this.#queue[0];
      if (now - head.at < this.#delayMs + step) break;
      this.#delayMs += step;
      this.#queue.shift();
      this.#out(head.chunk);
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#queue = [];
  }
}
