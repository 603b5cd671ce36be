import type { Logger } from '../log.js';

/** Signals that stop a run gracefully; a second one ends the process at once. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Exit codes of a run ended by a signal (128 + signal number, the shell convention). */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGTERM: 143, SIGINT: 130 };

export interface StopRequest {
  /** Aborts on the first signal. */
  signal: AbortSignal;
  /** The signal that arrived, if any. */
  readonly received: StopSignal | undefined;
  /** Removes the handlers (a run that ended on its own). */
  dispose(): void;
}

/**
 * Listens for SIGTERM and SIGINT: the first logs and calls `onStop` (and aborts `signal`),
 * a second exits at once with its signal's code. Kubernetes sends SIGTERM to a pod it
 * stops, a CronJob's or a `kubectl exec` one alike, and waits the grace period before
 * SIGKILL: a graceful stop finishes the items in flight and releases the tenant lease.
 */
export function listenForStop(logger: Logger, onStop: (signal: StopSignal) => void = () => undefined): StopRequest {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) {
      logger.warn({ signal }, 'Second signal, exiting at once');
      process.exit(SIGNAL_EXIT[signal]);
    }
    received = signal;
    logger.info({ signal }, 'Signal received, stopping');
    controller.abort(new Error(`${signal} received`));
    onStop(signal);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose: () => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}
