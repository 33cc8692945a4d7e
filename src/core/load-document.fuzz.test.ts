/** Fuzzing the document loader and the validator: only GraphValidationError, any input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { fuzzRuns, fuzzTimeout, hostileJson, hostileString, nested } from '../../test/fixtures/fuzz';
import { GRAPH_FORMAT, GRAPH_VERSION } from './document';
import { loadGraphDocument, loadGraphText } from './load-document';
import { validateGraph } from './validate';
import { GraphValidationError } from './validation-error';

const registry = createNodeRegistry();
const lookup = registry.lookup;
const types = registry.list().map((d) => d.type);
const ports = [...new Set(registry.list().flatMap((d) => [...d.inputs, ...d.outputs].map((p) => p.name)))];
const params = [...new Set(registry.list().flatMap((d) => d.params.map((p) => p.name)))];

function onlyOurErrors(run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GraphValidationError)) throw error;
    for (const line of error.lines()) expect(line).not.toMatch(/[\n\r\u2028]/);
    for (const line of error.lines()) expect(line.includes(String.fromCharCode(27))).toBe(false);
  }
}

const id = fc.oneof(fc.constantFrom('a', 'b', 'c', 'constructor', '__proto__', 'toString'), hostileString);
const node = fc.record({
  id,
  type: fc.oneof(fc.constantFrom(...types), hostileString),
  typeVersion: fc.oneof(fc.constant(1), fc.integer({ min: -2, max: 3 })),
  params: fc.dictionary(fc.oneof(fc.constantFrom(...params), hostileString), hostileJson(3), { maxKeys: 4 }),
});
const ref = fc.record({ node: id, port: fc.oneof(fc.constantFrom(...ports), hostileString) });
const document = fc.record({
  format: fc.constantFrom(GRAPH_FORMAT, GRAPH_FORMAT, 'x'),
  version: fc.constantFrom(GRAPH_VERSION, GRAPH_VERSION, 0, 2),
  nodes: fc.array(node, { maxLength: 8 }),
  edges: fc.array(fc.record({ from: ref, to: ref }), { maxLength: 10 }),
  layout: fc.option(
    fc.record({ nodes: fc.dictionary(id, fc.record({ x: fc.integer(), y: fc.integer() })) }),
    {
      nil: undefined,
    },
  ),
});

describe('fuzz: graph loader and validator', () => {
  it(
    'loads and validates random documents with real node types, throwing only GraphValidationError',
    () => {
      fc.assert(
        fc.property(document, (doc) =>
          onlyOurErrors(() => {
            const { graph } = loadGraphDocument(JSON.parse(JSON.stringify(doc)), lookup);
            for (const issue of validateGraph(graph, lookup)) expect(typeof issue.message).toBe('string');
          }),
        ),
        { numRuns: fuzzRuns(300) },
      );
    },
    fuzzTimeout(300),
  );

  it(
    'reads any text and any JSON (deep nesting included) throwing only GraphValidationError',
    () => {
      const text = fc.oneof(
        fc.string({ maxLength: 200 }),
        hostileJson().map((v) => JSON.stringify(v) ?? ''),
        fc.integer({ min: 1, max: 20_000 }).map(
          (depth) =>
            // Deep where the schema recurses (param values), so only the depth check stands between.
            `{"format":"${GRAPH_FORMAT}","version":1,"edges":[],"nodes":[{"id":"a","type":"x","typeVersion":1,"params":{"p":${'['.repeat(depth)}${']'.repeat(depth)}}}]}`,
        ),
      );
      fc.assert(
        fc.property(text, (t) => onlyOurErrors(() => loadGraphText(t, lookup))),
        {
          numRuns: fuzzRuns(200),
        },
      );
      fc.assert(
        fc.property(fc.integer({ min: 60, max: 20_000 }), (depth) =>
          onlyOurErrors(() =>
            loadGraphDocument(
              {
                format: GRAPH_FORMAT,
                version: 1,
                nodes: [{ id: 'a', type: 'x', typeVersion: 1, params: { p: nested(depth) } }],
                edges: [],
              },
              lookup,
            ),
          ),
        ),
        { numRuns: fuzzRuns(30) },
      );
    },
    fuzzTimeout(200),
  );
});
