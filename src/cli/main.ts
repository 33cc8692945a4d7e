import { createNodeRegistry } from '../../nodes/index';
import { applyLimitOverrides } from '../core/limits';
import { plainText } from '../core/plain-text';
import { validateGraph } from '../core/validate';
import { GraphValidationError } from '../core/validation-error';
import { parseCliArgs, USAGE } from './args';
import { CliError, EXIT } from './cli-error';
import { readGraphFile } from './graph-file';
import { importComfyCommand } from './import-comfy-command';
import { modelsInspectCommand } from './models-command';
import { nodesCommand } from './nodes-command';
import { type CliIo, runCommand } from './run-command';

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const registry = createNodeRegistry();
  // The server commands parse their own flags (src/cli/serve-command.ts and siblings). They are
  // loaded only when asked for: they bring BullMQ, whose import alone takes longer than every
  // other command's whole start (issue 13: `kosmograph nodes` <= 0.3 s).
  const [first, ...rest] = argv;
  if (first === 'serve') return (await import('./serve-command')).serveCommand(rest, registry, io);
  if (first === 'worker') return (await import('./worker-command')).workerCommand(rest, registry, io);
  if (first === 'submit') return (await import('./submit-command')).submitCommand(rest, registry, io);
  const command = parseCliArgs(argv);
  // Before anything is read: the engine's worker thread inherits them (src/core/limits.ts).
  if ('limits' in command && command.limits) applyLimitOverrides(command.limits);
  switch (command.command) {
    case 'help':
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    case 'nodes':
      io.stdout.write(nodesCommand(registry, command.json));
      return EXIT.ok;
    case 'validate': {
      const loaded = await readGraphFile(command.graphPath, registry.lookup);
      for (const warning of loaded.warnings) io.stderr.write(`warning: ${plainText(warning)}\n`);
      const issues = validateGraph(loaded.graph, registry.lookup);
      if (command.json) io.stdout.write(`${JSON.stringify({ valid: issues.length === 0, issues })}\n`);
      if (issues.length > 0) throw new GraphValidationError(issues);
      if (!command.json)
        io.stdout.write(`${command.graphPath}: valid (${loaded.graph.nodes.length} nodes)\n`);
      return EXIT.ok;
    }
    case 'run':
      return runCommand(command, registry, io);
    case 'import-comfy':
      return importComfyCommand(command, registry.lookup, io);
    case 'models-inspect':
      return modelsInspectCommand(command, io);
  }
}

/** Runs the CLI and returns its exit code; user errors print as lines, never as stack traces. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof GraphValidationError) {
      for (const line of error.lines()) io.stderr.write(`error: ${plainText(line)}\n`);
      return EXIT.invalid;
    }
    if (error instanceof CliError) {
      // Lines may quote a graph's names and messages: escaped, so each stays one line.
      for (const line of error.lines) io.stderr.write(`error: ${plainText(line)}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.runtimeFailure;
  }
}
