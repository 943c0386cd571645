import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import type { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import { emptyTempArea, tempEntries } from '../../../../test/support/temp-entries';
import { multipartRequest, type MultipartFile } from '../../../../test/support/multipart-request';
import { cleanUpTestRedis, connectTestRedis } from '../../../../test/support/test-redis';
import { writeZip } from '../../../../test/support/zip-writer';
import { AssetRepository } from '../../../assets/asset.repository';
import { AssetsModule } from '../../../assets/assets.module';
import { ConfigModule } from '../../../config/config.module';
import { loadConfig } from '../../../config/kiln-config';
import type { UploadResultView } from '../../../contract';
import type { KilnError } from '../../../errors/kiln-error';
import { RedisConnections } from '../../../redis/redis-connections';
import { RedisKeys } from '../../../redis/redis-keys';
import { RedisModule } from '../../../redis/redis.module';
import { STORAGE, type Storage } from '../../../storage/storage';
import { StorageModule } from '../../../storage/storage.module';
import { GetTaskQuery } from '../../../tasks/queries/get-task/get-task.query';
import { TASK_QUEUE } from '../../../tasks/queue/task-queue.constants';
import { TasksModule } from '../../../tasks/tasks.module';
import type { AssetGrouping } from '../../grouping/asset-grouping';
import { ASSET_GROUPINGS, ASSET_GROUPINGS_TOKEN } from '../../grouping/asset-groupings';
import { IngestUploadCommand } from './ingest-upload.command';
import { IngestUploadHandler, UPLOAD_STORE_SLOTS } from './ingest-upload.handler';

const PNG = readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png'));
const JPEG = readFileSync(join(FIXTURES, 'image/Collada_Sample.jpg'));
const TGA = readFileSync(join(FIXTURES, 'image/duckCM.tga'));
const EXR = readFileSync(join(FIXTURES, 'image/IndoorHDRI003_1K-HDR.exr'));
const NOT_AN_IMAGE = Buffer.from('These are notes, not a picture.\n'.repeat(20));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A kind that comes as a zip, as texture sets and models will: the first image is primary. */
const zipOfImages = (kind: AssetGrouping['kind']): AssetGrouping => ({
  kind,
  groupLoose: () => [],
  archive: {
    holds: 'images',
    claim: (entries) => {
      const primary = entries.find((entry) => entry.format === 'png' || entry.format === 'jpeg');
      return primary && { primary };
    },
  },
});

describe('IngestUploadHandler (real Redis, real storage, real task start)', () => {
  const { redis, keyPrefix } = connectTestRedis();
  const owner = { userId: 'user-1', sessionId: 'session-1' };
  const groupings: AssetGrouping[] = [];
  let dataDir: string;
  let moduleRef: TestingModule;
  let commands: CommandBus;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kiln-ingest-'));
    const config = loadConfig({
      KILN_DATA_DIR: dataDir,
      KILN_KEY_PREFIX: keyPrefix,
      KILN_MAX_UPLOAD_BYTES: String(20 * 1024 * 1024),
    });
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        RedisModule.forRoot(process.env.REDIS_URL as string, keyPrefix),
        CqrsModule.forRoot(),
        BullModule.forRootAsync({
          inject: [RedisConnections, RedisKeys],
          useFactory: (connections: RedisConnections, keys: RedisKeys) => ({
            connection: connections.bullmqOptions(),
            prefix: keys.bullPrefix,
          }),
        }),
        TasksModule.forRole({ api: false, worker: false }, config),
        AssetsModule,
        StorageModule,
      ],
      providers: [IngestUploadHandler, { provide: ASSET_GROUPINGS_TOKEN, useValue: groupings }],
    }).compile();
    await moduleRef.init();
    commands = moduleRef.get(CommandBus);
  });

  beforeEach(() => groupings.splice(0, groupings.length, ...ASSET_GROUPINGS));

  afterAll(async () => {
    await moduleRef?.close();
    await cleanUpTestRedis(redis, keyPrefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = (...files: MultipartFile[]) =>
    commands.execute(
      new IngestUploadCommand(multipartRequest(files), owner.userId, owner.sessionId),
    );

  async function refusal(...files: MultipartFile[]): Promise<KilnError> {
    const error = await upload(...files).then(
      () => undefined,
      (caught: unknown) => caught as KilnError,
    );
    if (!error) throw new Error('the upload was taken, not refused');
    return error;
  }

  const filesUnder = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });

  /** What an upload can leave behind: temp files, blobs, asset and task records, queued jobs. */
  async function leftBehind() {
    const keys = await redis.keys(`${keyPrefix}:*`);
    const queue = moduleRef.get<Queue>(getQueueToken(TASK_QUEUE));
    return {
      temp: tempEntries(dataDir),
      blobs: filesUnder(join(dataDir, 'blobs')).length,
      assets: keys.filter((key) => /:asset:|:assets$/.test(key)),
      tasks: keys.filter((key) => /:task:|:tasks$/.test(key)),
      jobs: await queue.count(),
    };
  }
  const NOTHING = { temp: [], blobs: 0, assets: [], tasks: [], jobs: 0 };

  async function clean(): Promise<void> {
    await moduleRef.get<Queue>(getQueueToken(TASK_QUEUE)).obliterate({ force: true });
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    rmSync(join(dataDir, 'blobs'), { recursive: true, force: true });
    mkdirSync(join(dataDir, 'blobs'), { recursive: true });
    emptyTempArea(dataDir);
  }
  beforeEach(clean);

  it('makes each image its own asset of one file with its real content type, and queues a process task for each', async () => {
    const result: UploadResultView = await upload(
      { filename: 'logo.png', data: PNG },
      { filename: 'duck.tga', data: TGA },
      { filename: 'room.exr', data: EXR },
    );
    expect(
      result.assets.map(({ filename, kind, bytes, sha256: hash }) => ({
        filename,
        kind,
        bytes,
        sha256: hash,
      })),
    ).toEqual([
      { filename: 'logo.png', kind: 'image', bytes: PNG.length, sha256: sha256(PNG) },
      { filename: 'duck.tga', kind: 'image', bytes: TGA.length, sha256: sha256(TGA) },
      { filename: 'room.exr', kind: 'image', bytes: EXR.length, sha256: sha256(EXR) },
    ]);
    const repository = moduleRef.get(AssetRepository);
    const records = await Promise.all(result.assets.map((asset) => repository.get(asset.id)));
    expect(
      records.map((record) => ({
        format: record?.format,
        files: record?.files,
        primary: record?.primary,
      })),
    ).toEqual([
      {
        format: 'png',
        files: [
          { path: 'logo.png', bytes: PNG.length, sha256: sha256(PNG), contentType: 'image/png' },
        ],
        primary: 'logo.png',
      },
      {
        format: 'tga',
        files: [
          { path: 'duck.tga', bytes: TGA.length, sha256: sha256(TGA), contentType: 'image/x-tga' },
        ],
        primary: 'duck.tga',
      },
      {
        format: 'exr',
        files: [
          { path: 'room.exr', bytes: EXR.length, sha256: sha256(EXR), contentType: 'image/x-exr' },
        ],
        primary: 'room.exr',
      },
    ]);
    const queries = moduleRef.get(QueryBus);
    for (const asset of result.assets) {
      expect(await queries.execute(new GetTaskQuery(asset.taskId, owner.userId))).toMatchObject({
        assetId: asset.id,
        type: 'process',
        state: 'queued',
      });
    }
    expect(await leftBehind()).toMatchObject({ temp: [], blobs: 3, jobs: 3 });
  });

  it(`stores at most ${UPLOAD_STORE_SLOTS} received uploads at once, the others in turn, and takes them all`, async () => {
    // The real storage, watched: how many uploads are storing at the same moment. Each store
    // takes 50 ms longer, so uploads that were let through together are seen together.
    const storage = moduleRef.get<Storage>(STORAGE);
    const putFile = storage.putFile.bind(storage);
    let storing = 0;
    let most = 0;
    storage.putFile = async (...args) => {
      most = Math.max(most, ++storing);
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return await putFile(...args);
      } finally {
        storing -= 1;
      }
    };
    try {
      const images = Array.from({ length: 12 }, (_, n) =>
        Buffer.concat([PNG, Buffer.from(`\0${n}`)]),
      );
      const results = await Promise.all(
        images.map((data, n) => upload({ filename: `logo-${n}.png`, data })),
      );
      expect(most).toBe(UPLOAD_STORE_SLOTS);
      expect(results.map((result) => result.assets.map((asset) => asset.sha256))).toEqual(
        images.map((data) => [sha256(data)]),
      );
      expect((await leftBehind()).temp).toEqual([]);
    } finally {
      storage.putFile = putFile;
    }
  });

  it('refuses an upload whose third file of five is not a supported kind, leaving no temp file, blob, asset or task', async () => {
    const error = await refusal(
      { filename: 'one.png', data: PNG },
      { filename: 'two.jpg', data: JPEG },
      { filename: 'three.png', data: NOT_AN_IMAGE },
      { filename: 'four.tga', data: TGA },
      { filename: 'five.exr', data: EXR },
    );
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_KIND',
      status: 415,
      message:
        '"three.png" is not a file Kiln can process (its bytes match no supported format: png, jpeg, webp, tiff, gif, avif, tga, exr, hdr, obj, gltf, glb, stl, ply, fbx, dae, sbsar, or a zip of a model); nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('refuses a zip of images (no kind takes those yet), saying what a zip may hold, and stores nothing', async () => {
    const zip = writeZip([
      { name: 'maps/base.png', data: PNG },
      { name: 'maps/rough.jpg', data: JPEG },
    ]);
    const error = await refusal(
      { filename: 'photo.png', data: PNG },
      { filename: 'maps.zip', data: zip },
    );
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_KIND',
      status: 415,
      message:
        '"maps.zip" holds nothing Kiln can process as one asset: a zip must hold one asset: a model (.obj, .gltf, .glb, .stl, .ply, .fbx, .dae) with the files it references; or a texture set (PBR maps named by suffix, e.g. wood_BaseColor.png, wood_Normal.png, wood_Roughness.png). Nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('makes a zip that a kind claims one asset: its entries are the files, at their paths, with the primary the kind chose', async () => {
    groupings.unshift(zipOfImages('image'));
    const readme = Buffer.from('CC0\n');
    const zip = writeZip([
      { name: 'set/' },
      { name: 'set/README.txt', data: readme },
      { name: 'set/maps/base.png', data: PNG },
      { name: 'set/maps/rough.jpg', data: JPEG, method: 'store' },
      { name: '__MACOSX/set/._README.txt', data: Buffer.from('fork') },
    ]);
    const result = await upload({ filename: 'set.zip', data: zip });
    expect(result.assets).toEqual([
      {
        id: expect.any(String),
        filename: 'base.png',
        kind: 'image',
        bytes: PNG.length,
        sha256: sha256(PNG),
        taskId: expect.any(String),
      },
    ]);
    const record = await moduleRef.get(AssetRepository).get(result.assets[0].id);
    expect(record).toMatchObject({
      kind: 'image',
      format: 'png',
      primary: 'set/maps/base.png',
      files: [
        {
          path: 'set/README.txt',
          bytes: readme.length,
          sha256: sha256(readme),
          contentType: 'application/octet-stream',
        },
        {
          path: 'set/maps/base.png',
          bytes: PNG.length,
          sha256: sha256(PNG),
          contentType: 'image/png',
        },
        {
          path: 'set/maps/rough.jpg',
          bytes: JPEG.length,
          sha256: sha256(JPEG),
          contentType: 'image/jpeg',
        },
      ],
    });
    // Each file is a content-addressed blob; the zip itself and its extracted temp files are gone.
    expect(await leftBehind()).toMatchObject({ temp: [], blobs: 3, jobs: 1 });
  });

  const SPIDER = ['spider.obj', 'spider.mtl', 'wal67ar_small.jpg', 'wal69ar_small.jpg']
    .concat(['SpiderTex.jpg', 'drkwood2.jpg', 'engineflare1.jpg'])
    .map((filename) => ({
      filename,
      data: readFileSync(join(FIXTURES, 'mesh/obj/spider', filename)),
    }));

  it('makes an .obj sent with its .mtl and textures one mesh asset, from what the files reference', async () => {
    const result = await upload({ filename: 'logo.png', data: PNG }, ...SPIDER.slice().reverse());
    expect(result.assets.map(({ filename, kind }) => ({ filename, kind }))).toEqual([
      { filename: 'logo.png', kind: 'image' },
      { filename: 'spider.obj', kind: 'mesh' },
    ]);
    const record = await moduleRef.get(AssetRepository).get(result.assets[1].id);
    expect(record).toMatchObject({ kind: 'mesh', format: 'obj', primary: 'spider.obj' });
    expect(record?.files.map(({ path, contentType }) => [path, contentType]).sort()).toEqual(
      [
        ['spider.obj', 'model/obj'],
        ['spider.mtl', 'model/mtl'],
        ...SPIDER.slice(2).map(({ filename }) => [filename, 'image/jpeg']),
      ].sort(),
    );
    expect(await leftBehind()).toMatchObject({ temp: [], blobs: 8, jobs: 2 });
  });

  it('refuses an .mtl that no model of the upload references, saying it must come with its model', async () => {
    const mtl = readFileSync(join(FIXTURES, 'mesh/obj/cube_usemtl.mtl'));
    const error = await refusal(...SPIDER, { filename: 'cube_usemtl.mtl', data: mtl });
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_KIND',
      status: 415,
      message:
        '"cube_usemtl.mtl" (MTL) is read only as part of a model: it must come with its model (in the same upload, or in one zip with it), and no model in this upload references it; nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('says an empty file is empty', async () => {
    expect(await refusal({ filename: 'box.obj', data: Buffer.alloc(0) })).toMatchObject({
      code: 'UNSUPPORTED_KIND',
      message: '"box.obj" is empty (0 bytes); nothing was stored.',
    });
  });

  it('makes a zip holding a binary STL one mesh asset: its entries are sniffed with their size', async () => {
    const stl = readFileSync(join(FIXTURES, 'mesh/stl/suzanne.stl'));
    const result = await upload({
      filename: 'suzanne.zip',
      data: writeZip([
        { name: 'suzanne/suzanne.stl', data: stl },
        { name: 'suzanne/README.txt', data: Buffer.from('CC0\n') },
      ]),
    });
    const record = await moduleRef.get(AssetRepository).get(result.assets[0].id);
    expect(record).toMatchObject({
      kind: 'mesh',
      format: 'stl',
      primary: 'suzanne/suzanne.stl',
      files: [
        { path: 'suzanne/suzanne.stl', contentType: 'model/stl', bytes: stl.length },
        { path: 'suzanne/README.txt', contentType: 'application/octet-stream' },
      ],
    });
  });

  it('refuses a zip with two models side by side, naming them', async () => {
    const glb = readFileSync(join(FIXTURES, 'mesh/gltf/Box.glb'));
    const error = await refusal({
      filename: 'boxes.zip',
      data: writeZip([
        { name: 'a.glb', data: glb },
        { name: 'b.glb', data: glb },
      ]),
    });
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_KIND',
      status: 415,
      message:
        '"boxes.zip" holds several models at the same depth ("a.glb", "b.glb"), and Kiln cannot tell which one is meant: put one model per zip, or the one to process higher up than the others. Nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('removes the temp files of every file, a zip already extracted included, when a later one is refused', async () => {
    groupings.unshift(zipOfImages('image'));
    const error = await refusal(
      { filename: 'one.png', data: PNG },
      {
        filename: 'good.zip',
        data: writeZip([
          { name: 'a.png', data: PNG },
          { name: 'b.jpg', data: JPEG },
        ]),
      },
      {
        filename: 'evil.zip',
        data: writeZip([
          { name: 'ok.png', data: PNG },
          { name: '../../evil.png', data: PNG },
        ]),
      },
      { filename: 'four.jpg', data: JPEG },
      { filename: 'five.png', data: PNG },
    );
    expect(error).toMatchObject({
      code: 'UNSAFE_ARCHIVE',
      status: 415,
      message:
        '"evil.zip" is refused: its entry "../../evil.png" has a ".." segment that would leave its folder. Nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it.each([
    ['an absolute entry', writeZip([{ name: '/etc/passwd', data: PNG }]), 'UNSAFE_ARCHIVE', 415],
    [
      'a symlink entry',
      writeZip([{ name: 'l.png', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }]),
      'UNSAFE_ARCHIVE',
      415,
    ],
    [
      'a zip bomb',
      writeZip([{ name: 'zeros.png', data: Buffer.alloc(50 * 1024 * 1024) }]),
      'ARCHIVE_TOO_LARGE',
      413,
    ],
    [
      'a truncated zip',
      writeZip([{ name: 'a.png', data: PNG }]).subarray(0, 200),
      'UNSUPPORTED_KIND',
      415,
    ],
  ])('refuses %s and stores nothing', async (_what, zip, code, status) => {
    groupings.unshift(zipOfImages('image'));
    expect(
      await refusal({ filename: 'one.png', data: PNG }, { filename: 'up.zip', data: zip }),
    ).toMatchObject({
      code,
      status,
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('refuses a file name no filesystem could hold as a path in the asset folder (a part over 255 bytes)', async () => {
    const long = `${'é'.repeat(200)}.png`;
    const error = await refusal({ filename: 'one.png', data: PNG }, { filename: long, data: PNG });
    expect(error).toMatchObject({ code: 'BAD_UPLOAD', status: 400 });
    expect(error.message).toMatch(
      /^The file name ".+" has a name part longer than 255 bytes; rename the file and upload again\.$/,
    );
    expect(await leftBehind()).toEqual(NOTHING);
  });
});
