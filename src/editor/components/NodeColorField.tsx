import { commitDoc } from '../actions';
import { NODE_COLORS, setNodeColor } from '../state/node-colors';
import { currentDoc, useEditor } from '../store';

/** The inspector's colour swatches for one node (and "none"). */
export function NodeColorField({ id }: { id: string }) {
  const color = useEditor((s) => s.history.present.layout?.nodes[id]?.color);
  const choose = (value: string | undefined) => commitDoc(setNodeColor(currentDoc(), id, value));
  return (
    <fieldset className="kg-field kg-node-colors">
      <legend>Colour</legend>
      <button type="button" aria-pressed={color === undefined} onClick={() => choose(undefined)}>
        none
      </button>
      {NODE_COLORS.map((c) => (
        <button
          key={c.name}
          type="button"
          className="kg-color-swatch"
          aria-label={`Colour ${c.name}`}
          aria-pressed={color === c.value}
          title={c.name}
          style={{ background: c.value }}
          onClick={() => choose(c.value)}
        />
      ))}
    </fieldset>
  );
}
