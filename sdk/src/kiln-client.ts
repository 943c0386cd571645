import {
  FINAL_TASK_STATES,
  type RealtimeEvent,
  type TaskState,
  type TaskType,
} from '../../src/contract/index';
import { KilnApiError, KilnTaskError } from './errors';
import { HttpClient } from './http-client';
import { type KilnEvents, RealtimeConnection } from './realtime';
import type { Asset, RegisteredUser, Session, Task, UploadResult } from './rest-types';
import { type UploadFile, type UploadOptions, uploadFiles } from './upload';

export interface Credentials {
  username: string;
  password: string;
}

export interface ClientOptions {
  /** Resume the event stream after this id (e.g. `kiln.lastEventId` saved before a page reload). */
  lastEventId?: string;
}

/**
 * A signed-in Kiln session: REST calls with its token, uploads with byte progress, and the live
 * task events of the session over one self-healing Socket.IO connection.
 *
 * ```ts
 * const kiln = await KilnClient.login('http://localhost:3000', { username, password });
 * const { assets } = await kiln.upload([file], { onProgress: (p) => console.log(p.loaded / p.total) });
 * const task = await kiln.done(assets[0].taskId); // the finished task, with outputFiles
 * ```
 */
export class KilnClient {
  private readonly http: HttpClient;
  private readonly realtime: RealtimeConnection;

  private constructor(baseUrl: string, session: Session, options: ClientOptions = {}) {
    this.http = new HttpClient(baseUrl.replace(/\/+$/, ''));
    this.http.token = session.accessToken;
    this.session = session;
    this.realtime = new RealtimeConnection(
      this.http.baseUrl,
      () => this.http.token,
      options.lastEventId,
    );
  }

  /** The token, its session id and expiry (store it to come back with `KilnClient.resume`). */
  readonly session: Session;

  /** Signs in: a new session. Rejects with KilnApiError `INVALID_CREDENTIALS` (401) or `TOO_MANY_ATTEMPTS` (429). */
  static async login(
    baseUrl: string,
    credentials: Credentials,
    options?: ClientOptions,
  ): Promise<KilnClient> {
    const http = new HttpClient(baseUrl.replace(/\/+$/, ''));
    const session = await http.json<Session>('POST', '/auth/login', credentials);
    return new KilnClient(baseUrl, session, options);
  }

  /** Creates the account, then signs in. Rejects with KilnApiError `USERNAME_TAKEN` (409) or `BAD_REQUEST` (400). */
  static async register(
    baseUrl: string,
    credentials: Credentials,
    options?: ClientOptions,
  ): Promise<KilnClient> {
    const http = new HttpClient(baseUrl.replace(/\/+$/, ''));
    await http.json<RegisteredUser>('POST', '/auth/register', credentials);
    return KilnClient.login(baseUrl, credentials, options);
  }

  /** A client for a session signed in earlier (its token still valid). */
  static resume(baseUrl: string, session: Session, options?: ClientOptions): KilnClient {
    return new KilnClient(baseUrl, session, options);
  }

  /** Ends the session on the server (its token stops working) and closes the connection. */
  async logout(): Promise<void> {
    try {
      await this.http.json<void>('POST', '/auth/logout');
    } finally {
      this.close();
    }
  }

  /** Closes the realtime connection; REST calls keep working. */
  close(): void {
    this.realtime.close();
  }

  /** The server's address, e.g. `http://localhost:3000`. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The id of the last task event delivered; pass it as `lastEventId` to a later client to resume. */
  get lastEventId(): string | undefined {
    return this.realtime.lastEventId;
  }

  /** The realtime connection's state (`status` events tell of every change). */
  get status(): KilnEvents['status'] extends (s: infer S) => void ? S : never {
    return this.realtime.status;
  }

  /** The underlying Socket.IO socket, for what the SDK does not cover. */
  get socket(): RealtimeConnection['socket'] {
    return this.realtime.socket;
  }

  /** An absolute URL for a path the API answered with (an output's `url` or `signedUrl`). */
  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : this.http.url(path);
  }

  /**
   * Uploads one or many files in one request (a model with its textures belongs together): the
   * assets created and the task started for each. `onProgress` gets the bytes sent so far.
   */
  upload(
    files: Iterable<UploadFile> | ArrayLike<UploadFile>,
    options?: UploadOptions,
  ): Promise<UploadResult> {
    return uploadFiles(this.http, files, options);
  }

  readonly tasks = {
    /** One task with its state, progress, error and `outputFiles`. */
    get: (taskId: string): Promise<Task> =>
      this.http.json<Task>('GET', `/tasks/${encodeURIComponent(taskId)}`),
    /** Your tasks, newest first. */
    list: (options: { limit?: number } = {}): Promise<Task[]> =>
      this.http.json<Task[]>('GET', `/tasks${query(options)}`),
    /** Stops a queued or running task; it ends `cancelled`. 409 `TASK_ALREADY_FINISHED` once it ended. */
    cancel: (taskId: string): Promise<void> =>
      this.http.json<void>('POST', `/tasks/${encodeURIComponent(taskId)}/cancel`),
    /** Runs a failed or cancelled task again. 409 `TASK_NOT_RETRYABLE` otherwise. */
    retry: (taskId: string): Promise<void> =>
      this.http.json<void>('POST', `/tasks/${encodeURIComponent(taskId)}/retry`),
    /** Runs a pipeline or one step again on an asset, e.g. `render` with `{ size: 1024 }`. */
    run: async (
      assetId: string,
      type: TaskType,
      options?: Record<string, unknown>,
    ): Promise<string> => {
      const created = await this.http.json<{ taskId: string }>(
        'POST',
        `/assets/${encodeURIComponent(assetId)}/tasks`,
        options ? { type, options } : { type },
      );
      return created.taskId;
    },
  };

  readonly assets = {
    /** One asset with its metadata and outputs (each with a fresh `signedUrl`). */
    get: (assetId: string): Promise<Asset> =>
      this.http.json<Asset>('GET', `/assets/${encodeURIComponent(assetId)}`),
    /** Your assets, newest first. */
    list: (options: { limit?: number } = {}): Promise<Asset[]> =>
      this.http.json<Asset[]>('GET', `/assets${query(options)}`),
    /**
     * An absolute, freshly signed URL of one output that works without a header (for `<img src>`,
     * `GLTFLoader.load`) until it expires. Rejects with `OUTPUT_NOT_FOUND` when there is none (yet).
     */
    outputUrl: async (assetId: string, name: string): Promise<string> => {
      const asset = await this.assets.get(assetId);
      const output = asset.outputs.find((candidate) => candidate.name === name);
      if (!output) {
        throw new KilnApiError(
          404,
          'OUTPUT_NOT_FOUND',
          `Asset ${assetId} has no output "${name}" (yet).`,
        );
      }
      return this.url(output.signedUrl);
    },
  };

  /**
   * Listens to the session's live events (`task.progress`, `task.succeeded`, …, `resync`) or the
   * connection's `status`. Typed from the server's contract. Returns a function that stops it.
   */
  on<N extends keyof KilnEvents>(name: N, listener: KilnEvents[N]): () => void {
    return this.realtime.on(name, listener);
  }

  /**
   * The events of one task as they come, ending after its last (`task.succeeded`, `task.cancelled`,
   * or `task.failed` with no retry to follow). Breaking out of the loop stops listening.
   *
   * ```ts
   * for await (const event of kiln.watch(taskId)) if (event.name === 'task.progress') bar(event.payload.progress);
   * ```
   */
  watch(taskId: string): AsyncIterableIterator<RealtimeEvent> {
    const queue: RealtimeEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const off = this.realtime.onTaskEvent((event) => {
      if (event.payload.taskId !== taskId) return;
      queue.push(event);
      wake?.();
    });
    const finish = () => {
      ended = true;
      off();
    };
    const iterator: AsyncIterableIterator<RealtimeEvent> = {
      next: async () => {
        while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
        const event = queue.shift();
        if (!event) return { done: true, value: undefined };
        if (isLastEvent(event)) finish();
        return { done: false, value: event };
      },
      return: () => {
        finish();
        wake?.();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Resolves with the task once it has succeeded (with its `outputFiles`); rejects with a
   * KilnTaskError carrying the task's error `code` once it failed for good, or `TASK_CANCELLED`.
   * Safe whenever it is called: a task that already ended settles at once, and a connection that
   * drops meanwhile catches up by itself.
   */
  done(taskId: string, options: { signal?: AbortSignal } = {}): Promise<Task> {
    return new Promise<Task>((resolve, reject) => {
      let settled = false;
      const offs: Array<() => void> = [];
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        offs.forEach((off) => off());
        outcome();
      };
      const check = async () => {
        let task: Task;
        try {
          task = await this.tasks.get(taskId);
        } catch (error) {
          // Offline for a moment: the next reconnection checks again. Anything else is final.
          if (error instanceof KilnApiError && error.code === 'NETWORK_ERROR') return;
          return settle(() => reject(error instanceof Error ? error : new Error(String(error))));
        }
        if (!isFinal(task.state)) return;
        settle(() => (task.state === 'succeeded' ? resolve(task) : reject(taskError(task))));
      };
      // Listening first, then reading: an ending between the two is seen either way.
      offs.push(
        this.realtime.onTaskEvent((event) => {
          if (event.payload.taskId === taskId && isLastEvent(event)) void check();
        }),
        this.realtime.on('resync', () => void check()),
        this.realtime.on('status', (status) => {
          if (status === 'online') void check();
        }),
      );
      options.signal?.addEventListener(
        'abort',
        () => settle(() => reject(abortReason(options.signal))),
        { once: true },
      );
      void check();
    });
  }
}

function isFinal(state: TaskState): boolean {
  return (FINAL_TASK_STATES as readonly TaskState[]).includes(state);
}

/** The event after which a task raises no other (until someone retries it). */
function isLastEvent(event: RealtimeEvent): boolean {
  return (
    event.name === 'task.succeeded' ||
    event.name === 'task.cancelled' ||
    (event.name === 'task.failed' && !event.payload.willRetry)
  );
}

function taskError(task: Task): KilnTaskError {
  if (task.state === 'cancelled') {
    return new KilnTaskError('TASK_CANCELLED', `Task ${task.id} was cancelled.`, task);
  }
  const code = task.error?.code ?? 'INTERNAL';
  return new KilnTaskError(code, task.error?.message ?? `Task ${task.id} failed.`, task);
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('Aborted');
}

function query(options: { limit?: number }): string {
  return options.limit === undefined ? '' : `?limit=${options.limit}`;
}
