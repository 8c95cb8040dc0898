export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const DATABASE = Symbol('DATABASE');
