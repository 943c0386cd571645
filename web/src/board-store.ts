import {
  type Asset,
  type ConnectionStatus,
  KilnApiError,
  type KilnClient,
  type RealtimeEvent,
  type Task,
} from '@kiln/client';
import { describeError } from './error-words';

/** A file on its way up: one card each, while its request is under way or after it was refused. */
export interface PendingUpload {
  key: string;
  filename: string;
  /** Bytes of this file sent so far, and its size. */
  loaded: number;
  total: number;
  /** Why the server refused the upload, in words (the card stays until dismissed). */
  error?: string;
}

/** What the dashboard shows: assets newest first, the latest task of each, and uploads under way. */
export interface BoardState {
  assets: Asset[];
  /** The latest task of each asset, by asset id. */
  taskOf: Record<string, Task>;
  uploads: PendingUpload[];
  status: ConnectionStatus | 'connecting';
  /** The server could not be reached for a REST call (cleared by the next that succeeds). */
  unreachable: boolean;
  loaded: boolean;
}

type Listener = () => void;

/**
 * The dashboard's state, kept current from the SDK: REST lists at start and after every
 * reconnection or `resync` (catching up on anything the replay cannot give), then live task
 * events. React reads it through `useSyncExternalStore`.
 */
export class BoardStore {
  private state: BoardState = {
    assets: [],
    taskOf: {},
    uploads: [],
    status: 'connecting',
    unreachable: false,
    loaded: false,
  };
  private readonly listeners = new Set<Listener>();
  private readonly offs: Array<() => void> = [];
  private uploadCount = 0;
  private wasOffline = false;
  /** Asset ids whose refresh is under way, so a burst of events asks once. */
  private readonly refreshing = new Set<string>();

  constructor(
    readonly kiln: KilnClient,
    /** Called when the session is over (logged out elsewhere, expired). */
    private readonly onSessionEnded: () => void,
  ) {}

  start(): void {
    this.offs.push(this.kiln.on('status', (status) => this.onStatus(status)));
    this.offs.push(this.kiln.on('resync', () => void this.reload()));
    for (const name of [
      'task.queued',
      'task.started',
      'task.progress',
      'task.succeeded',
      'task.failed',
      'task.cancelled',
    ] as const) {
      this.offs.push(
        this.kiln.on(name, (payload: RealtimeEvent['payload']) =>
          this.apply({ name, payload } as RealtimeEvent),
        ),
      );
    }
    void this.reload();
  }

  stop(): void {
    this.offs.splice(0).forEach((off) => off());
    this.kiln.close();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): BoardState => this.state;

  /** Loads every asset and the latest task of each (what the events since may have changed). */
  async reload(): Promise<void> {
    try {
      const [assets, tasks] = await Promise.all([
        this.kiln.assets.list({ limit: 500 }),
        this.kiln.tasks.list({ limit: 500 }),
      ]);
      const taskOf: Record<string, Task> = {};
      // Newest first: the first task seen for an asset is its latest.
      for (const task of tasks) taskOf[task.assetId] ??= task;
      this.set({
        assets: assets.map((asset) => this.keepSignedUrls(asset)),
        taskOf,
        unreachable: false,
        loaded: true,
      });
    } catch (error) {
      this.failed(error);
    }
  }

  /** Fetches one asset again: new outputs, or fresh signed URLs after the old ones expired. */
  async refreshAsset(assetId: string): Promise<void> {
    if (this.refreshing.has(assetId)) return;
    this.refreshing.add(assetId);
    try {
      const asset = this.keepSignedUrls(await this.kiln.assets.get(assetId));
      const known = this.state.assets.some((candidate) => candidate.id === assetId);
      this.set({
        assets: known
          ? this.state.assets.map((candidate) => (candidate.id === assetId ? asset : candidate))
          : [asset, ...this.state.assets],
        unreachable: false,
      });
    } catch (error) {
      this.failed(error);
    } finally {
      this.refreshing.delete(assetId);
    }
  }

  async refreshTask(taskId: string): Promise<void> {
    try {
      this.putTask(await this.kiln.tasks.get(taskId));
    } catch (error) {
      this.failed(error);
    }
  }

  /**
   * Uploads files in one request (so a model and its textures become one asset): a card per file
   * with its share of the bytes sent, replaced by the assets' cards when the server answers.
   */
  async upload(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const batch = ++this.uploadCount;
    const cards: PendingUpload[] = files.map((file, index) => ({
      key: `upload-${batch}-${index}`,
      filename: file.name,
      loaded: 0,
      total: file.size,
    }));
    this.set({ uploads: [...cards, ...this.state.uploads] });
    const mine = (upload: PendingUpload) => upload.key.startsWith(`upload-${batch}-`);
    try {
      const result = await this.kiln.upload(files, {
        onProgress: ({ loaded, total }) => {
          // Files travel one after another; the multipart framing is spread over them.
          const scale = total > 0 ? files.reduce((sum, f) => sum + f.size, 0) / total : 1;
          let before = 0;
          const sent = loaded * scale;
          this.set({
            uploads: this.state.uploads.map((upload) => {
              if (!mine(upload)) return upload;
              const share = Math.min(Math.max(sent - before, 0), upload.total);
              before += upload.total;
              return { ...upload, loaded: share };
            }),
          });
        },
      });
      const now = new Date().toISOString();
      const placeholders: Asset[] = result.assets.map((uploaded) => ({
        ...{ id: uploaded.id, filename: uploaded.filename, kind: uploaded.kind, format: '' },
        ...{
          bytes: uploaded.bytes,
          sha256: uploaded.sha256,
          files: [],
          primary: uploaded.filename,
        },
        ...{ createdAt: now, metadata: {}, outputs: [] },
      }));
      const taskOf = { ...this.state.taskOf };
      for (const uploaded of result.assets) {
        taskOf[uploaded.id] ??= {
          ...{ id: uploaded.taskId, assetId: uploaded.id, type: 'process', state: 'queued' },
          ...{ progress: 0, step: null, attempts: 0, outputs: [], outputFiles: [] },
          ...{ createdAt: now, updatedAt: now },
        };
      }
      this.set({
        uploads: this.state.uploads.filter((upload) => !mine(upload)),
        assets: [
          ...placeholders.filter((asset) => !this.state.assets.some((a) => a.id === asset.id)),
          ...this.state.assets,
        ],
        taskOf,
      });
      for (const uploaded of result.assets) {
        void this.refreshAsset(uploaded.id);
        void this.refreshTask(uploaded.taskId);
      }
    } catch (error) {
      const words = describeError(error);
      this.set({
        uploads: this.state.uploads.map((upload) =>
          mine(upload) ? { ...upload, error: words } : upload,
        ),
      });
    }
  }

  dismissUpload(key: string): void {
    this.set({ uploads: this.state.uploads.filter((upload) => upload.key !== key) });
  }

  /** Cancels or retries a task; the events that follow update the card. Resolves with words on failure. */
  async act(action: 'cancel' | 'retry', taskId: string): Promise<string | undefined> {
    try {
      await this.kiln.tasks[action](taskId);
      return undefined;
    } catch (error) {
      void this.refreshTask(taskId);
      return describeError(error);
    }
  }

  private apply(event: RealtimeEvent): void {
    const { taskId, assetId, at } = event.payload;
    const task = this.state.taskOf[assetId];
    if (!task || task.id !== taskId) {
      // A task this page has not seen (started elsewhere, or a newer run): read it whole.
      if (!task || task.createdAt <= at) void this.refreshTask(taskId);
      if (!this.state.assets.some((asset) => asset.id === assetId)) void this.refreshAsset(assetId);
      return;
    }
    const next: Task = { ...task, updatedAt: at };
    switch (event.name) {
      case 'task.queued':
        Object.assign(next, { state: 'queued', progress: 0, step: null, error: undefined });
        break;
      case 'task.started':
        Object.assign(next, { state: 'running', attempts: event.payload.attempt });
        break;
      case 'task.progress':
        Object.assign(next, { progress: event.payload.progress, step: event.payload.step });
        if (event.payload.outputs?.length) void this.refreshAsset(assetId);
        break;
      case 'task.succeeded':
        Object.assign(next, { state: 'succeeded', progress: 100, outputs: event.payload.outputs });
        void this.refreshAsset(assetId);
        break;
      case 'task.failed':
        Object.assign(next, {
          state: event.payload.willRetry ? 'queued' : 'failed',
          error: event.payload.error,
        });
        void this.refreshAsset(assetId);
        break;
      case 'task.cancelled':
        Object.assign(next, { state: 'cancelled' });
        break;
    }
    this.set({ taskOf: { ...this.state.taskOf, [assetId]: next } });
  }

  /**
   * Every answer signs each URL anew: keeping the URLs already shown while they have a minute to
   * live, for the same bytes, spares the images and the 3D viewer a reload on every refresh.
   */
  private keepSignedUrls(fresh: Asset): Asset {
    const old = this.state.assets.find((asset) => asset.id === fresh.id);
    if (!old) return fresh;
    const soon = Date.now() + 60_000;
    const outputs = fresh.outputs.map((output) => {
      const shown = old.outputs.find((candidate) => candidate.name === output.name);
      const keep =
        shown?.bytes === output.bytes &&
        shown.url === output.url &&
        Date.parse(shown.signedUrlExpiresAt) > soon;
      return keep ? shown : output;
    });
    return { ...fresh, outputs };
  }

  private putTask(task: Task): void {
    const current = this.state.taskOf[task.assetId];
    // An older run never replaces a newer one.
    if (current && current.id !== task.id && current.createdAt > task.createdAt) return;
    this.set({ taskOf: { ...this.state.taskOf, [task.assetId]: task }, unreachable: false });
  }

  private onStatus(status: ConnectionStatus): void {
    if (status === 'unauthorized') {
      this.onSessionEnded();
      return;
    }
    if (status === 'offline') this.wasOffline = true;
    // Back after a drop (a restart, a network change): the replay brings the missed events, and
    // a reload catches what no event tells (assets uploaded from another tab, fresh signed URLs).
    if (status === 'online' && this.wasOffline) void this.reload();
    this.set({ status });
  }

  private failed(error: unknown): void {
    if (error instanceof KilnApiError && error.status === 401) {
      this.onSessionEnded();
      return;
    }
    if (error instanceof KilnApiError && error.code === 'NETWORK_ERROR') {
      this.set({ unreachable: true });
    }
  }

  private set(patch: Partial<BoardState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((listener) => listener());
  }
}
