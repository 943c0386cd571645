import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { RedisKeys } from '../redis/redis-keys';
import { TooManyAttemptsError } from './auth.errors';
import { type LoginAttempt, LoginThrottle } from './login-throttle';

describe('LoginThrottle (real Redis)', () => {
  const { redis, keyPrefix } = connectTestRedis();
  const keys = new RedisKeys(keyPrefix);
  let run = 0;
  /** A username and addresses of its own per test, so tests never share counters. */
  let name: string;
  let net: string;

  const throttle = (window = 900, perUser = 3, perAddress = 5) =>
    new LoginThrottle(redis, keys, {
      loginMaxFailuresPerUser: perUser,
      loginMaxFailuresPerAddress: perAddress,
      loginFailureWindowSeconds: window,
    });
  const from = (address: string, username = name): LoginAttempt => ({ username, address });
  const refusal = async (promise: Promise<void>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    return error as TooManyAttemptsError;
  };

  beforeEach(() => {
    name = `user${run}`;
    net = `10.${run++}.0`;
  });
  afterAll(async () => cleanUpTestRedis(redis, keyPrefix));

  it('lets the limit of failures for a username through, then refuses with 429 and Retry-After', async () => {
    const limits = throttle(900);
    for (let i = 0; i < 3; i++) await limits.begin(from(`${net}.${i}`));

    const error = await refusal(limits.begin(from(`${net}.9`)));
    expect(error.status).toBe(429);
    expect(error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(error.message).toMatch(
      /^Too many failed sign-ins for this username; try again in \d+ s\.$/,
    );
    const retryAfter = Number(error.headers['Retry-After']);
    expect(retryAfter).toBeGreaterThan(895);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('counts a username in any case as one', async () => {
    const limits = throttle();
    for (const variant of [name, name.toUpperCase(), name])
      await limits.begin(from(`${net}.1`, variant));

    await refusal(limits.begin(from(`${net}.1`, name.toUpperCase())));
  });

  it('does not count a successful attempt', async () => {
    const limits = throttle();
    for (let i = 0; i < 10; i++) {
      await limits.begin(from(`${net}.1`));
      await limits.succeeded(from(`${net}.1`));
    }

    expect(await redis.get(keys.loginFailuresOfUser(name))).toBe('0');
    await limits.begin(from(`${net}.2`));
  });

  it('still lets an address that signed in as the username before through its lock', async () => {
    const limits = throttle();
    await limits.begin(from(`${net}.107`));
    await limits.succeeded(from(`${net}.107`));
    for (let i = 0; i < 3; i++) await limits.begin(from(`${net}.66`));
    await refusal(limits.begin(from(`${net}.66`)));

    await limits.begin(from(`${net}.107`));
    await limits.succeeded(from(`${net}.107`));
  });

  it('limits failures from one address across usernames', async () => {
    const limits = throttle();
    const address = `${net}.250`;
    for (let i = 0; i < 5; i++) await limits.begin(from(address, `${name}-${i}`));

    const error = await refusal(limits.begin(from(address, `${name}-other`)));
    expect(error.message).toMatch(
      /^Too many failed sign-ins from your address; try again in \d+ s\.$/,
    );
    // The username it tried was not counted: a refused attempt counts nowhere.
    expect(await redis.get(keys.loginFailuresOfUser(`${name}-other`))).toBeNull();
  });

  it('refuses parallel attempts beyond the limit, not only sequential ones', async () => {
    const limits = throttle();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => limits.begin(from(`${net}.${i}`))),
    );

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
  });

  it('forgets failures when the window ends', async () => {
    const limits = throttle(1);
    for (let i = 0; i < 3; i++) await limits.begin(from(`${net}.1`));
    await refusal(limits.begin(from(`${net}.1`)));

    await new Promise((resolve) => setTimeout(resolve, 1100));
    await limits.begin(from(`${net}.1`));
  });
});
