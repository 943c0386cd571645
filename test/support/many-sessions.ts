import { randomBytes, scryptSync } from 'node:crypto';
import type Redis from 'ioredis';
import request from 'supertest';
import type { TestUser } from './kiln-app';

const PASSWORD = 'correct horse battery';
let counter = 0;

/**
 * Registers a user through the API, then swaps its stored password hash for one of a tiny scrypt
 * cost (the format carries its parameters, see PasswordHasher): a real login at scale costs
 * about a second of CPU each on a loaded machine, which a test of 100 sessions cannot afford.
 */
export async function registerCheaply(
  baseUrl: string,
  redis: Redis,
  keyPrefix: string,
  name: string,
): Promise<string> {
  const username = `${name}${Date.now().toString(36)}${counter++}`;
  await request(baseUrl).post('/auth/register').send({ username, password: PASSWORD }).expect(201);
  const userId = await redis.get(`${keyPrefix}:user-by-name:${username.toLowerCase()}`);
  if (!userId) throw new Error(`user ${username} is not indexed`);
  const cost = { N: 16, r: 1, p: 1 };
  const salt = randomBytes(16);
  const key = scryptSync(PASSWORD, salt, 32, cost);
  const hash = ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')];
  await redis.hset(`${keyPrefix}:user:${userId}`, 'passwordHash', hash.join('$'));
  return username;
}

/** Logs the user in: a new session with its own token. */
export async function logIn(baseUrl: string, username: string): Promise<TestUser> {
  const login = await request(baseUrl)
    .post('/auth/login')
    .send({ username, password: PASSWORD })
    .expect(200);
  return {
    username,
    token: login.body.accessToken as string,
    sessionId: login.body.sessionId as string,
  };
}

/** Runs `work` on every item, at most `width` at a time; answers the results in order. */
export async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}
