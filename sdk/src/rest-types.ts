import type { components } from './generated/openapi';

/** REST shapes, generated from the server's OpenAPI document (`openapi.json`). */
type Schemas = components['schemas'];

/** A task as `GET /tasks/:id` answers it, with `outputFiles` (download and signed URLs). */
export type Task = Schemas['TaskView'];
/** An asset with its kind, metadata and outputs. */
export type Asset = Schemas['AssetView'];
/** One output of an asset: name, type, size, bearer `url` and header-free `signedUrl`. */
export type AssetOutput = Schemas['AssetOutputView'];
/** One asset an upload created, with the id of the task processing it. */
export type UploadedAsset = Schemas['UploadedAssetView'];
/** The answer of `POST /uploads`. */
export type UploadResult = Schemas['UploadResultView'];
/** The answer of `POST /auth/login`. */
export type Session = Schemas['AccessTokenDto'];
/** The answer of `POST /auth/register`. */
export type RegisteredUser = Schemas['RegisteredUserDto'];
/** What `POST /assets/:id/tasks` takes. */
export type RunTaskRequest = Schemas['RunTaskDto'];
/** The body of every failing REST call. */
export type ErrorBody = Schemas['ErrorBodyDto'];
