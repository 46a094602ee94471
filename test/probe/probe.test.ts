import { describe, expect, it } from 'vitest';
import { isVp8KeyframeStart } from '../../src/media/werift/vp8.ts';
import { syntheticFrame } from '../../src/probe/camera.ts';
import { copyStamp, readStamp, writeStamp } from '../../src/video/stamp.ts';

describe('frame stamp', () => {
  it('round-trips counters and rejects unstamped frames', () => {
    for (const n of [0, 1, 255, 256, 4097, 65535]) {
      const f = syntheticFrame(512, 512, n);
      writeStamp(f, n);
      expect(readStamp(f)).toBe(n);
    }
    expect(readStamp(syntheticFrame(512, 512, 3))).toBeNull();
  });

  it('survives mild noise and copies between frames', () => {
    const f = syntheticFrame(320, 240, 0);
    writeStamp(f, 12345);
    for (let i = 0; i < f.data.length; i++)
      f.data[i] = Math.max(0, Math.min(255, f.data[i] + ((i * 7919) % 31) - 15));
    expect(readStamp(f)).toBe(12345);
    const g = syntheticFrame(320, 240, 9);
    copyStamp(f, g);
    expect(readStamp(g)).toBe(12345);
  });
});

describe('VP8 keyframe detection', () => {
  it('reads the P bit after the payload descriptor', () => {
    // S=1, PID=0, no extensions; VP8 header byte with P=0 (keyframe) / P=1 (delta).
    expect(isVp8KeyframeStart(Uint8Array.from([0x10, 0x10, 0x02, 0x00]))).toBe(true);
    expect(isVp8KeyframeStart(Uint8Array.from([0x10, 0x11, 0x02, 0x00]))).toBe(false);
    // X=1 with a 15-bit PictureID (I=1, M=1): descriptor is 4 bytes.
    expect(isVp8KeyframeStart(Uint8Array.from([0x90, 0x80, 0x81, 0x23, 0x50, 0x00, 0x00]))).toBe(true);
    expect(isVp8KeyframeStart(Uint8Array.from([0x90, 0x80, 0x81, 0x23, 0x51, 0x00, 0x00]))).toBe(false);
    // Not the start of a partition.
    expect(isVp8KeyframeStart(Uint8Array.from([0x00, 0x10, 0x02, 0x00]))).toBe(false);
  });
});

describe('stamp across sizes', () => {
  it('re-stamps the value into a frame of another size', () => {
    const big = syntheticFrame(512, 512, 0);
    writeStamp(big, 777);
    const small = syntheticFrame(256, 256, 1);
    copyStamp(big, small);
    expect(readStamp(small)).toBe(777);
  });
});
