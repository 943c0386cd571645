import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { KILN_CONFIG, KilnConfig } from '../config/kiln-config';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { TooManyAttemptsError } from './auth.errors';

/** Who is trying to sign in, and from where. */
export interface LoginAttempt {
  username: string;
  /** The peer address of the request (a proxy's, behind one). */
  address: string;
}

/** How long a successful sign-in keeps its address known for the username. */
const KNOWN_ADDRESS_SECONDS = 30 * 86_400;

/**
 * Refuses the attempt when the address, or the username from an address not known for it, is
 * at its limit; otherwise counts it on both (each counter lives for one window from its first
 * count). Returns `[who, milliseconds left]` when refused, nil when counted. One script, so
 * parallel attempts cannot all pass the check before any of them is counted.
 */
const BEGIN_ATTEMPT = `
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if address >= tonumber(ARGV[2]) then return {'address', redis.call('PTTL', KEYS[2])} end
local user = tonumber(redis.call('GET', KEYS[1]) or '0')
if user >= tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[3]) == 0 then
  return {'username', redis.call('PTTL', KEYS[1])}
end
for i = 1, 2 do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[3], 'NX')
  redis.call('INCR', KEYS[i])
end
return false
`;

/** Takes a counted attempt back (it succeeded); never creates a counter that has expired. */
const TAKE_BACK = `
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
redis.call('SET', KEYS[3], '1', 'EX', ARGV[1])
return false
`;

/**
 * Limits failed sign-ins per username and per address, with counters in Redis (fixed windows:
 * KILN_LOGIN_FAILURE_WINDOW from a counter's first failure). An attempt is counted before its
 * password is checked and taken back when it succeeds, so only failures remain counted.
 *
 * Lock-out abuse: anyone can use up a username's failures. An address that signed in as that
 * username in the last 30 days is not held to the username's limit (only to its own address
 * limit), so the owner can still sign in from where they usually do; elsewhere they wait for
 * the window to end.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(KILN_CONFIG)
    private readonly config: Pick<
      KilnConfig,
      'loginMaxFailuresPerUser' | 'loginMaxFailuresPerAddress' | 'loginFailureWindowSeconds'
    >,
  ) {}

  /** Counts the attempt. @throws TooManyAttemptsError (429, with `Retry-After`) when at a limit. */
  async begin(attempt: LoginAttempt): Promise<void> {
    const refused = (await this.redis.eval(
      BEGIN_ATTEMPT,
      3,
      ...this.keysOf(attempt),
      this.config.loginMaxFailuresPerUser,
      this.config.loginMaxFailuresPerAddress,
      this.config.loginFailureWindowSeconds,
    )) as ['username' | 'address', number] | null;
    if (refused) {
      const [what, millisecondsLeft] = refused;
      throw new TooManyAttemptsError(what, Math.max(1, Math.ceil(millisecondsLeft / 1000)));
    }
  }

  /** The password was right: the attempt is not a failure, and the address is now known. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.redis.eval(TAKE_BACK, 3, ...this.keysOf(attempt), KNOWN_ADDRESS_SECONDS);
  }

  private keysOf({ username, address }: LoginAttempt): [string, string, string] {
    const name = username.toLowerCase();
    return [
      this.keys.loginFailuresOfUser(name),
      this.keys.loginFailuresFromAddress(address),
      this.keys.loginKnownAddress(name, address),
    ];
  }
}
