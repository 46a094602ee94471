import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator } from '../../src/inference/generator/generator.ts';
import {
  buildGeneratorGraph,
  ensureGeneratorModel,
  GENERATOR_INPUTS,
} from '../../src/inference/generator/graph.ts';
import { identityGrid } from '../../src/inference/generator/grid.ts';
import { GraphBuilder } from '../../src/inference/onnx/builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pattern(m: number, h: number, w: number, seed: number): Float32Array {
  const a = new Float32Array(m * 3 * h * w);
  for (let i = 0; i < a.length; i++) a[i] = (Math.sin(i * 0.37 + seed) + 1) / 2;
  return a;
}

describe('generator graph contract', () => {
  it('declares the contract inputs by name and one image output', async () => {
    const gen = await Generator.create({ modelPath: ensureGeneratorModel(dir) });
    try {
      expect([...gen.session.inputNames].sort()).toEqual(['flow', 'source_images', 'source_logits']);
      for (const n of gen.session.inputNames) expect(GENERATOR_INPUTS).toContain(n);
      expect(gen.session.outputNames).toEqual(['image']);
    } finally {
      await gen.close();
      await gen.close(); // idempotent
    }
  });

  it('an identity flow reproduces the source, at any size', async () => {
    const gen = await Generator.create({ modelPath: ensureGeneratorModel(dir) });
    for (const [h, w] of [
      [16, 24],
      [33, 17],
    ]) {
      const src = pattern(1, h, w, 1);
      const out = await gen.run({
        count: 1,
        height: h,
        width: w,
        source_images: src,
        flow: identityGrid(w, h),
        source_logits: new Float32Array(h * w),
      });
      expect(out.length).toBe(3 * h * w);
      let maxErr = 0;
      for (let i = 0; i < out.length; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - src[i]));
      expect(maxErr).toBeLessThan(1e-5);
    }
    await gen.close();
  });

  it('blends sources by the softmax of their logits', async () => {
    const gen = await Generator.create({ modelPath: ensureGeneratorModel(dir) });
    const h = 8;
    const w = 8;
    const n = h * w;
    const src = new Float32Array(2 * 3 * n);
    src.fill(0.2, 0, 3 * n);
    src.fill(0.8, 3 * n);
    const grid = new Float32Array(2 * n * 2);
    identityGrid(w, h, grid.subarray(0, 2 * n));
    identityGrid(w, h, grid.subarray(2 * n));
    const logits = new Float32Array(2 * n);
    // Left half: equal logits (mean); right half: source 1 dominates by 20 (practically only it).
    for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) logits[n + y * w + x] = 20;
    // One pixel: logit difference ln(3) -> weights 1/4 and 3/4.
    logits[n + 0] = Math.log(3);
    const out = await gen.run({
      count: 2,
      height: h,
      width: w,
      source_images: src,
      flow: grid,
      source_logits: logits,
    });
    expect(out[1]).toBeCloseTo(0.5, 5);
    expect(out[w - 1]).toBeCloseTo(0.8, 5);
    expect(out[0]).toBeCloseTo(0.2 * 0.25 + 0.8 * 0.75, 5);
    // Same logits everywhere except scale: adding a constant to all sources changes nothing.
    const shifted = logits.map((v) => v + 7);
    const out2 = await gen.run({
      count: 2,
      height: h,
      width: w,
      source_images: src,
      flow: grid,
      source_logits: shifted,
    });
    for (let i = 0; i < out.length; i++) expect(out2[i]).toBeCloseTo(out[i], 5);
    await gen.close();
  });

  it('a shifted flow moves the picture and clamps at the border', async () => {
    const gen = await Generator.create({ modelPath: ensureGeneratorModel(dir) });
    const h = 4;
    const w = 6;
    const src = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src[c * h * w + y * w + x] = x / 10;
    const grid = identityGrid(w, h);
    for (let i = 0; i < grid.length; i += 2) grid[i] += 2 / w; // sample one pixel to the right
    const out = await gen.run({
      count: 1,
      height: h,
      width: w,
      source_images: src,
      flow: grid,
      source_logits: new Float32Array(h * w),
    });
    expect(out[0]).toBeCloseTo(0.1, 5);
    expect(out[w - 1]).toBeCloseTo(0.5, 5); // border padding repeats the last column
    await gen.close();
  });

  it('loads a replacement model that declares a subset of the inputs', async () => {
    // A "trained" stand-in: output = mean of the target sketch and the first source image (no flow at all).
    const g = new GraphBuilder('replacement');
    const imgs = g.input('source_images', 'float32', ['M', 3, 'H', 'W']);
    const sketch = g.input('target_sketch', 'float32', [1, 3, 'H', 'W']);
    const first = g.op('Slice', [imgs, g.i64([0]), g.i64([1]), g.i64([0])]);
    const mean = g.op('Mul', [g.op('Add', [first, sketch]), g.scalarF32(0.5)]);
    g.output(mean, 'image', 'float32', [1, 3, 'H', 'W']);
    const path = join(dir, 'replacement.onnx');
    writeFileSync(path, g.toBytes());
    const gen = await Generator.create({ modelPath: path });
    expect(gen.uses('flow')).toBe(false);
    expect(gen.uses('target_sketch')).toBe(true);
    let flowAsked = false;
    const h = 5;
    const w = 7;
    const out = await gen.run({
      count: 2,
      height: h,
      width: w,
      source_images: new Float32Array(2 * 3 * h * w).fill(0.4),
      flow: () => {
        flowAsked = true;
        return new Float32Array(2 * h * w * 2);
      },
      target_sketch: () => new Float32Array(3 * h * w).fill(1),
    });
    expect(flowAsked).toBe(false);
    expect(out[0]).toBeCloseTo(0.7, 5);
    await gen.close();
  });

  it('rejects a model whose inputs are not from the contract', async () => {
    const g = new GraphBuilder('bad');
    const x = g.input('pixels', 'float32', [1, 3, 'H', 'W']);
    g.output(g.op('Identity', [x]), 'image');
    const path = join(dir, 'bad.onnx');
    writeFileSync(path, g.toBytes());
    await expect(Generator.create({ modelPath: path })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it('the typed-array kernel computes what the graph computes (N-shot, random flows)', async () => {
    const onnx = await Generator.create({ modelPath: ensureGeneratorModel(dir) });
    const kernel = await Generator.create({ backend: 'kernel' });
    expect(kernel.backend).toBe('kernel');
    expect(kernel.builtin).toBe(true);
    const m = 3;
    const h = 19;
    const w = 23;
    let seed = 3;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const feeds = {
      count: m,
      height: h,
      width: w,
      source_images: Float32Array.from({ length: m * 3 * h * w }, rnd),
      // Some samples fall outside [-1, 1]: border padding.
      flow: Float32Array.from({ length: m * h * w * 2 }, () => rnd() * 2.4 - 1.2),
      source_logits: Float32Array.from({ length: m * h * w }, () => rnd() * 6 - 3),
    };
    const a = await onnx.run(feeds);
    const b = Float32Array.from(await kernel.run(feeds));
    let maxErr = 0;
    for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]));
    expect(maxErr).toBeLessThan(1e-4);
    // M = 1: no logits needed.
    const one = {
      ...feeds,
      count: 1,
      source_images: feeds.source_images.subarray(0, 3 * h * w),
      flow: feeds.flow.subarray(0, h * w * 2),
      source_logits: feeds.source_logits.subarray(0, h * w),
    };
    const c = await onnx.run(one);
    const d = await kernel.run(one);
    for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - d[i])).toBeLessThan(1e-4);
    await onnx.close();
    await kernel.close();
    await expect(kernel.run(one)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('builds deterministic bytes', () => {
    expect(buildGeneratorGraph()).toEqual(buildGeneratorGraph());
  });
});
