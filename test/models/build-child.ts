// Child process for the concurrency test: converts one model into a given cache folder and prints the path.
import { buildModel, type FaceModelName } from '../../src/inference/models/registry.ts';

const [name, cacheDir] = process.argv.slice(2) as [FaceModelName, string];
const r = await buildModel(name, { cacheDir, force: true });
process.stdout.write(`${r.path}\n`);
