// VP8 RTP payload inspection (RFC 7741): is this packet the first of a keyframe? The SFU switches a
// subscriber's source only at a keyframe so the decoder never sees a stream that starts mid-GOP.
export function isVp8KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 3) return false;
  const b0 = payload[0];
  const start = (b0 & 0x10) !== 0;
  const partitionId = b0 & 0x07;
  if (!start || partitionId !== 0) return false;
  let off = 1;
  if (b0 & 0x80) {
    const x = payload[1];
    off = 2;
    if (x & 0x80) off += payload[off] & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) off += 1; // TL0PICIDX
    if (x & 0x30) off += 1; // TID/KEYIDX
  }
  if (off >= payload.length) return false;
  // VP8 payload header: bit 0 of the first byte is the inverse key frame flag.
  return (payload[off] & 0x01) === 0;
}
