import { formatIssue } from '../../core/validation-error';
import { socketTextVar } from '../a11y/socket-style';
import { renameNode } from '../actions';
import { specOf } from '../registry';
import { wireSources, wireSourcesKey } from '../state/param-inputs';
import { connectedInputs, issuesFor, nodeIndex, useEditor } from '../store';
import { NodeColorField } from './NodeColorField';
import { ParamField } from './ParamField';
import { QueuePanel } from './QueuePanel';

function NodeInspector({ id }: { id: string }) {
  const node = useEditor((s) => nodeIndex(s.history.present).get(id));
  const connected = useEditor((s) => connectedInputs(s.history.present, id));
  const issues = useEditor((s) => issuesFor(s.issues, id));
  const sources = wireSources(useEditor((s) => wireSourcesKey(s.history.present, id)));
  if (!node) return null;
  const spec = specOf(node.type);
  const imagePorts = spec?.inputs.filter((p) => p.type === 'IMAGE').map((p) => p.name) ?? [];
  return (
    <section aria-label={`Inspector for ${id}`}>
      <h2>{spec?.title ?? node.type}</h2>
      <p className="kg-muted">
        {node.type} v{node.typeVersion} · id <code>{id}</code>
      </p>
      {spec?.description && <p>{spec.description}</p>}
      <label className="kg-field">
        Title
        <input
          type="text"
          value={node.title ?? ''}
          placeholder={spec?.title ?? node.type}
          onChange={(e) => renameNode(id, e.target.value)}
        />
      </label>
      <NodeColorField id={id} />
      {spec && spec.inputs.length + spec.outputs.length > 0 && (
        <table className="kg-port-table">
          <tbody>
            {spec.inputs.map((p) => (
              <tr key={`in-${p.name}`}>
                <td>in</td>
                <td>{p.label ?? p.name}</td>
                <td style={{ color: socketTextVar(p.type) }}>{p.type}</td>
                <td>
                  {connected.split(',').includes(p.name) ? 'connected' : p.optional ? 'optional' : 'required'}
                </td>
              </tr>
            ))}
            {spec.outputs.map((p) => (
              <tr key={`out-${p.name}`}>
                <td>out</td>
                <td>{p.label ?? p.name}</td>
                <td style={{ color: socketTextVar(p.type) }}>{p.type}</td>
                <td />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {spec?.params.map((p) => (
        <ParamField
          key={p.name}
          nodeId={id}
          spec={p}
          value={node.params[p.name]}
          issue={
            issues
              .filter((i) => i.param === p.name)
              .map((i) => i.message)
              .join('; ') || undefined
          }
          connected={connected}
          imagePorts={imagePorts}
          convertible={false}
          {...(sources.has(p.name) ? { wiredFrom: sources.get(p.name)! } : {})}
        />
      ))}
      {issues.length > 0 && (
        <ul className="kg-issue-list" aria-label="Problems">
          {issues.map((i) => (
            <li key={`${i.code}:${i.port ?? ''}:${i.param ?? ''}:${i.message}`}>{formatIssue(i)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function GraphSummary() {
  const nodes = useEditor((s) => s.history.present.nodes.length);
  const edges = useEditor((s) => s.history.present.edges.length);
  const issues = useEditor((s) => s.issues);
  const description = useEditor((s) => s.history.present.meta?.description);
  return (
    <section aria-label="Graph">
      <h2>Graph</h2>
      {description && <p>{description}</p>}
      <p className="kg-muted">
        {nodes} nodes · {edges} connections
      </p>
      {issues.length > 0 ? (
        <ul className="kg-issue-list" aria-label="Problems">
          {issues.map((i) => (
            <li key={`${i.code}:${i.nodeId ?? ''}:${i.port ?? ''}:${i.param ?? ''}:${i.message}`}>
              {formatIssue(i)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="kg-muted">No problems found.</p>
      )}
      <p className="kg-muted">Select a node to edit it here. Double-click the canvas to add one.</p>
    </section>
  );
}

export function Inspector() {
  const selected = useEditor((s) => (s.selectedNodes.size === 1 ? [...s.selectedNodes][0] : undefined));
  const count = useEditor((s) => s.selectedNodes.size);
  return (
    <aside className="kg-inspector" aria-label="Inspector">
      {selected ? (
        <NodeInspector id={selected} />
      ) : count > 1 ? (
        <p>{count} nodes selected</p>
      ) : (
        <GraphSummary />
      )}
      <QueuePanel />
    </aside>
  );
}
