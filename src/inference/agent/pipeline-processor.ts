// The real FrameProcessor: the FramePipeline (tracker -> geometry -> generator) behind the agent's contract.
// Identity ids are those of the identity store (uploads); a fixture portrait name (e.g. "s0") also works, for
// tests and demos. Without models the agent still runs, passing the camera through and saying why.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isIdentityId, loadIdentityPhotos } from '../../server/identities/store.ts';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { FIXTURES_DIR } from '../../util/paths.ts';
import type { I420Frame } from '../frame.ts';
import { SketchRenderer } from '../geometry/index.ts';
import { rgbaToI420 } from '../image.ts';
import { FramePipeline } from '../pipeline/pipeline.ts';
import { renderResultSketch } from '../pipeline/sketch-frame.ts';
import type { AgentSettings, FrameProcessor, ProcessorFactory, ProcessResult } from './processor.ts';

const log = createLogger('inference:agent:pipeline');
/** Debug sketch: small and a few per second (it travels over signaling, not media). */
const SKETCH_SIZE = 192;
const SKETCH_INTERVAL_MS = 300;

async function identityInputs(id: string) {
  if (isIdentityId(id)) return (await loadIdentityPhotos(id)).map((p) => p.image);
  const fixture = resolve(FIXTURES_DIR, 'identities', `${id}.jpg`);
  if (/^[A-Za-z0-9_-]+$/.test(id) && existsSync(fixture)) return [fixture];
  throw new AppError('NOT_FOUND', `no identity ${id}`);
}

export class PipelineProcessor implements FrameProcessor {
  readonly name = 'pipeline';
  #pipeline: FramePipeline;
  #identityId: string | null = null;
  #identityError: string | null = null;
  #sketch: SketchRenderer | null = null;
  #lastSketchAt = -Infinity;

  constructor(pipeline: FramePipeline) {
    this.#pipeline = pipeline;
  }

  async #ensureIdentity(id: string | null): Promise<void> {
    if (id === this.#identityId) return;
    this.#identityId = id;
    this.#identityError = null;
    this.#pipeline.clearIdentity();
    if (!id) return;
    try {
      await this.#pipeline.setIdentity(await identityInputs(id));
    } catch (e) {
      this.#identityError = (e as Error).message;
      log.warn(`identity ${id} unusable`, this.#identityError);
    }
  }

  async process(frame: I420Frame, settings: AgentSettings): Promise<ProcessResult> {
    if (settings.mode === 'none') return { frame, state: 'ok' };
    await this.#ensureIdentity(settings.identityId);
    const avatar = settings.mode === 'avatar' || settings.mode === 'both';
    if (avatar && !this.#pipeline.identity) {
      const why = this.#identityError ?? 'no identity chosen';
      return { frame, state: 'fallback-passthrough', message: `avatar off: ${why}` };
    }
    const r = await this.#pipeline.process(frame, settings.mode);
    const out = r.frame.format === 'i420' ? r.frame : rgbaToI420(r.frame);
    const now = performance.now();
    if (!settings.debugSketch || now - this.#lastSketchAt < SKETCH_INTERVAL_MS)
      return { frame: out, state: r.state };
    this.#lastSketchAt = now;
    this.#sketch ??= new SketchRenderer(SKETCH_SIZE);
    const sketch = renderResultSketch(this.#sketch, r, out.width, out.height);
    return { frame: out, state: r.state, sketch };
  }

  async close(): Promise<void> {
    await this.#pipeline.close();
  }
}

/** Passes the camera through, reporting why the pipeline is not running. */
class UnavailableProcessor implements FrameProcessor {
  readonly name = 'pipeline-unavailable';
  constructor(readonly reason: string) {}
  async process(frame: I420Frame): Promise<ProcessResult> {
    return { frame, state: 'fallback-passthrough', message: `processing unavailable: ${this.reason}` };
  }
  close(): void {}
}

export const createFrameProcessor: ProcessorFactory = async () => {
  try {
    // Server settings: AVATAR_SIZE (256 or 512) and GENERATOR_MODEL (a replacement generator .onnx).
    const size = Number(process.env.AVATAR_SIZE) === 512 ? 512 : 256;
    return new PipelineProcessor(
      await FramePipeline.create({ size, generatorPath: process.env.GENERATOR_MODEL || undefined }),
    );
  } catch (e) {
    log.error('frame pipeline failed to start', e);
    return new UnavailableProcessor((e as Error).message);
  }
};

/** Path of this module, for AGENT_PROCESSOR_MODULE / ProcessAgentLauncher({ processorModule }). */
export const PIPELINE_PROCESSOR_MODULE = new URL(import.meta.url).pathname;
