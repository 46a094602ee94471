// Frame types shared by inference, the identity store and the measurement probes: pixels only, no faces.

/** I420 planar: Y (w*h), then U and V (ceil(w/2)*ceil(h/2) each) - what wrtc's RTCVideoSink gives. */
export interface I420Frame {
  format: 'i420';
  width: number;
  height: number;
  data: Uint8Array;
}

/** Interleaved RGBA, 4 bytes a pixel, row-major. */
export interface RgbaFrame {
  format: 'rgba';
  width: number;
  height: number;
  data: Uint8Array;
}

export type Frame = I420Frame | RgbaFrame;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
