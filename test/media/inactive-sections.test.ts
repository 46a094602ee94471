import { describe, expect, it } from 'vitest';
import { keepInactiveSections } from '../../src/media/werift/inactive-sections.ts';

const offer = [
  'v=0',
  'o=- 1 2 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'm=audio 0 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=inactive',
  'a=mid:0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=sendonly',
  'a=mid:1',
  'm=video 0 UDP/TLS/RTP/SAVPF 96',
  'a=recvonly',
  'a=mid:2',
  '',
].join('\r\n');

describe('keepInactiveSections', () => {
  it('gives a paused (inactive) section port 9 and leaves every other line as it was', () => {
    const out = keepInactiveSections(offer);
    expect(out).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=inactive');
    // A section rejected for another reason stays rejected; the rest is byte for byte the same.
    expect(out).toContain('m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=recvonly');
    expect(out.replace('m=audio 9 ', 'm=audio 0 ')).toBe(offer);
  });

  it('keeps the line endings of its input', () => {
    const lf = offer.replaceAll('\r\n', '\n');
    expect(keepInactiveSections(lf)).toBe(lf.replace('m=audio 0 ', 'm=audio 9 '));
  });
});
