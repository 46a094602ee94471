// The one module that owns onnxruntime: session creation, execution-provider choice with CPU fallback,
// thread settings and release. Everything else asks this module for an OnnxSession.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { setting } from '../../config.ts';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';

const log = createLogger('inference:onnx');

export type ProviderPreference = 'auto' | 'cuda' | 'cpu';
export type Provider = 'cuda' | 'cpu';

export interface SessionOptions {
  /** Name for logs and errors (e.g. "facemesh"). */
  name: string;
  /** 'auto' tries CUDA when the binding offers it, then CPU. Default from ORT_PROVIDER or 'auto'. */
  provider?: ProviderPreference;
  /** Threads inside one operator. Default ORT_THREADS or 1: the pipeline runs several small models per frame
   * and the call's other work (WebRTC, encode) needs the second core. */
  intraOpThreads?: number;
}

export type Feeds = Record<string, ort.Tensor>;
export type Results = Record<string, ort.Tensor>;

export { ort };

function defaultProvider(): ProviderPreference {
  return setting('ORT_PROVIDER');
}

// After the first failure to start CUDA in this process, later sessions go straight to CPU (one warning, not one per model).
let cudaFailed = false;

function defaultThreads(): number {
  return setting('ORT_THREADS');
}

/** Whether this onnxruntime-node install carries the CUDA provider library (npm install
 * --onnxruntime-node-install=cuda12 puts it beside the binding). The binding lists 'cuda' either way. */
export function cudaAvailable(): boolean {
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda')) return false;
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const bin = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

export class OnnxSession {
  readonly name: string;
  readonly provider: Provider;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  #session: ort.InferenceSession | null;
  #running = 0;
  #closeWhenIdle = false;

  constructor(name: string, provider: Provider, session: ort.InferenceSession) {
    this.name = name;
    this.provider = provider;
    this.#session = session;
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
  }

  get closed(): boolean {
    return this.#session === null || this.#closeWhenIdle;
  }

  /** Input metadata (shape/type) as onnxruntime reports it. */
  inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    if (!this.#session) throw new AppError('CLOSED', `session ${this.name} is closed`);
    return this.#session.inputMetadata;
  }

  /** Runs with the feeds the model declares; extra feeds are ignored so a model may use a subset of a contract. */
  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Results> {
    const session = this.#session;
    if (!session || this.#closeWhenIdle) throw new AppError('CLOSED', `session ${this.name} is closed`);
    const used: Feeds = {};
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t) throw new AppError('INFERENCE_FAILED', `${this.name}: missing input "${name}"`);
      used[name] = t;
    }
    this.#running++;
    try {
      return outputs ? await session.run(used, outputs as string[]) : await session.run(used);
    } catch (e) {
      throw new AppError('INFERENCE_FAILED', `${this.name}: ${(e as Error).message}`, undefined, {
        cause: e,
      });
    } finally {
      this.#running--;
      if (this.#closeWhenIdle && this.#running === 0) void this.#release();
    }
  }

  /** Idempotent. A run in flight finishes first; its session is released right after. */
  async close(): Promise<void> {
    if (!this.#session || this.#closeWhenIdle) return;
    this.#closeWhenIdle = true;
    if (this.#running === 0) await this.#release();
  }

  async #release(): Promise<void> {
    const s = this.#session;
    this.#session = null;
    if (!s) return;
    try {
      await s.release();
      log.debug(`released ${this.name}`);
    } catch (e) {
      log.warn(`release of ${this.name} failed`, e);
    }
  }
}

function sessionOptions(provider: Provider, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cuda' ? [{ name: 'cuda' }, 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
}

/** Creates a session from a file path or serialized model bytes, picking the provider with CPU fallback. */
export async function createSession(model: string | Uint8Array, opts: SessionOptions): Promise<OnnxSession> {
  const pref = opts.provider ?? defaultProvider();
  const threads = opts.intraOpThreads ?? defaultThreads();
  const wantCuda = !cudaFailed && (pref === 'cuda' || (pref === 'auto' && cudaAvailable()));
  const create = (p: Provider) =>
    typeof model === 'string'
      ? ort.InferenceSession.create(model, sessionOptions(p, threads))
      : ort.InferenceSession.create(model, sessionOptions(p, threads));
  if (wantCuda) {
    try {
      const s = await create('cuda');
      log.info(`${opts.name}: execution provider cuda`);
      return new OnnxSession(opts.name, 'cuda', s);
    } catch (e) {
      cudaFailed = true;
      log.warn(
        `${opts.name}: CUDA provider unavailable (${(e as Error).message.split('\n')[0]}); falling back to cpu`,
      );
    }
  } else if (pref === 'cuda') {
    log.warn(`${opts.name}: CUDA requested but this onnxruntime-node build has no CUDA provider; using cpu`);
  }
  try {
    const s = await create('cpu');
    log.debug(`${opts.name}: execution provider cpu, ${threads} thread(s)`);
    return new OnnxSession(opts.name, 'cpu', s);
  } catch (e) {
    const where = typeof model === 'string' ? ` (${model})` : '';
    throw new AppError(
      'MODEL_INVALID',
      `cannot load model ${opts.name}${where}: ${(e as Error).message}`,
      undefined,
      {
        cause: e,
      },
    );
  }
}

/** A group of sessions closed together (a pipeline's models). */
export class SessionGroup {
  readonly #sessions = new Set<OnnxSession>();

  async create(model: string | Uint8Array, opts: SessionOptions): Promise<OnnxSession> {
    const s = await createSession(model, opts);
    this.#sessions.add(s);
    return s;
  }

  async close(): Promise<void> {
    const all = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}
