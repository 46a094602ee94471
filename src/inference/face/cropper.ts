// One interface over the two crop implementations, so the tracker can use either: plain TypeScript (the
// default: measured faster on the CPU provider, see bench/crop.ts) or the GridSample graph in onnxruntime
// (for an execution provider that keeps the frame on the device).
import type { Frame } from '../../video/frame.ts';
import { ort, type SessionGroup } from '../onnx/runtime.ts';
import { cropJs, type Normalisation } from './crop-js.ts';
import { OnnxCropper } from './crop-onnx.ts';
import type { Affine } from './roi.ts';

export type CropBackend = 'js' | 'onnx';

export interface Cropper {
  /** [N,S,S,3] model input for the N affine windows (crop -> image) of `frame`. */
  crop(frame: Frame, maps: readonly Affine[]): Promise<ort.Tensor>;
}

class JsCropper implements Cropper {
  #buf = new Float32Array(0);
  constructor(
    readonly size: number,
    readonly norm: Normalisation,
  ) {}

  async crop(frame: Frame, maps: readonly Affine[]): Promise<ort.Tensor> {
    const per = this.size * this.size * 3;
    // A fresh buffer when the batch grows; otherwise reused (onnxruntime copies inputs on the CPU provider).
    if (this.#buf.length < per * maps.length) this.#buf = new Float32Array(per * maps.length);
    const buf = this.#buf.subarray(0, per * maps.length);
    maps.forEach((m, i) => {
      cropJs(frame, m, this.size, this.norm, buf, i * per);
    });
    return new ort.Tensor('float32', buf, [maps.length, this.size, this.size, 3]);
  }
}

export function createCropper(
  backend: CropBackend,
  group: SessionGroup,
  name: string,
  size: number,
  norm: Normalisation,
): Cropper {
  return backend === 'onnx' ? new OnnxCropper(group, name, size, norm) : new JsCropper(size, norm);
}
