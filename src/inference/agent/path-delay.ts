// How long video takes through the agent outside the frame loop, from libwebrtc's own stats: jitter buffer +
// decode + encode + pacing. With the frame loop's latency it is what the SFU delays the user's audio by, so the
// audio reaches receivers in step with the processed video.
type Stat = Record<string, unknown>;

const num = (s: Stat | undefined, k: string): number => (typeof s?.[k] === 'number' ? (s[k] as number) : 0);

interface Snapshot {
  vJb: number;
  vJbCount: number;
  vDecode: number;
  vDecoded: number;
  aJb: number;
  aJbCount: number;
  vEncode: number;
  vEncoded: number;
  vSendDelay: number;
  vPackets: number;
}

function snapshot(inbound: Stat[], outbound: Stat[]): Snapshot {
  const vIn = inbound.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
  const aIn = inbound.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
  const vOut = outbound.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  return {
    vJb: num(vIn, 'jitterBufferDelay'),
    vJbCount: num(vIn, 'jitterBufferEmittedCount'),
    vDecode: num(vIn, 'totalDecodeTime'),
    vDecoded: num(vIn, 'framesDecoded'),
    aJb: num(aIn, 'jitterBufferDelay'),
    aJbCount: num(aIn, 'jitterBufferEmittedCount'),
    vEncode: num(vOut, 'totalEncodeTime'),
    vEncoded: num(vOut, 'framesEncoded'),
    vSendDelay: num(vOut, 'totalPacketSendDelay'),
    vPackets: num(vOut, 'packetsSent'),
  };
}

const perItemMs = (dTotalSeconds: number, dCount: number) =>
  dCount > 0 ? (dTotalSeconds / dCount) * 1000 : 0;

export interface PathDelays {
  /** Agent-side video path excluding the frame loop, ms. */
  videoMs: number;
  /** Agent-side audio path (jitter buffer), ms, when the agent receives audio. */
  audioMs: number;
}

/** Tracks stats deltas between calls; `update` returns the mean path delays over the last interval. */
export class PathDelayMeter {
  #last: Snapshot | null = null;
  #smoothed: PathDelays | null = null;

  update(inbound: Stat[], outbound: Stat[]): PathDelays | null {
    const now = snapshot(inbound, outbound);
    const prev = this.#last;
    this.#last = now;
    if (!prev) return null;
    const videoMs =
      perItemMs(now.vJb - prev.vJb, now.vJbCount - prev.vJbCount) +
      perItemMs(now.vDecode - prev.vDecode, now.vDecoded - prev.vDecoded) +
      perItemMs(now.vEncode - prev.vEncode, now.vEncoded - prev.vEncoded) +
      perItemMs(now.vSendDelay - prev.vSendDelay, now.vPackets - prev.vPackets);
    const audioMs = perItemMs(now.aJb - prev.aJb, now.aJbCount - prev.aJbCount);
    // Smooth over a few seconds: the delay line should follow trends, not single spikes.
    const s = this.#smoothed;
    this.#smoothed = s
      ? { videoMs: 0.7 * s.videoMs + 0.3 * videoMs, audioMs: 0.7 * s.audioMs + 0.3 * audioMs }
      : { videoMs, audioMs };
    return this.#smoothed;
  }
}
