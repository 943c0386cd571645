import { IllegalTransitionError, Task, type NewTask } from './task.aggregate';
import {
  TaskCancelled,
  TaskFailed,
  TaskProgressed,
  TaskQueued,
  TaskStarted,
  TaskSucceeded,
} from '../events/task-events';

const fields: NewTask = {
  id: 'task-1',
  assetId: 'asset-1',
  ownerId: 'user-1',
  sessionId: 'session-1',
  kind: 'image',
  type: 'process',
  options: {},
};
const t0 = new Date('2026-12-01T10:00:00.000Z');
const t1 = new Date('2026-12-01T10:00:01.000Z');

function running(): Task {
  const task = Task.queue(fields, t0);
  task.start(t1);
  task.uncommit();
  return task;
}

describe('Task aggregate', () => {
  it('starts queued with no progress and records TaskQueued for attempt 1', () => {
    const task = Task.queue(fields, t0);
    expect(task.toSnapshot()).toEqual({
      ...fields,
      state: 'queued',
      progress: 0,
      step: null,
      attempts: 0,
      error: null,
      outputs: [],
      jobId: 'task-1.1',
      createdAt: '2026-12-01T10:00:00.000Z',
      updatedAt: '2026-12-01T10:00:00.000Z',
    });
    const events = task.getUncommittedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(TaskQueued);
    expect(events[0]).toMatchObject({
      taskId: 'task-1',
      sessionId: 'session-1',
      type: 'process',
      attempt: 1,
    });
  });

  it('goes queued → running → succeeded, counting the attempt and ending at 100% on its last step', () => {
    const task = Task.queue(fields, t0);
    task.start(t1);
    task.progress('render', 40.4, t1);
    task.succeed(['metadata.json', 'thumbnail.png'], 'variants', t1);
    expect(task.toSnapshot()).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      progress: 100,
      step: 'variants',
      outputs: ['metadata.json', 'thumbnail.png'],
      updatedAt: '2026-12-01T10:00:01.000Z',
    });
    expect(task.getUncommittedEvents().map((e) => e.constructor)).toEqual([
      TaskQueued,
      TaskStarted,
      TaskProgressed,
      TaskSucceeded,
    ]);
    expect(task.getUncommittedEvents()[2]).toMatchObject({ step: 'render', progress: 40 });
  });

  it('records the outputs a step left as it ends, in a progress event of that step', () => {
    const task = running();
    task.stepEnded('render', ['thumbnail.png'], 33.3, t1);
    task.stepEnded('inspect', ['metadata.json'], 66.7, t1);
    expect(task.toSnapshot()).toMatchObject({
      step: 'inspect',
      progress: 67,
      outputs: ['thumbnail.png', 'metadata.json'],
    });
    expect(task.getUncommittedEvents().map((e) => e.toContract())).toEqual([
      {
        name: 'task.progress',
        payload: {
          taskId: 'task-1',
          assetId: 'asset-1',
          at: t1.toISOString(),
          step: 'render',
          progress: 33,
          outputs: ['thumbnail.png'],
        },
      },
      {
        name: 'task.progress',
        payload: {
          taskId: 'task-1',
          assetId: 'asset-1',
          at: t1.toISOString(),
          step: 'inspect',
          progress: 67,
          outputs: ['metadata.json'],
        },
      },
    ]);
  });

  it('keeps the outputs earlier steps left when it fails, names the failing step, and says so in task.failed', () => {
    const task = running();
    task.stepEnded('inspect', ['metadata.json'], 33, t1);
    task.fail({ code: 'INVALID_OPTIONS', message: 'bad maxSize' }, false, t1, 'variants');
    expect(task.toSnapshot()).toMatchObject({
      state: 'failed',
      step: 'variants',
      outputs: ['metadata.json'],
    });
    expect(task.getUncommittedEvents()[1].toContract()).toEqual({
      name: 'task.failed',
      payload: {
        taskId: 'task-1',
        assetId: 'asset-1',
        at: t1.toISOString(),
        error: { code: 'INVALID_OPTIONS', message: 'bad maxSize' },
        willRetry: false,
        outputs: ['metadata.json'],
      },
    });
  });

  it('lists every output in task.succeeded: the last attempt’s in step order, then earlier attempts’', () => {
    const task = running();
    task.stepEnded('inspect', ['metadata.json', 'old.png'], 50, t1);
    task.succeed(['metadata.json', 'thumbnail.png'], 'render', t1);
    expect(task.getUncommittedEvents()[1].toContract()).toMatchObject({
      name: 'task.succeeded',
      payload: { outputs: ['metadata.json', 'thumbnail.png', 'old.png'] },
    });
  });

  it('never lets progress go backwards within an attempt', () => {
    const task = running();
    task.progress('inspect', 30, t1);
    task.progress('inspect', 10, t1);
    expect(task.toSnapshot().progress).toBe(30);
  });

  it('fails for good with the error when no retry follows', () => {
    const task = running();
    task.fail({ code: 'IMAGE_CORRUPT', message: 'bad' }, false, t1);
    expect(task.toSnapshot()).toMatchObject({
      state: 'failed',
      error: { code: 'IMAGE_CORRUPT', message: 'bad' },
    });
    const events = task.getUncommittedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(TaskFailed);
    expect(events[0]).toMatchObject({ willRetry: false });
  });

  it('goes back to queued for attempt n+1 when a retry follows', () => {
    const task = running();
    task.progress('render', 50, t1);
    task.fail({ code: 'STEP_CRASHED', message: 'thread died' }, true, t1);
    expect(task.toSnapshot()).toMatchObject({
      state: 'queued',
      attempts: 1,
      progress: 0,
      step: null,
    });
    expect(task.getUncommittedEvents().map((e) => e.constructor)).toEqual([
      TaskProgressed,
      TaskFailed,
      TaskQueued,
    ]);
    expect(task.getUncommittedEvents()[2]).toMatchObject({ attempt: 2 });
    task.start(t1);
    expect(task.toSnapshot()).toMatchObject({ state: 'running', attempts: 2, error: null });
  });

  it('can be cancelled while queued or running', () => {
    const queued = Task.queue(fields, t0);
    queued.cancel('user asked', t1);
    expect(queued.state).toBe('cancelled');
    const active = running();
    active.cancel(undefined, t1);
    expect(active.state).toBe('cancelled');
    expect(active.getUncommittedEvents()[0]).toBeInstanceOf(TaskCancelled);
  });

  it.each([
    ['succeed a queued task', (task: Task) => task.succeed([], 'render', t1)],
    ['fail a queued task', (task: Task) => task.fail({ code: 'X', message: 'x' }, false, t1)],
  ])('refuses to %s', (_name, act) => {
    const task = Task.queue(fields, t0);
    expect(() => act(task)).toThrow(
      new IllegalTransitionError(
        'task-1',
        'queued',
        _name.startsWith('succeed') ? 'succeeded' : 'failed',
      ),
    );
  });

  it.each([
    [
      'failed',
      (task: Task) => task.fail({ code: 'MESH_EMPTY', message: 'no triangle' }, false, t1),
    ],
    ['cancelled', (task: Task) => task.cancel(undefined, t1)],
  ])(
    'retries a %s task: queued again with a job of its own, then attempt 2 starts',
    (_state, end) => {
      const task = running();
      end(task);
      task.uncommit();
      const t2 = new Date('2026-12-01T10:00:02.000Z');

      task.retry(t2);

      expect(task.toSnapshot()).toMatchObject({
        state: 'queued',
        progress: 0,
        step: null,
        error: null,
        attempts: 1,
        jobId: 'task-1.2',
      });
      expect(task.getUncommittedEvents().map((e) => e.toContract())).toEqual([
        {
          name: 'task.queued',
          payload: {
            taskId: 'task-1',
            assetId: 'asset-1',
            at: t2.toISOString(),
            type: 'process',
            attempt: 2,
          },
        },
      ]);
      task.start(t2);
      expect(task.toSnapshot()).toMatchObject({ state: 'running', attempts: 2 });
    },
  );

  it('cancels a queued task and a running one', () => {
    const queued = Task.queue(fields, t0);
    queued.cancel(undefined, t1);
    expect(queued.state).toBe('cancelled');
    const task = running();
    task.cancel(undefined, t1);
    expect(task.state).toBe('cancelled');
    expect(task.getUncommittedEvents()).toEqual([expect.any(TaskCancelled)]);
  });

  it('refuses to retry a task that has not ended, or that succeeded', () => {
    expect(() => Task.queue(fields, t0).retry(t1)).toThrow(
      'Task task-1 cannot go from queued to queued',
    );
    // running → queued is the automatic retry's move (`fail`), not a new run.
    expect(() => running().retry(t1)).toThrow('Task task-1 cannot go from running to queued');
    const done = running();
    done.succeed([], 'render', t1);
    expect(() => done.retry(t1)).toThrow('Task task-1 cannot go from succeeded to queued');
  });

  it('keeps the task id as the job id of a record saved before runs had jobs of their own', () => {
    const old = running().toSnapshot();
    delete old.jobId;
    expect(Task.fromSnapshot(old).jobId).toBe('task-1');
  });

  it('refuses any move out of a final state', () => {
    const task = running();
    task.succeed([], 'render', t1);
    expect(() => task.start(t1)).toThrow('Task task-1 cannot go from succeeded to running');
    expect(() => task.cancel(undefined, t1)).toThrow(
      'Task task-1 cannot go from succeeded to cancelled',
    );
    expect(() => task.progress('render', 10, t1)).toThrow(
      'Task task-1 is succeeded and cannot report progress',
    );
  });

  it('refuses to start a task twice', () => {
    const task = running();
    expect(() => task.start(t1)).toThrow('Task task-1 cannot go from running to running');
  });

  it('round-trips through its snapshot without events', () => {
    const task = running();
    const copy = Task.fromSnapshot(task.toSnapshot());
    expect(copy.toSnapshot()).toEqual(task.toSnapshot());
    expect(copy.getUncommittedEvents()).toEqual([]);
  });
});
