// Runs a generator model (the built-in geometric one or a replacement with the same contract). Feeds are
// built only for the inputs the model declares, so a model that ignores sketches costs nothing for them.
import { AppError } from '../../util/errors.ts';
import { createSession, type Feeds, type OnnxSession, ort } from '../onnx/runtime.ts';
import { ensureGeneratorModel, GENERATOR_INPUTS, GENERATOR_OUTPUT, type GeneratorInput } from './graph.ts';
import { warpBlend } from './kernel.ts';

/** Lazily produced inputs: a function is called only when the model declares that input. */
export interface GeneratorFeeds {
  /** Number of sources M (identity photos plus rendered ones). */
  count: number;
  height: number;
  width: number;
  source_images: Float32Array | (() => Float32Array);
  flow: Float32Array | (() => Float32Array);
  source_logits?: Float32Array | (() => Float32Array);
  source_sketches?: Float32Array | (() => Float32Array);
  target_sketch?: Float32Array | (() => Float32Array);
}

export interface GeneratorOptions {
  /** A replacement model file; default: the geometric graph from the model cache. */
  modelPath?: string;
  /** For the built-in generator: 'auto' runs the typed-array kernel when onnxruntime is on the CPU provider
   * (same math, several times faster there) and the ONNX graph on an accelerator. Default 'auto'. */
  backend?: 'auto' | 'onnx' | 'kernel';
}

const dimsOf = (name: GeneratorInput, m: number, h: number, w: number): number[] => {
  switch (name) {
    case 'source_images':
    case 'source_sketches':
      return [m, 3, h, w];
    case 'target_sketch':
      return [1, 3, h, w];
    case 'flow':
      return [m, h, w, 2];
    case 'source_logits':
      return [m, 1, h, w];
  }
};

export class Generator {
  readonly session: OnnxSession;
  readonly inputs: ReadonlySet<GeneratorInput>;
  /** Whether this is the built-in geometric generator (so the pipeline may compose its renders over it). */
  readonly builtin: boolean;
  /** Where run() computes: the ONNX session or the typed-array kernel. */
  readonly backend: 'onnx' | 'kernel';
  #out: Float32Array | null = null;
  #scratch = { weight: new Float32Array(0), maxLogit: new Float32Array(0) };

  private constructor(session: OnnxSession, builtin: boolean, backend: 'onnx' | 'kernel') {
    this.session = session;
    this.builtin = builtin;
    this.backend = backend;
    const unknown = session.inputNames.filter((n) => !(GENERATOR_INPUTS as readonly string[]).includes(n));
    if (unknown.length > 0 || !session.outputNames.includes(GENERATOR_OUTPUT)) {
      void session.close();
      throw new AppError(
        'MODEL_INVALID',
        `generator ${session.name}: inputs must be a subset of ${GENERATOR_INPUTS.join(', ')} (unknown: ${unknown.join(', ') || 'none'}) and output "${GENERATOR_OUTPUT}" (has ${session.outputNames.join(', ')})`,
      );
    }
    this.inputs = new Set(session.inputNames as GeneratorInput[]);
  }

  static async create(opts: GeneratorOptions = {}): Promise<Generator> {
    const path = opts.modelPath ?? ensureGeneratorModel();
    const session = await createSession(path, { name: opts.modelPath ? `generator(${path})` : 'generator' });
    const builtin = !opts.modelPath;
    const want = opts.backend ?? 'auto';
    const backend =
      builtin && (want === 'kernel' || (want === 'auto' && session.provider === 'cpu')) ? 'kernel' : 'onnx';
    return new Generator(session, builtin, backend);
  }

  /** Whether the model reads this input (callers skip producing the others). */
  uses(name: GeneratorInput): boolean {
    return this.inputs.has(name);
  }

  /** Returns the output image [3,H,W] planar float in [0,1]. */
  async run(feeds: GeneratorFeeds): Promise<Float32Array> {
    const { count: m, height: h, width: w } = feeds;
    if (this.backend === 'kernel') {
      if (this.session.closed) throw new AppError('CLOSED', 'generator is closed');
      const get = (v: Float32Array | (() => Float32Array) | undefined) => (typeof v === 'function' ? v() : v);
      const n = h * w;
      if (this.#scratch.weight.length !== n)
        this.#scratch = { weight: new Float32Array(n), maxLogit: new Float32Array(n) };
      if (this.#out?.length !== 3 * n) this.#out = new Float32Array(3 * n);
      const logits = m > 1 ? (get(feeds.source_logits) ?? null) : null;
      return warpBlend(
        m,
        h,
        w,
        get(feeds.source_images) as Float32Array,
        get(feeds.flow) as Float32Array,
        logits,
        this.#out,
        this.#scratch,
      );
    }
    const tensors: Feeds = {};
    for (const name of this.inputs) {
      const src = feeds[name];
      if (src === undefined) throw new AppError('INFERENCE_FAILED', `generator needs input "${name}"`);
      const data = typeof src === 'function' ? src() : src;
      const dims = dimsOf(name, m, h, w);
      const size = dims.reduce((a, b) => a * b, 1);
      if (data.length !== size)
        throw new AppError(
          'INFERENCE_FAILED',
          `generator input ${name}: ${data.length} values, want ${dims.join('x')}`,
        );
      tensors[name] = new ort.Tensor('float32', data, dims);
    }
    const out = await this.session.run(tensors, [GENERATOR_OUTPUT]);
    const image = out[GENERATOR_OUTPUT];
    if (!image || image.data.length !== 3 * h * w)
      throw new AppError('INFERENCE_FAILED', `generator output "${GENERATOR_OUTPUT}" has the wrong size`);
    return image.data as Float32Array;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
