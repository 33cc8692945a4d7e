import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph } from '../../test/fixtures/arithmetic-registry';
import { loadGraphDocument, loadGraphText } from './load-document';
import { validateGraph } from './validate';
import { GraphValidationError } from './validation-error';

const lookup = arithmeticRegistry().lookup;

/** Loads and validates; anything thrown other than GraphValidationError fails the property. */
function loadAndValidate(input: unknown): void {
  try {
    const { graph } = loadGraphDocument(input, lookup);
    const issues = validateGraph(graph, lookup);
    for (const issue of issues) expect(typeof issue.message).toBe('string');
  } catch (error) {
    if (!(error instanceof GraphValidationError)) throw error;
  }
}

const idArb = fc.constantFrom('a', 'b', 'c', 'add', 'add2', 'sink', 'sink2', 'x', '', 'a b');
const portArb = fc.constantFrom('value', 'sum', 'a', 'b', 'c', 'x', 'text', 'nope');
const typeArb = fc.constantFrom(
  'test.constant',
  'test.add',
  'test.sink',
  'test.slow',
  'test.text',
  'vendor.x',
  '',
);
const paramValueArb = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer()),
);

const nodeArb = fc.record({
  id: idArb,
  type: typeArb,
  typeVersion: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(1)),
  params: fc.dictionary(fc.constantFrom('value', 'mode', 'steps', 'text', 'v', 'z'), paramValueArb),
});
const edgeArb = fc.record({
  from: fc.record({ node: idArb, port: portArb }),
  to: fc.record({ node: idArb, port: portArb }),
});
const graphArb = fc.record({
  format: fc.constantFrom('kosmograph.graph', 'kosmograph.graph', 'other'),
  version: fc.constantFrom(0, 1, 1, 1, 2, -1, 1.5),
  nodes: fc.array(nodeArb, { maxLength: 8 }),
  edges: fc.array(edgeArb, { maxLength: 12 }),
});

/** Mutations of a valid document: drop, replace or retype a random path. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const index = path[0]! % entries.length;
  const [key, child] = entries[index]!;
  const next = mutate(child, path.slice(1), replacement);
  if (Array.isArray(value)) return value.map((v, i) => (i === index ? next : v));
  return { ...value, [key]: next };
}

describe('loader and validator under random input', () => {
  it('never throw anything but GraphValidationError on random documents', () => {
    fc.assert(
      fc.property(graphArb, (doc) => loadAndValidate(doc)),
      { numRuns: 500 },
    );
  });

  it('never throw anything but GraphValidationError on mutated valid documents', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.jsonValue(), (path, replacement) => {
        loadAndValidate(mutate(diamondGraph(), path, replacement));
      }),
      { numRuns: 500 },
    );
  });

  it('never throw anything but GraphValidationError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          loadGraphText(text, lookup);
        } catch (error) {
          if (!(error instanceof GraphValidationError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });
});
