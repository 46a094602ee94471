// TF.js (CPU backend) running the very same model.json + weights the converter read: the parity reference.
import * as tf from '@tensorflow/tfjs';
import type { TfGraphModel } from '../../src/inference/models/tfjs-graph.ts';

export interface Reference {
  run(input: Float32Array, shape: number[], nodes: string[]): Promise<Float32Array[]>;
  /** Shapes of the outputs of the last run. */
  readonly lastShapes: number[][];
  dispose(): void;
}

export async function loadReference(graph: TfGraphModel): Promise<Reference> {
  await tf.setBackend('cpu');
  await tf.ready();
  const j = graph.json as Record<string, never>;
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: j.modelTopology,
      format: j.format,
      generatedBy: j.generatedBy,
      convertedBy: j.convertedBy,
      signature: j.signature,
      userDefinedMetadata: j.userDefinedMetadata,
      weightSpecs: graph.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: graph.weightData,
    }),
  );
  let lastShapes: number[][] = [];
  return {
    get lastShapes() {
      return lastShapes;
    },
    async run(input, shape, nodes) {
      const x = tf.tensor(input, shape, 'float32');
      const out = model.execute(x, nodes);
      const list = Array.isArray(out) ? out : [out];
      lastShapes = list.map((t) => t.shape);
      const data = await Promise.all(list.map(async (t) => new Float32Array(await t.data())));
      x.dispose();
      for (const t of list) t.dispose();
      return data;
    },
    dispose: () => model.dispose(),
  };
}
