import { hostname } from 'node:os';
import { TASK_WORKER_OPTIONS, taskWorkerName } from './task-queue.constants';

describe('taskWorkerName', () => {
  it('names a worker <hostname>#<pid>', () => {
    expect(taskWorkerName('render-3', 4711)).toBe('render-3#4711');
  });

  it('is the name this process gives its BullMQ worker', () => {
    expect(TASK_WORKER_OPTIONS.name).toBe(`${hostname()}#${process.pid}`);
  });
});
