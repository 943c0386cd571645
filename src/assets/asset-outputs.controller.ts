import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Param,
  ParseUUIDPipe,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { bearerToken } from '../auth/jwt-auth.guard';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { KilnError, NotFoundError } from '../errors/kiln-error';
import { STORAGE, type Storage } from '../storage/storage';
import type { AssetRecord } from './asset.record';
import { AssetRepository } from './asset.repository';
import { RangeNotSatisfiableError } from './output-download.errors';
import { OutputUrlSigner } from './output-url-signer';
import { sendStream } from './send-stream';

/** What an output can be today (its `contentType`): the bytes, described once for 200 and 206. */
const OUTPUT_CONTENT = Object.fromEntries(
  ['image/png', 'image/webp', 'application/json'].map((type) => [
    type,
    { schema: { type: 'string', format: 'binary' } },
  ]),
);

/**
 * Output downloads. Apart from the other asset calls because a request may prove who it is in
 * either of two ways: the bearer token, or a signed URL from an outputs list (for browsers,
 * which send no header with `<img src>`).
 */
@ApiTags('assets')
@Controller('assets')
export class AssetOutputsController {
  constructor(
    private readonly assets: AssetRepository,
    private readonly auth: AuthService,
    private readonly signer: OutputUrlSigner,
    @Inject(STORAGE) private readonly storage: Storage,
  ) {}

  @Get(':id/outputs/:name')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Download one output; supports Range and If-None-Match (the ETag is the SHA-256)',
    description:
      "`Content-Type` is the output's `contentType` as the asset lists it. One range per request. " +
      'Send the bearer token, or use the `signedUrl` an outputs list gives (its `exp` and `sig` ' +
      'query parameters stand for the token until it expires).',
  })
  @ApiQuery({ name: 'exp', required: false, description: 'Signed URL: its expiry, Unix seconds' })
  @ApiQuery({ name: 'sig', required: false, description: 'Signed URL: its signature' })
  @ApiHeader({ name: 'Range', required: false, description: 'One byte range, e.g. `bytes=0-1023`' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag you hold' })
  @ApiOkResponse({
    description: 'The whole output',
    content: OUTPUT_CONTENT,
    headers: {
      ETag: { description: 'The SHA-256 of the bytes, quoted', schema: { type: 'string' } },
      'Accept-Ranges': { description: '`bytes`', schema: { type: 'string' } },
    },
  })
  @ApiResponse({
    status: HttpStatus.PARTIAL_CONTENT,
    description: 'The range asked for with `Range`',
    content: OUTPUT_CONTENT,
    headers: {
      'Content-Range': { description: '`bytes <first>-<last>/<size>`', schema: { type: 'string' } },
    },
  })
  @ApiResponse({
    status: HttpStatus.FOUND,
    description:
      'With `KILN_STORAGE=s3` and `KILN_S3_REDIRECT=1`: the bytes are at a presigned URL of the bucket, valid 5 minutes',
    headers: { Location: { description: 'The presigned URL', schema: { type: 'string' } } },
  })
  @ApiResponse({
    status: HttpStatus.NOT_MODIFIED,
    description: '`If-None-Match` holds the current ETag: no body',
  })
  @ApiUnauthorizedResponse({
    type: ErrorBodyDto,
    description:
      'Neither a valid token nor a signature (`UNAUTHORIZED`), or a signed URL past its expiry (`OUTPUT_URL_EXPIRED`)',
  })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description:
      'No such asset of yours, or a signature that does not match (`ASSET_NOT_FOUND`); no such output (`OUTPUT_NOT_FOUND`)',
  })
  @ApiResponse({
    status: HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
    type: ErrorBodyDto,
    description: 'No byte of the output is in the `Range` (`RANGE_NOT_SATISFIABLE`)',
    headers: {
      'Content-Range': { description: '`bytes */<size>`', schema: { type: 'string' } },
    },
  })
  async download(
    @Req() request: Request,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('name') name: string,
    @Query('exp') exp: unknown,
    @Query('sig') sig: unknown,
    @Res() response: Response,
  ): Promise<void> {
    const asset =
      request.headers.authorization !== undefined || sig === undefined
        ? await this.ownedByBearer(id, request.headers.authorization)
        : await this.signedFor(id, name, exp, sig);
    const output = asset.outputs.find((candidate) => candidate.name === name);
    if (!output)
      throw new NotFoundError(
        'OUTPUT_NOT_FOUND',
        `Asset ${id} has no output "${name}" (yet); see its outputs list.`,
      );
    response.setHeader('Content-Type', output.contentType);
    // Content-addressed, so the hash is a strong ETag; express's send answers 304 and ranges from it.
    response.setHeader('ETag', `"${output.sha256}"`);
    response.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    const source = await this.storage.source(output.sha256, {
      filename: name.slice(name.lastIndexOf('/') + 1),
      contentType: output.contentType,
    });
    if (source.kind === 'redirect') {
      // Short-lived and specific to this blob: the bucket answers ranges and the bytes itself.
      response.setHeader('Cache-Control', 'no-store');
      response.redirect(HttpStatus.FOUND, source.url);
      return;
    }
    if (source.kind === 'stream') {
      await sendStream(request, response, output.bytes, source.open, name);
      return;
    }
    await new Promise<void>((resolve, reject) =>
      response.sendFile(
        source.path,
        { lastModified: false },
        (error?: Error & { status?: number; code?: string }) => {
          if (!error) return resolve();
          // The client went away mid-download: there is no one left to answer.
          if (error.code === 'ECONNABORTED') return resolve();
          if (error.status === HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            return reject(new RangeNotSatisfiableError(name, output.bytes));
          reject(error);
        },
      ),
    );
  }

  private async ownedByBearer(id: string, authorization: string | undefined): Promise<AssetRecord> {
    const principal = await this.auth.verify(bearerToken(authorization));
    const asset = await this.assets.getOwned(id, principal.userId);
    if (!asset) throw notFound(id);
    return asset;
  }

  /**
   * The asset a signed URL is for. A signature that does not match answers exactly as a missing
   * asset does, so a guessed or altered link learns nothing about what exists.
   */
  private async signedFor(
    id: string,
    name: string,
    exp: unknown,
    sig: unknown,
  ): Promise<AssetRecord> {
    const asset = await this.assets.get(id);
    const check = asset ? this.signer.check(asset, name, exp, sig) : 'invalid';
    if (!asset || check === 'invalid') throw notFound(id);
    if (check === 'expired') {
      throw new KilnError(
        'OUTPUT_URL_EXPIRED',
        'This download link has expired; list the asset’s outputs again for a fresh one.',
        HttpStatus.UNAUTHORIZED,
      );
    }
    return asset;
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('ASSET_NOT_FOUND', `No asset ${id} of yours exists.`);
}
