// What a viewer receives of one participant's video: raw camera frames (the probe pattern, far from flat) or the
// marker processor's output (flat luma below the stamp band), counted per kind.
import wrtc from '@roamhq/wrtc';
import { stampHeight } from '../../src/video/stamp.ts';

const { RTCVideoSink } = wrtc.nonstandard;

export interface MarkerView {
  raw: number;
  marker: number;
  stop(): void;
}

export function viewMarker(track: MediaStreamTrack): MarkerView {
  const view: MarkerView = { raw: 0, marker: 0, stop: () => sink.stop() };
  const sink = new RTCVideoSink(track);
  sink.onframe = (ev: { frame: { width: number; height: number; data: Uint8Array } }) => {
    const { width, height, data } = ev.frame;
    let min = 255;
    let max = 0;
    for (let y = stampHeight(width) + 8; y < height - 8; y += 7) {
      for (let x = 8; x < width - 8; x += 7) {
        const v = data[y * width + x];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (max - min > 40) view.raw++;
    else view.marker++;
  };
  return view;
}
