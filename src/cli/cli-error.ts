/** Exit codes of the `kosmograph` command (DESIGN.md, "Headless CLI contract"). */
export const EXIT = { ok: 0, runtimeFailure: 1, invalid: 2, interrupted: 130 } as const;

/** A user-facing failure: printed as its lines, no stack trace, then exit with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly lines: readonly string[],
  ) {
    super(lines.join('\n'));
    this.name = 'CliError';
  }
}
