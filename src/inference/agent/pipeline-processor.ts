// The real FrameProcessor: the FramePipeline (tracker -> geometry -> generator) behind the agent's contract.
// The identity loads in update(), off the frame path: frames keep the previous identity (or the fallback) until
// the new one is ready. Without models the agent still runs, passing the camera through and saying why.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setting } from '../../config.ts';
import type { AgentCost } from '../../signaling/agents.ts';
import { createLogger } from '../../util/logger.ts';
import { readMjpeg } from '../../util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../util/paths.ts';
import type { I420Frame } from '../../video/frame.ts';
import { decodeImage, rgbaToI420 } from '../../video/image.ts';
import { SketchRenderer } from '../geometry/index.ts';
import { FramePipeline } from '../pipeline/pipeline.ts';
import { renderResultSketch } from '../pipeline/sketch-frame.ts';
import type {
  AgentSettings,
  FrameProcessor,
  ProcessorDeps,
  ProcessorFactory,
  ProcessResult,
} from './processor.ts';

export { PIPELINE_PROCESSOR_MODULE } from './processor.ts';

const log = createLogger('inference:agent:pipeline');
/** The capacity measurement: this long of avatar frames after a few untimed ones. */
const MEASURE_MS = 1500;
const MEASURE_FRAMES = 25;
/** Debug sketch: small and a few per second (it travels over signaling, not media). */
const SKETCH_SIZE = 192;
const SKETCH_INTERVAL_MS = 300;

export class PipelineProcessor implements FrameProcessor {
  readonly name = 'pipeline';
  #pipeline: FramePipeline;
  #deps: ProcessorDeps;
  /** The identity the update in progress or last made asks for. */
  #wantedId: string | null = null;
  /** The identity the pipeline holds (null: none). */
  #loadedId: string | null = null;
  #identityError: string | null = null;
  #sketch: SketchRenderer | null = null;
  #lastSketchAt = -Infinity;

  constructor(pipeline: FramePipeline, deps: ProcessorDeps) {
    this.#pipeline = pipeline;
    this.#deps = deps;
  }

  /** Loads the identity (also outside avatar mode, so that turning avatar on finds it ready). */
  async update(settings: AgentSettings): Promise<void> {
    const id = settings.identityId;
    if (id === this.#wantedId) return;
    this.#wantedId = id;
    this.#identityError = null;
    if (!id) {
      this.#pipeline.clearIdentity();
      this.#loadedId = null;
      return;
    }
    try {
      const inputs = await this.#deps.loadIdentity(id);
      if (this.#wantedId !== id || this.#pipeline.closed) return;
      await this.#pipeline.setIdentity(inputs);
      if (this.#wantedId === id) this.#loadedId = id;
    } catch (e) {
      if (this.#wantedId !== id) return;
      // The old identity must not stand in for the one the user chose.
      this.#pipeline.clearIdentity();
      this.#loadedId = null;
      this.#identityError = (e as Error).message;
      log.warn(`identity ${id} unusable`, this.#identityError);
    }
  }

  async process(frame: I420Frame, settings: AgentSettings): Promise<ProcessResult> {
    if (settings.mode === 'none') return { frame, state: 'ok' };
    const avatar = settings.mode === 'avatar' || settings.mode === 'both';
    const ready =
      settings.identityId !== null && settings.identityId === this.#loadedId && this.#pipeline.identity;
    if (avatar && !ready) {
      const why = !settings.identityId
        ? 'no identity chosen'
        : settings.identityId === this.#wantedId && this.#identityError
          ? this.#identityError
          : 'identity not loaded';
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

  /**
   * The avatar's cost on this machine: the bench's frames (a fixture clip and portrait) for ~1.5 s. Runs in a
   * warm agent before it serves anyone; the identity and tracker state are cleared afterwards.
   */
  async measure(): Promise<AgentCost | null> {
    if (!fixturesAvailable() || this.#loadedId !== null) return null;
    const clips = readdirSync(join(FIXTURES_DIR, 'drivers')).filter((f) => f.endsWith('.mjpeg'));
    const clip = clips.includes('d3.mjpeg') ? 'd3.mjpeg' : clips.sort()[0];
    const portrait = join(FIXTURES_DIR, 'identities', 's0.jpg');
    if (!clip) return null;
    const frames: I420Frame[] = [];
    for (const jpeg of readMjpeg(join(FIXTURES_DIR, 'drivers', clip)).slice(0, MEASURE_FRAMES))
      frames.push(rgbaToI420(await decodeImage(jpeg)));
    const pipeline = this.#pipeline;
    try {
      await pipeline.setIdentity([portrait]);
      for (let i = 0; i < 3; i++) await pipeline.process(frames[i % frames.length], 'avatar');
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      let n = 0;
      while (performance.now() - t0 < MEASURE_MS || n < 5)
        await pipeline.process(frames[n++ % frames.length], 'avatar');
      const cpu = process.cpuUsage(c0);
      return {
        cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / n,
        wallMsPerFrame: (performance.now() - t0) / n,
        frames: n,
        what: `avatar ${pipeline.size} on ${clip} (fixtures)`,
      };
    } finally {
      // The next user starts from nothing: no identity, no driver reference, no tracked face.
      pipeline.clearIdentity();
      pipeline.resetDriver();
    }
  }

  async close(): Promise<void> {
    await this.#pipeline.close();
  }
}

/** Passes the camera through, reporting why the pipeline is not running. */
class UnavailableProcessor implements FrameProcessor {
  readonly name = 'pipeline-unavailable';
  constructor(readonly reason: string) {}
  update(): void {}
  async process(frame: I420Frame): Promise<ProcessResult> {
    return { frame, state: 'fallback-passthrough', message: `processing unavailable: ${this.reason}` };
  }
  close(): void {}
}

export const createFrameProcessor: ProcessorFactory = async (_settings, deps) => {
  try {
    const pipeline = await FramePipeline.create({
      size: setting('AVATAR_SIZE'),
      generatorPath: setting('GENERATOR_MODEL'),
    });
    return new PipelineProcessor(pipeline, deps);
  } catch (e) {
    log.error('frame pipeline failed to start', e);
    return new UnavailableProcessor((e as Error).message);
  }
};
