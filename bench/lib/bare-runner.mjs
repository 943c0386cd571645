/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// The bare baseline of the large-PNG bench: a plain Node process (sharp on the main thread,
// default sharp settings, as in Kiln's threads) that runs the image work on request over IPC:
// mode 'same' = processTask() (what the build's pipeline does), 'one' = processOneDecode().
// Message in: { id, mode: 'same' | 'one', input, workDir }; out: { id, totalMs, stepMs? }.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadImageSettings, processOneDecode, processTask } from './image-work.mjs';

const settings = loadImageSettings();

process.on('message', (message) => {
  const { id, mode, input, workRoot } = message;
  (async () => {
    const workDir = await mkdtemp(join(workRoot, 'bare-'));
    try {
      const run = mode === 'one' ? processOneDecode : processTask;
      return { id, ...(await run(input, workDir, settings)) };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  })().then(
    (result) => process.send(result),
    (error) => process.send({ id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
