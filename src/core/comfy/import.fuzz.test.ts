/** Fuzzing the ComfyUI importer: API and UI shaped JSON with hostile names, only GraphValidationError. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { fuzzRuns, fuzzTimeout, hostileJson, hostileString } from '../../../test/fixtures/fuzz';
import { graphDocumentSchema } from '../document';
import { GraphValidationError } from '../validation-error';
import { importComfy, REFERENCE_PACK_IMPORT } from './index';
import { COMFY_CLASSES } from './widgets';

const lookup = createNodeRegistry().lookup;
const classes = Object.keys(COMFY_CLASSES);
const ids = fc.constantFrom('1', '2', '3', '4', '__proto__', 'constructor');
const classType = fc.oneof(fc.constantFrom(...classes, 'Reroute', 'PrimitiveNode', 'Note'), hostileString);
const inputValue = fc.oneof(hostileJson(3), fc.tuple(ids, fc.integer({ min: -1, max: 3 })));

const api = fc.dictionary(
  ids,
  fc.record({ class_type: classType, inputs: fc.dictionary(hostileString, inputValue, { maxKeys: 5 }) }),
  { maxKeys: 6 },
);
const uiId = fc.integer({ min: 0, max: 5 });
const ui = fc.record({
  nodes: fc.array(
    fc.record({
      id: uiId,
      type: classType,
      mode: fc.constantFrom(0, 2, 4),
      inputs: fc.array(fc.record({ name: hostileString, link: fc.option(fc.integer({ min: 0, max: 8 })) }), {
        maxLength: 3,
      }),
      widgets_values: fc.option(fc.array(hostileJson(2), { maxLength: 8 }), { nil: undefined }),
      pos: fc.option(fc.tuple(fc.integer(), fc.integer()), { nil: undefined }),
    }),
    { maxLength: 6 },
  ),
  links: fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: 8 }),
      uiId,
      fc.integer({ min: 0, max: 2 }),
      uiId,
      fc.integer({ min: 0, max: 2 }),
      hostileString,
    ),
    { maxLength: 8 },
  ),
  groups: fc.array(
    fc.record({ title: hostileString, bounding: fc.tuple(fc.integer(), fc.integer(), fc.nat(), fc.nat()) }),
    { maxLength: 2 },
  ),
});

describe('fuzz: ComfyUI import', () => {
  it(
    'converts random API prompts and UI workflows into valid graphs or throws only GraphValidationError',
    () => {
      fc.assert(
        fc.property(fc.oneof(api, ui, hostileJson()), (workflow) => {
          try {
            const { graph } = importComfy(JSON.stringify(workflow) ?? '', REFERENCE_PACK_IMPORT, lookup);
            expect(graphDocumentSchema.safeParse(graph).success).toBe(true);
          } catch (error) {
            if (!(error instanceof GraphValidationError)) throw error;
          }
        }),
        { numRuns: fuzzRuns(300) },
      );
    },
    fuzzTimeout(300),
  );
});
