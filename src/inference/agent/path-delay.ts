// How much later processed video reaches receivers than the raw camera would, from libwebrtc's own stats in the
// agent: decode + encode + pacing (plus the frame loop's latency, which the agent adds), and how much later audio
// already plays than video on a plain path. Their difference is what the SFU delays the user's audio by.
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
  /** Video time in the agent outside the frame loop that the raw path does not have: decode, encode, pacing. */
  videoMs: number;
  /**
   * How much later audio plays than video for this sender on a plain path (audio minus video jitter buffer,
   * as the agent receives them): receivers already hold audio this much longer, so lip sync needs less delay.
   */
  audioLagMs: number;
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
    // The agent's own video jitter buffer is left out: the raw path to every receiver has one too.
    const videoMs =
      perItemMs(now.vDecode - prev.vDecode, now.vDecoded - prev.vDecoded) +
      perItemMs(now.vEncode - prev.vEncode, now.vEncoded - prev.vEncoded) +
      perItemMs(now.vSendDelay - prev.vSendDelay, now.vPackets - prev.vPackets);
    const audioJb = perItemMs(now.aJb - prev.aJb, now.aJbCount - prev.aJbCount);
    const videoJb = perItemMs(now.vJb - prev.vJb, now.vJbCount - prev.vJbCount);
    const audioLagMs = now.aJbCount > prev.aJbCount ? Math.max(0, audioJb - videoJb) : 0;
    // Smooth over a few seconds: the delay line should follow trends, not single spikes.
    const s = this.#smoothed;
    this.#smoothed = s
      ? { videoMs: 0.7 * s.videoMs + 0.3 * videoMs, audioLagMs: 0.7 * s.audioLagMs + 0.3 * audioLagMs }
      : { videoMs, audioLagMs };
    return this.#smoothed;
  }
}

/** How far audio may trail the processed video before the SFU delays it. */
export const AUDIO_TRAIL_MS = 20;

/**
 * The lip-sync delay for a user's audio: the processed video's extra delay, less the lag audio has anyway, less
 * a margin so that audio trails video slightly rather than leads it (a lead is noticed from ~45 ms, a lag only
 * from ~125 ms, ITU-R BT.1359) and small agent delays leave the audio path alone.
 */
export function lipSyncDelayMs(videoDelayMs: number, audioLagMs: number, trailMs = AUDIO_TRAIL_MS): number {
  if (!Number.isFinite(videoDelayMs)) return 0;
  return Math.max(0, videoDelayMs - Math.max(0, Number.isFinite(audioLagMs) ? audioLagMs : 0) - trailMs);
}
