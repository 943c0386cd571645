/**
 * `@kiln/client`: the typed client for Kiln, for browsers and Node 20. REST types come from the
 * server's OpenAPI document; event types from the server's own contract (`src/contract/`).
 */
export { KilnClient, type ClientOptions, type Credentials } from './kiln-client';
export { KilnApiError, KilnTaskError } from './errors';
export { type ConnectionStatus, type KilnEvents, compareEventIds } from './realtime';
export type { UploadFile, UploadOptions, UploadProgress } from './upload';
export type {
  Asset,
  AssetOutput,
  ErrorBody,
  RegisteredUser,
  RunTaskRequest,
  Session,
  Task,
  UploadedAsset,
  UploadResult,
} from './rest-types';
export type { components, operations, paths } from './generated/openapi';
export * from '../../src/contract/index';
