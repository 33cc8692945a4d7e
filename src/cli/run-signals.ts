/**
 * Signals during `kosmograph run`: SIGINT (Ctrl+C) and SIGTERM (systemd, Docker, queue
 * supervisors) cancel the job in its worker and end with 130 or 143 (128 + the signal) and no
 * files; a second signal quits at once, whatever is hanging, after synchronous cleanup (the
 * hidden temp folder). Installed before anything is read, so a slow read or fetch is covered.
 * The second signal kills the process with that signal (what a shell shows as 130 or 143).
 */
import { EXIT } from './cli-error';

/** 128 + SIGTERM. */
export const EXIT_TERMINATED = 143;

export interface RunSignals {
  /** Aborted at the first signal (reads before and around the job watch it). */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM; undefined while no signal came. */
  readonly exitCode: number | undefined;
  /** What the first signal does besides aborting `signal` (cancel the running job). */
  onCancel(cancel: () => void): void;
  /** Synchronous cleanup run before a second signal quits the process. */
  onForcedExit(cleanup: () => void): void;
  dispose(): void;
}

export function installRunSignals(stderr: NodeJS.WritableStream): RunSignals {
  const controller = new AbortController();
  let exitCode: number | undefined;
  let cancel: (() => void) | undefined;
  const cleanups: (() => void)[] = [];
  const handler = (name: NodeJS.Signals) => {
    const code = name === 'SIGTERM' ? EXIT_TERMINATED : EXIT.interrupted;
    if (exitCode !== undefined) {
      for (const cleanup of cleanups) {
        try {
          cleanup();
        } catch {
          // quitting anyway
        }
      }
      // process.exit would wait for a read stuck in the thread pool (a FIFO): die of the signal
      // instead, as a process without a handler does (a shell reports 128 + the signal).
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      if (process.listenerCount(name) === 0) process.kill(process.pid, name);
      process.exit(exitCode);
    }
    exitCode = code;
    stderr.write(
      `\n${name === 'SIGTERM' ? 'terminated' : 'interrupted'}: cancelling the job (press Ctrl+C again to quit at once)\n`,
    );
    controller.abort(new DOMException(`${name} received`, 'AbortError'));
    cancel?.();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    get exitCode() {
      return exitCode;
    },
    onCancel(action) {
      cancel = action;
      if (exitCode !== undefined) action();
    },
    onForcedExit(cleanup) {
      cleanups.push(cleanup);
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
