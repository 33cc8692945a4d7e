import type { CliIo } from '../../src/cli/run-command';

/** Stdout/stderr stand-ins that collect what the CLI writes. */
export function captureIo(): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  const stream = (append: (text: string) => void) =>
    ({
      isTTY: false,
      write(chunk: string | Uint8Array) {
        append(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  return {
    stdout: stream((t) => {
      out += t;
    }),
    stderr: stream((t) => {
      err += t;
    }),
    out: () => out,
    err: () => err,
  };
}
