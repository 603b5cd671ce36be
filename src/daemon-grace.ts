/**
 * How long a stopping daemon lets a running cycle finish. Its own module so that the
 * `start` command's help text can say it without loading the daemon at CLI start-up.
 */
export const DEFAULT_GRACE_MS = 8_000;
