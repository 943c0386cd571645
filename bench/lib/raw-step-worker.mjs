// piscina task file of the raw baseline (MODE=piscina): a whole task, or one step, like Kiln's pool.
import { processTask, runStep } from './image-work.mjs';

export default function run({ step, input, workDir, settings }) {
  return step ? runStep(step, input, workDir, settings) : processTask(input, workDir, settings);
}
