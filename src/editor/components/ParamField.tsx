import { memo, useId, useRef } from 'react';
import type { JsonValue } from '../../core/document';
import { type ParamSpec, type PortSpec, paramSocketType } from '../../core/node-spec';
import { setImageFromFile, setSeedMode, updateParam } from '../actions';
import { dataUrlInfo, sizeText } from '../image-file';
import { convertParamToInput, convertParamToWidget } from '../param-input-actions';
import { resolveSource } from '../sources';
import { checkMarkers, splitMarkers } from '../state/prompt-markers';
import { MAX_SEED, SEED_MODES, type SeedMode, seedKey } from '../state/seed';
import { type ImageInfo, useEditor } from '../store';
import { PortHandle } from './PortHandle';

export interface ParamFieldProps {
  readonly nodeId: string;
  readonly spec: ParamSpec;
  readonly value: JsonValue | undefined;
  /** A problem with this param (validator or engine). */
  readonly issue?: string;
  /** Connected input ports of the node, `a,b` (for `<i>` checks). */
  readonly connected?: string;
  readonly imagePorts?: readonly string[];
  /** The param's input socket, when it is shown as one ("Convert to input", or wired). */
  readonly inputPort?: PortSpec;
  /** The output (`node.port`) whose wire feeds this param: its widget is greyed, unused while wired. */
  readonly wiredFrom?: string;
  /** Offers "Convert to input / widget" (on the node; the inspector shows the param only). */
  readonly convertible?: boolean;
}

const label = (spec: ParamSpec) => spec.label ?? spec.name;

function NumberField({
  nodeId,
  spec,
  value,
}: ParamFieldProps & { spec: Extract<ParamSpec, { kind: 'int' | 'float' }> }) {
  const id = useId();
  const current = typeof value === 'number' ? value : spec.default;
  const step = spec.step ?? (spec.kind === 'int' ? 1 : 0.01);
  const slider = spec.min !== undefined && spec.max !== undefined && (spec.max - spec.min) / step <= 100_000;
  const commit = (raw: string) => {
    if (raw.trim() === '') return;
    const n = Number(raw);
    if (!Number.isFinite(n)) return;
    updateParam(nodeId, spec.name, spec.kind === 'int' ? Math.round(n) : n);
  };
  return (
    <div className="kg-field kg-number">
      <label htmlFor={id}>{label(spec)}</label>
      <div className="kg-number-row">
        {slider && (
          <input
            type="range"
            className="nodrag"
            aria-label={`${label(spec)} slider`}
            min={spec.min}
            max={spec.max}
            step={step}
            value={current}
            onChange={(e) => commit(e.target.value)}
          />
        )}
        <input
          id={id}
          type="number"
          className="nodrag"
          min={spec.min}
          max={spec.max}
          step={step}
          value={current}
          onChange={(e) => commit(e.target.value)}
        />
      </div>
    </div>
  );
}

function SeedField({ nodeId, spec, value }: ParamFieldProps) {
  const id = useId();
  const key = seedKey(nodeId, spec.name);
  const mode = useEditor((s) => s.seedModes[key] ?? 'fixed');
  const current = typeof value === 'number' ? value : 0;
  return (
    <div className="kg-field kg-seed">
      <label htmlFor={id}>{label(spec)}</label>
      <div className="kg-number-row">
        <input
          id={id}
          type="number"
          className="nodrag"
          min={0}
          max={MAX_SEED}
          step={1}
          value={current}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (Number.isSafeInteger(n) && n >= 0) updateParam(nodeId, spec.name, n);
          }}
        />
        <button
          type="button"
          className="nodrag kg-icon"
          aria-label="New random seed"
          title="New random seed"
          onClick={() => updateParam(nodeId, spec.name, Math.floor(Math.random() * 2 ** 32))}
        >
          Random
        </button>
        <select
          className="nodrag"
          aria-label={`${label(spec)} after each run`}
          title="What happens to the seed after each run"
          value={mode}
          onChange={(e) => setSeedMode(nodeId, spec.name, e.target.value as SeedMode)}
        >
          {SEED_MODES.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

function PromptField({ nodeId, spec, value, connected, imagePorts }: ParamFieldProps) {
  const id = useId();
  const text = typeof value === 'string' ? value : '';
  const interleaved = spec.kind === 'string' && spec.interleaved === true;
  const warning = interleaved
    ? checkMarkers(text, (connected ?? '').split(','), imagePorts ?? [])
    : undefined;
  return (
    <div className="kg-field kg-text">
      <label htmlFor={id}>{label(spec)}</label>
      <textarea
        id={id}
        className="nodrag nowheel"
        rows={3}
        value={text}
        spellCheck={false}
        onChange={(e) => updateParam(nodeId, spec.name, e.target.value)}
      />
      {interleaved && (
        <p className="kg-markers" title="Image markers: the n-th <i> is input image n">
          {splitMarkers(text).map((seg, i) =>
            seg.marker ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: segments have no identity besides their place
              <mark key={i} title={`image${seg.index}`}>
                {`<i>`}
                <sub>{seg.index}</sub>
              </mark>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: as above
              <span key={i}>{seg.text}</span>
            ),
          )}
        </p>
      )}
      {warning && (
        <p className="kg-warning" role="status">
          {warning}
        </p>
      )}
    </div>
  );
}

/** What an embedded image is: its file name and size when this editor saw it chosen, else its type and size. */
function embeddedText(source: string, known: ImageInfo | undefined): string {
  if (known) return `${known.name} · ${sizeText(known.bytes)} · ${known.width}×${known.height}`;
  const info = dataUrlInfo(source);
  const kind = info?.mediaType.replace(/^image\//, '').toUpperCase() || 'image';
  return `embedded ${kind} · ${sizeText(info?.bytes ?? 0)}`;
}

function ImageField({ nodeId, spec, value }: ParamFieldProps) {
  const id = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const baseUrl = useEditor((s) => s.baseUrl);
  const source = typeof value === 'string' ? value : '';
  const embedded = source.startsWith('data:');
  const known = useEditor((s) => (embedded ? s.images[source] : undefined));
  const described = embedded ? embeddedText(source, known) : source;
  return (
    <div className="kg-field kg-image">
      <label htmlFor={id}>{label(spec)}</label>
      {source !== '' && (
        <img className="kg-thumb" src={resolveSource(source, baseUrl)} alt={`Loaded by ${nodeId}`} />
      )}
      <div className="kg-number-row">
        <input
          id={id}
          type="text"
          className="nodrag"
          placeholder="URL, path, or drop an image"
          value={described}
          title={embedded ? described : undefined}
          readOnly={embedded}
          onChange={(e) => updateParam(nodeId, spec.name, e.target.value)}
        />
        {embedded && (
          <button type="button" className="nodrag" onClick={() => updateParam(nodeId, spec.name, '')}>
            Clear
          </button>
        )}
        <button type="button" className="nodrag" onClick={() => fileRef.current?.click()}>
          Choose…
        </button>
        <input
          ref={fileRef}
          type="file"
          accept="image/png,image/jpeg"
          hidden
          aria-label={`Choose an image for ${nodeId}`}
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) await setImageFromFile(nodeId, spec.name, file);
          }}
        />
      </div>
    </div>
  );
}

/** A widget generated from a param spec. */
export const ParamField = memo(function ParamField(props: ParamFieldProps) {
  const { nodeId, spec, value, issue } = props;
  const id = useId();
  let field: React.ReactNode;
  switch (spec.kind) {
    case 'int':
    case 'float':
      field = <NumberField {...props} spec={spec} />;
      break;
    case 'seed':
      field = <SeedField {...props} />;
      break;
    case 'enum':
      field = (
        <div className="kg-field">
          <label htmlFor={id}>{label(spec)}</label>
          <select
            id={id}
            className="nodrag"
            value={typeof value === 'string' ? value : spec.default}
            onChange={(e) => updateParam(nodeId, spec.name, e.target.value)}
          >
            {spec.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
      );
      break;
    case 'boolean':
      field = (
        <div className="kg-field kg-check">
          <input
            id={id}
            type="checkbox"
            className="nodrag"
            checked={typeof value === 'boolean' ? value : spec.default}
            onChange={(e) => updateParam(nodeId, spec.name, e.target.checked)}
          />
          <label htmlFor={id}>{label(spec)}</label>
        </div>
      );
      break;
    case 'image':
      field = <ImageField {...props} />;
      break;
    case 'string':
      field =
        spec.multiline || spec.interleaved ? (
          <PromptField {...props} />
        ) : (
          <div className="kg-field">
            <label htmlFor={id}>{label(spec)}</label>
            <input
              id={id}
              type="text"
              className="nodrag"
              value={typeof value === 'string' ? value : spec.default}
              onChange={(e) => updateParam(nodeId, spec.name, e.target.value)}
            />
          </div>
        );
      break;
  }
  const port = props.inputPort;
  const wireable = props.convertible !== false && paramSocketType(spec) !== undefined;
  const classes = ['kg-param'];
  if (issue) classes.push('kg-has-issue');
  if (port) classes.push('kg-param-input');
  if (props.wiredFrom) classes.push('kg-param-wired');
  return (
    <div
      className={classes.join(' ')}
      data-param={spec.name}
      data-wired-from={props.wiredFrom}
      title={spec.description}
    >
      {port && <PortHandle nodeId={nodeId} port={port} side="in" param />}
      <div className="kg-param-body">
        {props.wiredFrom ? (
          // The stored value stays in the document (unwiring restores it); the wire's value runs.
          <p className="kg-param-from">
            <span className="kg-param-name">{label(spec)}</span> ← {props.wiredFrom}
          </p>
        ) : (
          field
        )}
        {wireable && (
          <button
            type="button"
            className="nodrag kg-param-convert"
            aria-label={`Convert ${label(spec)} to ${port ? 'widget' : 'input'}`}
            title={
              port
                ? 'Back to a widget (removes its wire; the stored value is used again)'
                : 'Convert to input: feed this param by a wire (e.g. from a Primitive node)'
            }
            onClick={() =>
              port ? convertParamToWidget(nodeId, spec.name) : convertParamToInput(nodeId, spec.name)
            }
          >
            {port ? '×' : '⇤'}
          </button>
        )}
      </div>
      {issue && (
        <p className="kg-issue" role="alert">
          {issue}
        </p>
      )}
    </div>
  );
});
