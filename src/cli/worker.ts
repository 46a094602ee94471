// `npm run worker -- --server URL --token T [--capacity N] [--id NAME]`: an inference worker host. It registers
// with the call server (or, with `--redis URL` instead, takes jobs from the agent queue of several server
// nodes), runs the agents it is given (the frame pipeline unless AGENT_PROCESSOR_MODULE names another
// processor), and ends them all on SIGINT/SIGTERM. WORKER_TOKEN may stand in for --token; --cert names the PEM
// certificate of an https:// server with a self-signed one (its fingerprint is pinned).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setting } from '../config.ts';
import { InferenceWorker } from '../scale/inference-worker.ts';
import { QueueWorker } from '../scale/queue-worker.ts';
import { createLogger } from '../util/logger.ts';

const log = createLogger('cli:worker');

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    redis: { type: 'string' },
    capacity: { type: 'string', default: '1' },
    id: { type: 'string' },
    cert: { type: 'string' },
  },
});
const token = values.token ?? setting('WORKER_TOKEN');
const capacity = Number(values.capacity);
const viaServer = values.server !== undefined && token !== undefined;
if (!(viaServer || values.redis) || !Number.isInteger(capacity) || capacity < 1 || capacity > 256) {
  process.stderr.write(
    'usage: npm run worker -- (--server URL --token T | --redis redis://HOST:PORT) [--capacity 1-256] [--id NAME] [--cert PEM]\n' +
      '(--token defaults to WORKER_TOKEN; --redis: jobs from the agent queue of several server nodes)\n',
  );
  process.exit(2);
}

// Agents run the frame pipeline unless AGENT_PROCESSOR_MODULE names another processor (the launcher's default).
const launcher = {};
const worker = values.redis
  ? new QueueWorker({ redisUrl: values.redis, capacity, workerId: values.id, launcher })
  : new InferenceWorker({
      serverUrl: values.server as string,
      token: token as string,
      capacity,
      workerId: values.id,
      serverCert: values.cert ? readFileSync(values.cert, 'utf8') : undefined,
      launcher,
    });
// One line a supervisor (or a test) can wait for.
worker.on('registered', () => process.stdout.write(`worker ${worker.workerId} registered\n`));
worker.on('job', (jobId, pid) => process.stdout.write(`worker ${worker.workerId} job ${jobId} pid ${pid}\n`));

const stop = () => {
  log.info('shutting down');
  void worker.close();
  // Agents get their close; the spawner ends them if they linger.
  setTimeout(() => process.exit(0), 500).unref();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
