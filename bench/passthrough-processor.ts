// The built-in passthrough processor as a module for AGENT_PROCESSOR_MODULE (the scale bench measures plumbing:
// decode, frame loop, encode, SFU, queue; the frame pipeline's own cost is `bench pipeline`).
import { passthroughFactory } from '../src/inference/agent/processor.ts';

export const createFrameProcessor = passthroughFactory;
