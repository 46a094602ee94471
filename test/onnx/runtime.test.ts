import { describe, expect, it } from 'vitest';
import { f, GraphBuilder } from '../../src/inference/onnx/builder.ts';
import { createSession, cudaAvailable, ort, SessionGroup } from '../../src/inference/onnx/runtime.ts';
import { AppError } from '../../src/util/errors.ts';

// y = LeakyRelu(x @ W - 20, alpha 0.5), flattened: exercises initializers, a float attribute and int64 shapes.
function smallModel(): Uint8Array {
  const g = new GraphBuilder('small');
  const x = g.input('x', 'float32', ['N', 3]);
  const w = g.f32([1, 2, 3, 4, 5, 6], [3, 2]);
  const y = g.op('MatMul', [x, w]);
  const z = g.op('LeakyRelu', [g.op('Add', [y, g.scalarF32(-20)])], { alpha: f(0.5) });
  g.output(g.op('Reshape', [z, g.i64([-1])]), 'y');
  return g.toBytes();
}

const input = () => new ort.Tensor('float32', Float32Array.from([1, 1, 1, 2, 2, 2]), [2, 3]);

describe('onnx runtime owner', () => {
  it('runs a graph from the builder with the expected numbers', async () => {
    const s = await createSession(smallModel(), { name: 'small', provider: 'cpu' });
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y']);
    const out = await s.run({ x: input(), unused: input() });
    expect(Array.from(out.y.data as Float32Array)).toEqual([-5.5, -4, -1, 4]);
    await s.close();
  });

  it('falls back to the CPU provider when CUDA is asked for but cannot start', async () => {
    const s = await createSession(smallModel(), { name: 'cuda-fallback', provider: 'cuda' });
    if (!cudaAvailable()) expect(s.provider).toBe('cpu');
    expect((await s.run({ x: input() })).y.dims).toEqual([4]);
    await s.close();
  });

  it('names a missing input, refuses work after close, and closes idempotently', async () => {
    const s = await createSession(smallModel(), { name: 'small', provider: 'cpu' });
    await expect(s.run({})).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: /missing input "x"/ });
    const running = s.run({ x: input() });
    await s.close(); // a run in flight finishes first
    expect((await running).y.dims).toEqual([4]);
    await s.close();
    expect(s.closed).toBe(true);
    await expect(s.run({ x: input() })).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('gives MODEL_INVALID for bytes that are not a model, and a group closes all its sessions', async () => {
    const err = await createSession(Uint8Array.of(1, 2, 3, 4), { name: 'junk', provider: 'cpu' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('MODEL_INVALID');
    const group = new SessionGroup();
    const a = await group.create(smallModel(), { name: 'a', provider: 'cpu' });
    const b = await group.create(smallModel(), { name: 'b', provider: 'cpu' });
    await group.close();
    await group.close();
    expect(a.closed && b.closed).toBe(true);
  });
});
