/**
 * The `launch` request's arguments: validation with one clear message naming the field (unknown or
 * ill-typed arguments are errors, not silently ignored). Attributes VS Code adds on its own (type,
 * request, name, __sessionId, ...) are accepted.
 */
export interface LaunchArgs {
  program: string;
  args: string[];
  /** The guest environment, exactly these variables. */
  env: Record<string, string>;
  cwd?: string;
  stopOnEntry: boolean;
  cores: number;
  seed: number;
  uintrAbi: 'v2' | 'rfc-v1';
  allowFiles: string[];
}

/** Attributes that belong to the client (VS Code, nvim-dap), not to this debugger. */
const CLIENT_KEYS = new Set(['type', 'request', 'name', 'noDebug', 'preLaunchTask', 'postDebugTask', 'internalConsoleOptions', 'debugServer', 'presentation', 'suppressMultipleSessionWarning', 'serverReadyAction', 'windows', 'linux', 'osx', 'console']);

export const LAUNCH_KEYS = ['program', 'args', 'env', 'cwd', 'stopOnEntry', 'cores', 'seed', 'uintrAbi', 'allowFiles'] as const;

export class LaunchError extends Error {}

const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parseLaunchArgs(raw: Record<string, unknown> | undefined): LaunchArgs {
  const a = raw ?? {};
  for (const k of Object.keys(a)) {
    if (k.startsWith('__') || CLIENT_KEYS.has(k) || (LAUNCH_KEYS as readonly string[]).includes(k)) continue;
    throw new LaunchError(`unknown launch argument '${k}' (known: ${LAUNCH_KEYS.join(', ')})`);
  }
  const bad = (k: string, what: string): never => {
    throw new LaunchError(`launch argument '${k}' must be ${what} (got ${JSON.stringify(a[k])})`);
  };
  if (a.program === undefined || a.program === '') throw new LaunchError(`launch argument 'program' is required (the static x86-64 ELF to debug)`);
  if (typeof a.program !== 'string') bad('program', 'a string (path of a static x86-64 ELF)');
  if (a.args !== undefined && !isStrArray(a.args)) bad('args', 'an array of strings');
  let env: Record<string, string> = {};
  if (a.env !== undefined) {
    if (typeof a.env !== 'object' || a.env === null || Array.isArray(a.env)) bad('env', 'an object of strings ({"NAME": "value"})');
    for (const [k, v] of Object.entries(a.env as object)) {
      if (typeof v !== 'string') throw new LaunchError(`launch argument 'env.${k}' must be a string (got ${JSON.stringify(v)})`);
      if (k === '' || k.includes('=')) throw new LaunchError(`launch argument 'env' has a bad variable name ${JSON.stringify(k)}`);
    }
    env = a.env as Record<string, string>;
  }
  if (a.cwd !== undefined && typeof a.cwd !== 'string') bad('cwd', 'a string (a directory)');
  if (a.stopOnEntry !== undefined && typeof a.stopOnEntry !== 'boolean') bad('stopOnEntry', 'a boolean');
  if (a.cores !== undefined && !(Number.isInteger(a.cores) && (a.cores as number) >= 1 && (a.cores as number) <= 64)) bad('cores', 'an integer from 1 to 64');
  if (a.seed !== undefined && !(Number.isInteger(a.seed) && (a.seed as number) >= 0 && (a.seed as number) <= Number.MAX_SAFE_INTEGER)) bad('seed', 'a non-negative integer');
  if (a.uintrAbi !== undefined && a.uintrAbi !== 'v2' && a.uintrAbi !== 'rfc-v1') bad('uintrAbi', `"v2" or "rfc-v1"`);
  if (a.allowFiles !== undefined && !isStrArray(a.allowFiles)) bad('allowFiles', 'an array of paths');
  return {
    program: a.program as string,
    args: (a.args as string[] | undefined) ?? [],
    env,
    cwd: a.cwd as string | undefined,
    stopOnEntry: (a.stopOnEntry as boolean | undefined) ?? false,
    cores: (a.cores as number | undefined) ?? 2,
    seed: (a.seed as number | undefined) ?? 1,
    uintrAbi: (a.uintrAbi as 'v2' | 'rfc-v1' | undefined) ?? 'v2',
    allowFiles: (a.allowFiles as string[] | undefined) ?? [],
  };
}
