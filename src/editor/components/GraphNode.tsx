import { type NodeProps, type ReactFlowState, useStore, useUpdateNodeInternals } from '@xyflow/react';
import { memo, useEffect, useRef, useState } from 'react';
import { type PortSpec, paramInputPort } from '../../core/node-spec';
import type { ValidationIssue } from '../../core/validation-error';
import { socketTextVar } from '../a11y/socket-style';
import { setImageFromFile } from '../actions';
import { MODE_LABEL } from '../node-mode-actions';
import { specOf } from '../registry';
import { wireSources, wireSourcesKey } from '../state/param-inputs';
import { connectedInputs, issuesFor, nodeIndex, useEditor } from '../store';
import { OutputArtifact } from './OutputArtifact';
import { ParamField } from './ParamField';
import { PortHandle } from './PortHandle';

export { handleFit } from './PortHandle';

import { RasterCanvas } from './RasterCanvas';

function issueText(
  issues: readonly ValidationIssue[],
  match: (i: ValidationIssue) => boolean,
): string | undefined {
  const found = issues.filter(match);
  return found.length > 0 ? found.map((i) => i.message).join('; ') : undefined;
}

/** Below this zoom, nodes show their header and ports only (widgets are unreadable anyway): big graphs stay fast. */
export const DETAIL_ZOOM = 0.3;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;

const STATUS_TEXT = {
  queued: 'queued',
  running: 'running',
  cached: 'cached',
  done: 'done',
  error: 'error',
} as const;

function PortRow({
  nodeId,
  port,
  side,
  issue,
  param,
}: {
  nodeId: string;
  port: PortSpec;
  side: 'in' | 'out';
  issue?: string | undefined;
  param?: boolean;
}) {
  const name = port.label ?? port.name;
  const tip = `${name}: ${port.type}${port.optional ? ' (optional)' : ''}${port.description ? ` — ${port.description}` : ''}`;
  return (
    <div
      className={`kg-port kg-port-${side}${issue ? ' kg-port-issue' : ''}`}
      title={issue ? `${tip}\n${issue}` : tip}
    >
      <PortHandle nodeId={nodeId} port={port} side={side} issue={issue} {...(param ? { param } : {})} />
      <span className="kg-port-name">
        {name}
        {port.optional ? '?' : ''}
      </span>
      <span className="kg-port-type" style={{ color: socketTextVar(port.type) }}>
        {port.type}
      </span>
    </div>
  );
}

/** One graph node, rendered generically from its spec. Reads only its own slice of the store. */
export const GraphNode = memo(function GraphNode({ id, selected }: NodeProps) {
  const node = useEditor((s) => nodeIndex(s.history.present).get(id));
  const connected = useEditor((s) => connectedInputs(s.history.present, id));
  const run = useEditor((s) => s.run.nodes[id]);
  const outputs = useEditor((s) => s.run.outputs[id]);
  const validation = useEditor((s) => issuesFor(s.issues, id));
  const engineIssues = useEditor((s) => issuesFor(s.run.issues, id));
  const compact = useStore(zoomedOut);
  const color = useEditor((s) => s.history.present.layout?.nodes[id]?.color);
  const listedInputs = useEditor((s) => s.history.present.layout?.nodes[id]?.paramInputs);
  const sourcesKey = useEditor((s) => wireSourcesKey(s.history.present, id));
  const [dropping, setDropping] = useState(false);
  // A param's socket appears or goes without the node resizing: React Flow must re-read the handles.
  const updateInternals = useUpdateNodeInternals();
  const paramSockets = `${listedInputs?.join(',') ?? ''}|${sourcesKey}`;
  // Not on mount: React Flow measures a new node's handles itself, and asking again for each of a
  // 1,000-node graph's nodes made opening it 10x slower (each request re-measures one node).
  const measuredSockets = useRef(paramSockets);
  useEffect(() => {
    if (measuredSockets.current === paramSockets) return;
    measuredSockets.current = paramSockets;
    updateInternals(id);
  }, [id, paramSockets, updateInternals]);
  if (!node) return null;
  const spec = specOf(node.type);
  const issues = engineIssues.length > 0 ? [...validation, ...engineIssues] : validation;
  const nodeLevel = issues.filter((i) => i.port === undefined && i.param === undefined);
  const title = node.title ?? spec?.title ?? node.type;
  const status = run?.status;
  const imageParam = spec?.params.find((p) => p.kind === 'image');
  const sources = wireSources(sourcesKey);
  const imagePorts = spec?.inputs.filter((p) => p.type === 'IMAGE').map((p) => p.name) ?? [];
  const classes = ['kg-node'];
  if (selected) classes.push('kg-selected');
  if (status) classes.push(`kg-status-${status}`);
  if (issues.length > 0 || status === 'error') classes.push('kg-node-issue');
  if (!spec) classes.push('kg-placeholder');
  if (dropping) classes.push('kg-dropping');
  if (node.mode) classes.push(`kg-mode-${node.mode}`);

  return (
    <section
      className={classes.join(' ')}
      aria-label={`${title} node ${id}`}
      data-node-id={id}
      data-color={color}
      style={color ? { borderLeft: `6px solid ${color}` } : undefined}
      onDragOver={
        imageParam
          ? (e) => {
              if (e.dataTransfer.types.includes('Files')) {
                e.preventDefault();
                e.stopPropagation();
                setDropping(true);
              }
            }
          : undefined
      }
      onDragLeave={imageParam ? () => setDropping(false) : undefined}
      onDrop={
        imageParam
          ? (e) => {
              const file = e.dataTransfer.files[0];
              if (!file) return;
              e.preventDefault();
              e.stopPropagation();
              setDropping(false);
              void setImageFromFile(id, imageParam.name, file);
            }
          : undefined
      }
    >
      <header
        className="kg-node-header"
        style={color ? { background: `color-mix(in srgb, ${color} 35%, var(--kg-node-header))` } : undefined}
      >
        <span className="kg-node-title">{title}</span>
        <span className="kg-node-id">{id}</span>
        {node.mode && (
          <span
            className={`kg-badge kg-badge-${node.mode}`}
            title="Ctrl+B bypass, Ctrl+M mute; again: active"
          >
            {MODE_LABEL[node.mode]}
          </span>
        )}
        {status && (
          <span
            className={`kg-badge kg-badge-${status}`}
            role="status"
            aria-label={`status ${STATUS_TEXT[status]}`}
          >
            {status === 'running' && run?.total ? `${run.step ?? 0}/${run.total}` : STATUS_TEXT[status]}
          </span>
        )}
      </header>
      {status === 'running' && run?.stage && (
        <p className="kg-node-stage" role="status" title={run.stageModel}>
          {run.stage}
        </p>
      )}
      {!spec && <p className="kg-issue">Unknown node type “{node.type}” (kept as a placeholder)</p>}
      {run?.total !== undefined && (status === 'running' || status === 'done') && (
        <progress
          className="kg-progress"
          max={run.total}
          value={run.step ?? 0}
          aria-label={`${title} progress`}
        />
      )}
      {spec && (
        <div className="kg-ports">
          <div className="kg-inputs">
            {spec.inputs.map((p) => (
              <PortRow
                key={p.name}
                nodeId={id}
                port={p}
                side="in"
                issue={issueText(issues, (i) => i.port === p.name)}
              />
            ))}
          </div>
          <div className="kg-outputs">
            {spec.outputs.map((p) => (
              <PortRow key={p.name} nodeId={id} port={p} side="out" />
            ))}
          </div>
        </div>
      )}
      {spec && compact && (
        // Zoomed out, widgets are hidden; params shown as inputs keep their sockets (their wires end there).
        <div className="kg-inputs kg-param-ports">
          {spec.params.map((p) => {
            const port = paramInputPort(spec, p.name);
            const shown = sources.has(p.name) || (listedInputs?.includes(p.name) ?? false);
            return port && shown ? <PortRow key={p.name} nodeId={id} port={port} side="in" param /> : null;
          })}
        </div>
      )}
      {spec && spec.params.length > 0 && !compact && (
        <div className="kg-params">
          {spec.params.map((p) => {
            // A param with a wire into it is an input (a port of the same name there is none: specs test).
            const from = sources.get(p.name);
            const inputPort = paramInputPort(spec, p.name);
            return (
              <ParamField
                key={p.name}
                nodeId={id}
                spec={p}
                value={node.params[p.name]}
                issue={issueText(issues, (i) => i.param === p.name || i.port === p.name)}
                connected={connected}
                imagePorts={imagePorts}
                {...(from !== undefined || listedInputs?.includes(p.name) ? { inputPort } : {})}
                {...(from !== undefined ? { wiredFrom: from } : {})}
              />
            );
          })}
        </div>
      )}
      {run?.preview && status === 'running' && (
        <RasterCanvas image={run.preview} label={`Preview of ${id}`} />
      )}
      {outputs?.map((o, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: outputs of one job are in order
        <OutputArtifact key={`${o.jobId}-${i}`} artifact={o.artifact} nodeId={id} />
      ))}
      {run?.warnings && run.warnings.length > 0 && (
        <div className="kg-node-warnings" role="status">
          {run.warnings.map((warning, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: warnings of one run are in order and may repeat
            <p key={i} className="kg-warning">
              {warning}
            </p>
          ))}
        </div>
      )}
      {(run?.message || nodeLevel.length > 0) && (
        <div className="kg-node-errors" role="alert">
          {run?.message && <p className="kg-issue">{run.message}</p>}
          {nodeLevel.map((i) => (
            <p key={`${i.code}:${i.message}`} className="kg-issue">
              {i.message}
            </p>
          ))}
        </div>
      )}
    </section>
  );
});
