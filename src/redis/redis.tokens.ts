/** The shared ioredis client for commands (never put in subscriber mode). */
export const REDIS = Symbol('REDIS');
