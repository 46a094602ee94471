// FramePipeline: one camera frame -> the processed frame. Tracker -> geometry (re-enactment targets, eye-contact
// policy) -> dense flow -> generator -> composition, with per-stage timings and the fallbacks the design asks
// for (avatar: the identity's still with the last good pose; eye contact: the original frame).
import { setting } from '../../config.ts';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import type { Frame } from '../../video/frame.ts';
import { AvatarRenderer, type AvatarTimings } from '../generator/avatar.ts';
import { Generator } from '../generator/generator.ts';
import {
  LearnedRegions,
  type LearnedRegionsOptions,
  type RegionRenderer,
  type RegionSource,
} from '../generator/learned-regions.ts';
import { planarToI420, planarToRgba } from '../generator/planar.ts';
import type { EyeContactOptions } from '../geometry/index.ts';
import {
  DEFAULT_FRAMING,
  type Framing,
  type IdentityInput,
  type IdentityPhoto,
  type Landmarker,
  prepareIdentityPhoto,
} from './identity.ts';
import { LearnedEyes } from './learned-eyes.ts';
import { LiveEyes } from './live-eyes.ts';
import { AvatarGeometry, DriverGeometry } from './targets.ts';

const log = createLogger('inference:pipeline');

import { type PipelineMode, type PipelineResult, zeroTimings } from './result.ts';

export {
  type PipelineMode,
  type PipelineResult,
  type PipelineState,
  STAGES,
  type StageTimings,
  zeroTimings,
} from './result.ts';

export interface FramePipelineOptions {
  /** Avatar output size (square). Default 256. */
  size?: number;
  /** A replacement generator model (same contract). */
  generatorPath?: string;
  /** Face tracker; the pipeline closes it on close() when it created it. */
  tracker?: Landmarker & { close(): Promise<void> | void };
  /** Crop framing of identity photos. */
  framing?: Framing | 'full';
  /** The eye-contact policy's bands, look-away and time constants (defaults: EYE_CONTACT_FULL_DEG,
   * EYE_CONTACT_NONE_DEG, EYE_CONTACT_LOOK_AWAY). */
  eyeContact?: EyeContactOptions;
  /** Eyes and mouth over the built-in generator: 'learned' (models/region-*.onnx, the classic renderer where a
   * model is missing or fails) or 'classic' (hand-drawn only). Default: REGION_RENDERER or 'learned'. */
  regionRenderer?: RegionRenderer;
  /** Eye contact's eyes: 'learned' (the eye model after the classic iris shift) or 'classic'. Default:
   * EYE_CONTACT_RENDERER or 'classic' (the learned eyes gain 1-3 deg on the fixture drivers for ~5 ms). */
  eyeContactRenderer?: RegionRenderer;
  /** Replacement region models (same contract as learned-regions.ts). */
  regionModels?: LearnedRegionsOptions;
}

export interface Identity {
  photos: IdentityPhoto[];
  renderer: AvatarRenderer;
  geometry: AvatarGeometry;
  /** The first photo's regions for the learned renderers (null: classic only). */
  regions: RegionSource | null;
}

/**
 * The tracker's One Euro smoothing for the avatar and eye contact: the speed estimate follows at 4 Hz (the
 * tracker's default 1 Hz lagged a blink's first frames, so the filter was still at rest while the lids fell) and
 * a fast motion opens the cut-off twice as far. On the six fixture drivers, r between the unsmoothed and the
 * smoothed opening of each eye rose from 0.82-0.98 to 0.95-1.00, the mouth's from 0.90-0.99 to 0.98-1.00; the
 * still drivers' landmarks move 0.004 instead of 0.003 inter-ocular distances a frame (unsmoothed 0.005-0.006).
 */
export const LANDMARK_SMOOTHING = { minCutoff: 1, beta: 40, dCutoff: 4 } as const;

/**
 * The avatar's regions drawn by the learned models; the mouth is the classic renderer's. The learned mouth drew
 * the source's mouth on faces it never saw: the peer's mouth-opening r on s12 x d3 0.15 against the classic
 * renderer's 0.53 (s0 x d3 0.80 / 0.73, s0 x d12 0.72 / 0.68); our tracker reading the output of s12 x d12:
 * r 0.75 / 0.82, and a third of the driver's opening (gain 0.39) against two thirds (0.65). Its file stays for
 * `regionModels: { regions: ['eyes', 'mouth'] }`.
 */
export const AVATAR_LEARNED_REGIONS: readonly ('eyes' | 'mouth')[] = ['eyes'];

/** The eye-contact policy's settings from the environment; a band that ends before it starts is refused. */
function eyeContactSettings(): EyeContactOptions {
  const fullDeg = setting('EYE_CONTACT_FULL_DEG');
  const noneDeg = setting('EYE_CONTACT_NONE_DEG');
  if (!(noneDeg > fullDeg))
    throw new AppError(
      'CONFIG_INVALID',
      `EYE_CONTACT_NONE_DEG (${noneDeg}) must exceed EYE_CONTACT_FULL_DEG (${fullDeg})`,
    );
  return { fullDeg, noneDeg, lookAway: setting('EYE_CONTACT_LOOK_AWAY') };
}

export class FramePipeline {
  readonly size: number;
  readonly #tracker: Landmarker & { close(): Promise<void> | void };
  readonly #ownsTracker: boolean;
  readonly #generator: Generator;
  readonly #eyes = new LiveEyes();
  readonly #framing: Framing | 'full';
  #learned: LearnedRegions | null;
  #learnedEyes: LearnedEyes | null;
  readonly #avatarLearned: boolean;
  #identity: Identity | null = null;
  #trackerQueue: Promise<unknown> = Promise.resolve();
  #lastTarget: Float32Array | null = null;
  readonly #driver: DriverGeometry;
  #closed = false;

  private constructor(
    size: number,
    tracker: Landmarker & { close(): Promise<void> | void },
    ownsTracker: boolean,
    generator: Generator,
    framing: Framing | 'full',
    eyeContact: EyeContactOptions | undefined,
    learned: LearnedRegions | null,
    avatarLearned: boolean,
    eyeContactLearned: boolean,
  ) {
    this.#learned = learned;
    this.#avatarLearned = avatarLearned;
    this.#learnedEyes = learned?.hasEyes && eyeContactLearned ? new LearnedEyes(learned) : null;
    this.size = size;
    this.#driver = new DriverGeometry(eyeContact);
    this.#tracker = tracker;
    this.#ownsTracker = ownsTracker;
    this.#generator = generator;
    this.#framing = framing;
  }

  static async create(opts: FramePipelineOptions = {}): Promise<FramePipeline> {
    const size = opts.size ?? 256;
    if (!Number.isInteger(size) || size < 64 || size > 1024)
      throw new AppError('BAD_REQUEST', `avatar size ${size} is not an integer in 64..1024`);
    let tracker = opts.tracker;
    const owns = !tracker;
    if (!tracker) {
      const { FaceTracker } = await import('../face/tracker.ts');
      tracker = await FaceTracker.create({ smoothing: LANDMARK_SMOOTHING });
    }
    let generator: Generator | null = null;
    let learned: LearnedRegions | null = null;
    try {
      generator = await Generator.create({ modelPath: opts.generatorPath });
      const avatarLearned = (opts.regionRenderer ?? setting('REGION_RENDERER')) === 'learned';
      const eyeContactLearned = (opts.eyeContactRenderer ?? setting('EYE_CONTACT_RENDERER')) === 'learned';
      if (avatarLearned || eyeContactLearned)
        learned = await LearnedRegions.create({
          ...opts.regionModels,
          regions: avatarLearned ? (opts.regionModels?.regions ?? AVATAR_LEARNED_REGIONS) : ['eyes'],
        });
      return new FramePipeline(
        size,
        tracker,
        owns,
        generator,
        opts.framing ?? DEFAULT_FRAMING,
        opts.eyeContact ?? eyeContactSettings(),
        learned,
        avatarLearned,
        eyeContactLearned,
      );
    } catch (e) {
      await learned?.close();
      await generator?.close();
      if (owns) await tracker.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get identity(): Identity | null {
    return this.#identity;
  }

  /** Sets the avatar identity from 1..M photos of one person (landmarks found once). Throws NO_FACE. */
  async setIdentity(inputs: readonly IdentityInput[]): Promise<Identity> {
    this.#check();
    if (inputs.length === 0) throw new AppError('BAD_REQUEST', 'an identity needs at least one photo');
    // Frames may be processed meanwhile (the agent loads identities off its frame path): each photo takes the
    // tracker in its turn and leaves it reset, so the video re-detects its face next.
    const tracker = this.#tracker;
    const photoLandmarker: Landmarker = {
      reset: () => undefined,
      track: (image) =>
        this.#trackerTurn(async () => {
          tracker.reset();
          try {
            return await tracker.track(image);
          } finally {
            tracker.reset();
          }
        }),
    };
    const photos: IdentityPhoto[] = [];
    for (const input of inputs)
      photos.push(await prepareIdentityPhoto(input, photoLandmarker, this.size, this.#framing));
    const renderer = new AvatarRenderer(this.#generator, photos, this.size, this.size);
    // Regions are learned over the built-in generator's output only: a replacement model draws its own.
    const regions =
      this.#learned && this.#avatarLearned && this.#generator.builtin
        ? this.#learned.source(photos[0].image, this.size, this.size, photos[0].landmarks)
        : null;
    this.#identity = {
      photos,
      renderer,
      geometry: new AvatarGeometry(photos[0].landmarks, this.size),
      regions,
    };
    this.#lastTarget = null;
    log.info(`identity set: ${photos.length} photo(s) at ${this.size}px`);
    return this.#identity;
  }

  /** Runs `fn` once the tracker's previous user is done (its track() refuses overlapping calls). */
  #trackerTurn<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.#trackerQueue.then(fn);
    this.#trackerQueue = turn.catch(() => undefined);
    return turn;
  }

  clearIdentity(): void {
    this.#identity = null;
    this.#lastTarget = null;
  }

  /**
   * Processes one frame. Never throws for a missing face: returns the mode's fallback instead. `tMs` is the
   * frame's time (default: now), which paces the eye-contact policy's filters.
   */
  async process(frame: Frame, mode: PipelineMode, tMs = performance.now()): Promise<PipelineResult> {
    this.#check();
    const t0 = performance.now();
    const timings = zeroTimings();
    const result: PipelineResult = {
      frame,
      state: 'ok',
      timings,
      face: null,
      target: null,
      redirect: null,
      sketchEyes: null,
      geometry: null,
    };
    if (mode === 'none') return result;
    const avatar = mode === 'avatar' || mode === 'both';
    // The identity this frame renders, taken before any await: an update() or close() meanwhile may replace or
    // clear the pipeline's (switching avatar -> eye contact read a cleared one: "reading 'geometry'" of null).
    const id = this.#identity;
    if (avatar && !id) throw new AppError('BAD_REQUEST', `mode ${mode} needs an identity`);
    // The caller's clock drives the tracker's smoothing too, so an offline render is the same on every run.
    const face = await this.#trackerTurn(() => this.#tracker.track(frame, tMs));
    this.#check();
    const t1 = performance.now();
    timings.track = t1 - t0;
    result.face = face;
    const geo = face ? this.#driver.analyze(face.landmarks, frame.width, frame.height, tMs) : null;
    result.geometry = geo;
    if (!avatar) {
      if (!face) {
        result.state = 'fallback-passthrough';
      } else {
        const target = Float32Array.from(face.landmarks);
        const redirect = this.#driver.redirectOwnEyes(target, tMs);
        result.redirect = redirect;
        result.target = target;
        result.sketchEyes = this.#driver.sketchEyes(redirect);
        const t2 = performance.now();
        timings.geometry = t2 - t1;
        if (redirect.weight > 0 && geo) {
          const copy: Frame = { ...frame, data: Uint8Array.from(frame.data) } as Frame;
          if (await this.#eyes.apply(copy, face.landmarks, redirect, geo.gaze)) {
            if (this.#learnedEyes)
              await this.#learnedEyes
                .apply(frame, copy, face.landmarks, target, result.sketchEyes)
                .catch((e) => this.#dropLearned(e));
            result.frame = copy;
          }
        }
        timings.generate = performance.now() - t2;
      }
      timings.total = performance.now() - t0;
      return result;
    }
    if (!id) throw new AppError('BAD_REQUEST', `mode ${mode} needs an identity`);
    let target: Float32Array | null = null;
    if (geo) {
      target = id.geometry.retarget(geo);
      if (mode === 'both') result.redirect = this.#driver.redirectAvatarEyes(target, id.geometry.eyes, tMs);
      result.sketchEyes = id.geometry.sketchEyes(geo, result.redirect);
      this.#lastTarget = Float32Array.from(target);
    } else {
      result.state = 'fallback-still';
      target = this.#lastTarget;
    }
    const t2 = performance.now();
    timings.geometry = t2 - t1;
    const at: AvatarTimings = { flow: 0, generate: 0, compose: 0 };
    const planar = target ? await id.renderer.render(target, at) : id.renderer.restImage;
    if (target && id.regions && this.#learned) {
      const t = performance.now();
      await this.#learned
        .apply(planar, this.size, this.size, target, result.sketchEyes, id.regions)
        .catch((e) => this.#dropLearned(e));
      at.generate += performance.now() - t;
    }
    result.target = target;
    timings.flow = at.flow;
    timings.generate = at.generate;
    const t3 = performance.now();
    // A fresh buffer per frame: the caller may hold the previous frame while encoding it.
    result.frame =
      frame.format === 'rgba'
        ? planarToRgba(planar, this.size, this.size)
        : planarToI420(planar, this.size, this.size);
    timings.compose = at.compose + (performance.now() - t3);
    timings.total = performance.now() - t0;
    return result;
  }

  /** Forget the driver's reference pose (the next tracked frame becomes "no motion"). */
  resetDriver(): void {
    this.#identity?.geometry.resetReference();
    this.#driver.reset();
    this.#eyes.reset();
    this.#tracker.reset();
  }

  /** A failing region model is dropped for the pipeline's life: the classic renderer's output stands. */
  #dropLearned(e: unknown): void {
    log.warn(`learned region renderer failed (${(e as Error).message}); using the classic renderer`);
    const learned = this.#learned;
    this.#learned = null;
    this.#learnedEyes = null;
    if (this.#identity) this.#identity.regions = null;
    void learned?.close();
  }

  /** The avatar's region renderer in effect (learned: models loaded and not dropped). */
  get regionRenderer(): RegionRenderer {
    return this.#learned && this.#avatarLearned ? 'learned' : 'classic';
  }

  /** The eye warp's bands above and below each eye on the last frame (eye lengths; glasses and brows shrink
   * them). */
  get liveEyeBands(): Record<'left' | 'right', { above: number; below: number }> {
    return { left: { ...this.#eyes.lastBands.left }, right: { ...this.#eyes.lastBands.right } };
  }

  /** Eye contact's renderer in effect. */
  get eyeContactRenderer(): RegionRenderer {
    return this.#learnedEyes ? 'learned' : 'classic';
  }

  #check(): void {
    if (this.#closed) throw new AppError('CLOSED', 'frame pipeline is closed');
  }

  /** Idempotent; closes the generator(s) and the tracker when the pipeline created it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#identity = null;
    await this.#learned?.close();
    await this.#generator.close();
    if (this.#ownsTracker) await this.#tracker.close();
  }
}
