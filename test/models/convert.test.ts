// The converter on tiny hand-made TF graphs, op by op, against TF.js on the same input.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertGraph, type OutputSpec } from '../../src/inference/models/convert.ts';
import { loadTfjsGraph } from '../../src/inference/models/tfjs-graph.ts';
import { createSession, ort } from '../../src/inference/onnx/runtime.ts';
import { diff } from './compare.ts';
import { bool, ints, rand, s, strs, TfGraphWriter } from './synthetic.ts';
import { loadReference } from './tfjs-reference.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Converts the graph, runs ONNX Runtime and TF.js on the same random input, returns the diffs per output. */
async function check(g: TfGraphWriter, shape: number[], outputs: OutputSpec[]) {
  const dir = await mkdtemp(join(tmpdir(), 'tfconv-'));
  dirs.push(dir);
  const graph = await loadTfjsGraph(await g.write(dir, 'm'));
  const session = await createSession(convertGraph(graph, { name: 'synthetic', outputs }), {
    name: 'synthetic',
  });
  const ref = await loadReference(graph);
  const x = rand(
    shape.reduce((a, b) => a * b, 1),
    42,
  );
  try {
    const got = await session.run({ input: new ort.Tensor('float32', x, shape) });
    const want = await ref.run(
      x,
      shape,
      outputs.map((o) => o.node),
    );
    return outputs.map((o, i) => {
      expect(Array.from(got[o.name]!.dims)).toEqual(Array.from(ref.lastShapes[i]!));
      return diff(got[o.name]!.data as Float32Array, want[i]!);
    });
  } finally {
    ref.dispose();
    await session.close();
  }
}

describe('converter ops against TF.js', () => {
  it.each([7, 8])(
    'SAME conv, stride 2, input size %i (TF pads more at the end), fused BiasAdd+Relu',
    async (size) => {
      const g = new TfGraphWriter();
      const x = g.input('input', [-1, size, size, 3]);
      g.conv('c', x, [3, 3, 3, 4], { stride: 2, fused: ['BiasAdd', 'Relu'] });
      const [d] = await check(g, [2, size, size, 3], [{ node: 'c', name: 'y' }]);
      expect(d!.rel).toBeLessThan(1e-5);
    },
  );

  it('depthwise (multiplier 2, stride 2, SAME) then 1x1 conv with fused PReLU and float16 weights', async () => {
    const g = new TfGraphWriter();
    const x = g.input('input', [-1, 10, 10, 3]);
    const dw = g.conv('dw', x, [3, 3, 3, 2], { stride: 2, depthwise: true });
    g.conv('pw', dw, [1, 1, 6, 5], { padding: 'VALID', fused: ['BiasAdd', 'Prelu'], f16: true });
    const [d] = await check(g, [1, 10, 10, 3], [{ node: 'pw', name: 'y' }]);
    expect(d!.rel).toBeLessThan(1e-5);
  });

  it('SAME max-pool on odd size, channel Pad, residual AddV2, standalone Prelu, Reshape, ConcatV2', async () => {
    const g = new TfGraphWriter();
    const x = g.input('input', [-1, 7, 7, 2]);
    const pool = g.op('pool', 'MaxPool', [x], {
      ksize: ints([1, 2, 2, 1]),
      strides: ints([1, 2, 2, 1]),
      padding: s('SAME'),
      data_format: s('NHWC'),
    });
    const padded = g.op('pad', 'Pad', [pool, g.ints('pad/p', [0, 0, 0, 0, 0, 0, 0, 2], [4, 2])]);
    const branch = g.conv('br', pool, [3, 3, 2, 4], { fused: ['BiasAdd'] });
    const sum = g.op('sum', 'AddV2', [padded, branch]);
    const act = g.op('act', 'Prelu', [sum, g.weight('act/alpha', [1, 1, 4], { lo: -1.5, hi: 1.5 })]);
    const cat = g.op('cat', 'ConcatV2', [act, padded, g.ints('cat/axis', [3], [])], { N: { i: '2' } });
    g.op('flat', 'Reshape', [cat, g.ints('flat/shape', [-1, 128])]);
    const [a, b] = await check(
      g,
      [2, 7, 7, 2],
      [
        { node: 'flat', name: 'flat' },
        { node: 'cat', name: 'cat' },
      ],
    );
    expect(a!.rel).toBeLessThan(1e-5);
    expect(b!.rel).toBeLessThan(1e-5);
  });

  it('Conv2D, BN add/mul, ReLU6 as Minimum/Maximum, Mean, _FusedMatMul, Softmax, Sigmoid', async () => {
    const g = new TfGraphWriter();
    const x = g.input('input', [-1, 8, 8, 3]);
    const c = g.conv('c', x, [3, 3, 3, 4], { stride: 2 });
    const add = g.op('add', 'Add', [c, g.weight('bn/sub', [4])]);
    const relu = g.op('relu', 'Relu', [add]);
    const min = g.op('min', 'Minimum', [relu, g.scalar('six', 6)]);
    const max = g.op('max', 'Maximum', [min, g.scalar('zero', 0)]);
    const mul = g.op('mul', 'Mul', [max, g.weight('bn/mul', [4])]);
    const mean = g.op('mean', 'Mean', [mul, g.ints('mean/axes', [1, 2])], { keep_dims: bool(false) });
    const fc = g.op(
      'fc',
      '_FusedMatMul',
      [mean, g.weight('fc/k', [4, 5], { f16: true }), g.weight('fc/b', [5])],
      {
        fused_ops: strs(['BiasAdd', 'Relu']),
        num_args: { i: '1' },
        transpose_a: bool(false),
        transpose_b: bool(false),
      },
    );
    g.op('prob', 'Softmax', [fc]);
    g.op('sig', 'Sigmoid', [fc]);
    const diffs = await check(
      g,
      [3, 8, 8, 3],
      [
        { node: 'mean', name: 'mean' },
        { node: 'prob', name: 'prob' },
        { node: 'sig', name: 'sig' },
      ],
    );
    for (const d of diffs) expect(d.rel).toBeLessThan(1e-5);
  });

  it('Relu/Minimum/Maximum chains become Clip only where that is exact', async () => {
    const g = new TfGraphWriter();
    const x = g.input('input', [-1, 4, 4, 2]);
    const big = g.op('big', 'Mul', [x, g.scalar('ten', 10)]);
    const relu = g.op('relu', 'Relu', [big]);
    // ReLU6: the Relu is absorbed (lo = 0).
    g.op('r6', 'Maximum', [g.op('r6/min', 'Minimum', [relu, g.scalar('six', 6)]), g.scalar('zero', 0)]);
    // lo < 0: the Relu must stay.
    g.op('neg', 'Maximum', [g.op('neg/min', 'Minimum', [relu, g.scalar('one', 1)]), g.scalar('m1', -1)]);
    // The other nesting order, scalar first.
    g.op('sym', 'Minimum', [g.scalar('two', 2), g.op('sym/max', 'Maximum', [big, g.scalar('m2', -2)])]);
    const diffs = await check(
      g,
      [2, 4, 4, 2],
      ['r6', 'neg', 'sym'].map((n) => ({ node: n, name: n })),
    );
    for (const d of diffs) expect(d.maxAbs).toBeLessThan(1e-6);
  });

  it('rejects an op it does not know with a typed error naming the node', async () => {
    const g = new TfGraphWriter();
    const x = g.input('input', [-1, 4, 4, 1]);
    g.op('weird', 'Cumsum', [x, g.ints('axis', [1], [])]);
    const dir = await mkdtemp(join(tmpdir(), 'tfconv-'));
    dirs.push(dir);
    const graph = await loadTfjsGraph(await g.write(dir, 'm'));
    expect(() => convertGraph(graph, { name: 'x', outputs: [{ node: 'weird', name: 'y' }] })).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID', message: expect.stringContaining('weird (Cumsum)') }),
    );
  });
});
