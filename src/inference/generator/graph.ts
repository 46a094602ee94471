// The geometric generator as an ONNX graph: GridSample warp of each source (and its logits) by the flow,
// then the N-shot softmax blend x = sum_j exp(m_j) w_j(x_j) / sum_j exp(m_j). A trained generator with the
// same named inputs/output replaces this file's model without touching the pipeline.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_CACHE_DIR } from '../../util/paths.ts';
import { GraphBuilder } from '../onnx/builder.ts';

/** The generator contract: every input a generator may declare, and its one output. */
export const GENERATOR_INPUTS = [
  'source_images',
  'source_sketches',
  'target_sketch',
  'flow',
  'source_logits',
] as const;
export type GeneratorInput = (typeof GENERATOR_INPUTS)[number];
export const GENERATOR_OUTPUT = 'image';

/** Grid convention of `flow`: GridSample with align_corners=0 (pixel centres at (2i+1)/W - 1), border padding. */
export const FLOW_ALIGN_CORNERS = 0;

/** Bumped whenever the graph changes, so a stale cached file is rebuilt. */
export const GENERATOR_VERSION = 1;

export function buildGeneratorGraph(): Uint8Array {
  const g = new GraphBuilder('gazecam_geometric_generator');
  const images = g.input('source_images', 'float32', ['M', 3, 'H', 'W']);
  const flow = g.input('flow', 'float32', ['M', 'H', 'W', 2]);
  const logits = g.input('source_logits', 'float32', ['M', 1, 'H', 'W']);
  // One GridSample carries colour and logits together: the logits live in source coordinates like the pixels.
  const stacked = g.op('Concat', [images, logits], { axis: 1 });
  const warped = g.op('GridSample', [stacked, flow], {
    mode: 'bilinear',
    padding_mode: 'border',
    align_corners: FLOW_ALIGN_CORNERS,
  });
  const [rgb, m] = g.opN('Split', [warped, g.i64([3, 1])], 2, { axis: 1 });
  const weights = g.op('Softmax', [m], { axis: 0 });
  const blended = g.op('ReduceSum', [g.op('Mul', [rgb, weights]), g.i64([0])], { keepdims: 1 });
  const clipped = g.op('Clip', [blended, g.scalarF32(0), g.scalarF32(1)]);
  g.output(clipped, 'image', 'float32', [1, 3, 'H', 'W']);
  return g.toBytes();
}

/** Writes the built graph into the model cache (once per version) and returns its path. */
export function ensureGeneratorModel(dir = MODEL_CACHE_DIR): string {
  const path = join(dir, `generator-geometric-v${GENERATOR_VERSION}.onnx`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, buildGeneratorGraph());
  renameSync(tmp, path);
  return path;
}
