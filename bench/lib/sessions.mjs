/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Issue 11's small-image throughput, for any bench that runs it against a Kiln: sessions (a
// registered user, logged in, with a socket connected), a phase in which each of `count`
// sessions uploads its images one request at a time and waits for all its task.succeeded, and
// the audit of every event every socket got.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connectSocket, expectStatus, mapLimit, signUp, upload } from './client.mjs';
import { FIXTURES } from './env.mjs';
import { describeImage, generatePng } from './image-work.mjs';
import { fmt } from './stats.mjs';

/** The small image of the throughput bench: the repo's fixture, else a generated 256² PNG. */
export async function smallImage(work) {
  const fixture = join(FIXTURES, 'image', 'CesiumLogoFlat.png');
  return existsSync(fixture)
    ? await describeImage(fixture)
    : await generatePng(join(work, 'small.png'), 256);
}

/**
 * `count` sessions on the Kiln at `baseUrl` (sign-ups 4 at a time: scrypt is slow on purpose),
 * each socket closed at clean-up.
 */
export async function startSessions(baseUrl, count, name, onCleanup) {
  const t0 = performance.now();
  const sessions = await mapLimit(Array.from({ length: count }), 4, async (_, i) => {
    const user = await signUp(baseUrl, `${name}${i}x`);
    return { index: i, user, ownTasks: new Set() };
  });
  await mapLimit(sessions, 10, async (session) => {
    session.socket = await connectSocket(baseUrl, session.user.token);
    onCleanup(() => session.socket.close());
  });
  console.log(`${count} sessions on ${baseUrl} in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return sessions;
}

/**
 * One throughput phase: the first `count` of `sessions` upload `per` images each (`imageFor(i)`:
 * the image of a session's i-th upload), one request at a time, then wait for all their
 * task.succeeded. Answers tasks/s from the first POST to the last task.succeeded, and from the
 * events' server times each task's queue wait (queued → started), slot time (started →
 * succeeded) and every event's latency (`at` → the socket got it).
 */
export async function runSessions({ baseUrl, sessions, count, per, imageFor, timeoutMs }) {
  const active = sessions.slice(0, count);
  const t0 = performance.now();
  const deadline = Date.now() + timeoutMs;
  const uploadMs = [];
  const phaseTasks = [];
  const ends = await Promise.all(
    active.map(async (session) => {
      const ids = [];
      for (let i = 0; i < per; i++) {
        const response = await upload(baseUrl, session.user.token, [
          { path: imageFor(session, i), filename: `small-${i}.png` },
        ]);
        uploadMs.push(response.ms);
        const { taskId } = expectStatus(response, 201, 'upload').assets[0];
        phaseTasks.push([session, taskId]);
        session.ownTasks.add(taskId);
        ids.push(taskId);
      }
      let last = 0;
      for (const taskId of ids) {
        const event = await session.socket.waitFor(
          (e) =>
            e.payload?.taskId === taskId &&
            (e.name === 'task.succeeded' || e.name === 'task.failed'),
          Math.max(1, deadline - Date.now()),
        );
        if (event.name !== 'task.succeeded')
          throw new Error(`task failed: ${JSON.stringify(event.payload)}`);
        last = Math.max(last, event.t);
      }
      return last;
    }),
  );
  const ms = Math.max(...ends) - t0;
  const tasks = count * per;
  const queueWaitMs = [];
  const slotMs = [];
  // Clocks agree: same machine. `at` is taken when the worker raises the event.
  const eventLatencyMs = [];
  const phaseTaskIds = new Set(phaseTasks.map(([, taskId]) => taskId));
  for (const session of active)
    for (const e of session.socket.events)
      if (phaseTaskIds.has(e.payload?.taskId))
        eventLatencyMs.push(e.wall - Date.parse(e.payload.at));
  for (const [session, taskId] of phaseTasks) {
    const at = (name) => {
      const event = session.socket.events.find(
        (e) => e.name === name && e.payload.taskId === taskId,
      );
      return event ? Date.parse(event.payload.at) : NaN;
    };
    queueWaitMs.push(at('task.started') - at('task.queued'));
    slotMs.push(at('task.succeeded') - at('task.started'));
  }
  return {
    tasks,
    ms,
    tasksPerSec: tasks / (ms / 1000),
    uploadMs,
    queueWaitMs,
    slotMs,
    eventLatencyMs,
  };
}

/**
 * Every event every socket got: each session must get exactly one queued, one started, ≥0
 * progress and one succeeded per task of its own, in that order, and nothing else.
 */
export function auditEvents(sessions) {
  const totals = {
    sessions: sessions.length,
    tasks: 0,
    events: 0,
    lost: 0,
    duplicated: 0,
    misrouted: 0,
    outOfOrder: 0,
    failed: 0,
  };
  const byName = {};
  for (const session of sessions) {
    const perTask = new Map();
    for (const event of session.socket.events) {
      totals.events++;
      byName[event.name] = (byName[event.name] ?? 0) + 1;
      const taskId = event.payload?.taskId;
      if (!session.ownTasks.has(taskId)) {
        totals.misrouted++;
        continue;
      }
      if (!perTask.has(taskId)) perTask.set(taskId, []);
      perTask.get(taskId).push(event.name);
    }
    for (const taskId of session.ownTasks) {
      totals.tasks++;
      const names = perTask.get(taskId) ?? [];
      const count = (name) => names.filter((n) => n === name).length;
      for (const name of ['task.queued', 'task.started', 'task.succeeded']) {
        if (count(name) === 0) totals.lost++;
        if (count(name) > 1) totals.duplicated += count(name) - 1;
      }
      totals.failed += count('task.failed');
      const expected =
        names[0] === 'task.queued' &&
        names[1] === 'task.started' &&
        names[names.length - 1] === 'task.succeeded' &&
        names.slice(2, -1).every((n) => n === 'task.progress');
      if (!expected) totals.outOfOrder++;
    }
  }
  return { ...totals, byName };
}

/** The audit in one line. */
export function auditLine(a) {
  return `events: ${a.events} on ${a.sessions} sockets for ${a.tasks} tasks; lost ${a.lost}, duplicated ${a.duplicated}, misrouted ${a.misrouted}, out of order ${a.outOfOrder}, failed ${a.failed}; ${JSON.stringify(a.byName)}`;
}
