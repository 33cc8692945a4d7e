import { useEffect, useRef, useState } from 'react';
import { closeTab, endRename, newTab, renameGraph, startRename, switchTab, togglePanel } from '../actions';
import { useEditor } from '../store';

const UNTITLED = 'Untitled graph';

/** The active tab's name: double-click (or More > Rename graph…) to edit it. */
function ActiveName({ name }: { name: string | undefined }) {
  const renaming = useEditor((s) => s.renaming === true);
  const [draft, setDraft] = useState(name ?? '');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (renaming) {
      setDraft(name ?? '');
      requestAnimationFrame(() => input.current?.select());
    }
  }, [renaming, name]);
  if (renaming) {
    return (
      <input
        ref={input}
        className="kg-tab-rename"
        aria-label="Graph name"
        value={draft}
        placeholder={UNTITLED}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          renameGraph(draft);
          endRename();
        }}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter') {
            renameGraph(draft);
            endRename();
          } else if (e.key === 'Escape') endRename();
        }}
      />
    );
  }
  return (
    <button
      type="button"
      aria-current="page"
      className="kg-tab-label kg-graph-name"
      title={`${name ?? UNTITLED} (double-click to rename)`}
      onDoubleClick={startRename}
    >
      {name ?? UNTITLED}
    </button>
  );
}

/** Several graphs: one tab each (own undo, runs and seeds); + opens an empty one. */
export function TabBar() {
  const tabs = useEditor((s) => s.tabs);
  const active = useEditor((s) => s.tabId);
  const activeName = useEditor((s) => s.history.present.meta?.name);
  const activeRunning = useEditor((s) =>
    s.run.jobs.some((j) => j.phase === 'running' || j.phase === 'queued'),
  );
  return (
    <nav className="kg-tabs" aria-label="Open graphs">
      {/* A list of tabs rather than an ARIA tablist: a tablist may hold only tabs, not their close buttons. */}
      <ul className="kg-tablist" aria-label="Graphs">
        {tabs.map((tab) => {
          const isActive = tab.id === active;
          const name = isActive ? activeName : tab.history.present.meta?.name;
          const running = isActive
            ? activeRunning
            : tab.run.jobs.some((j) => j.phase === 'running' || j.phase === 'queued');
          return (
            <li key={tab.id} className={isActive ? 'kg-tab kg-tab-active' : 'kg-tab'} data-tab-id={tab.id}>
              {isActive ? (
                <ActiveName name={name} />
              ) : (
                <button type="button" className="kg-tab-label" onClick={() => switchTab(tab.id)}>
                  {name ?? UNTITLED}
                </button>
              )}
              {running && (
                <span className="kg-tab-running" title="A run of this graph is queued or running" />
              )}
              <button
                type="button"
                className="kg-tab-close"
                aria-label={`Close ${name ?? UNTITLED}`}
                title="Close this tab (its runs are cancelled)"
                onClick={() => closeTab(tab.id)}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <button
        type="button"
        className="kg-tab-new"
        onClick={() => newTab()}
        aria-label="New tab"
        title="New tab"
      >
        +
      </button>
      <div className="kg-panel-toggles">
        <button
          type="button"
          onClick={() => togglePanel('palette')}
          aria-label="Show or hide the node palette"
        >
          Nodes
        </button>
        <button
          type="button"
          onClick={() => togglePanel('inspector')}
          aria-label="Show or hide the inspector"
        >
          Inspector
        </button>
      </div>
    </nav>
  );
}
