import { useEffect, useMemo, useRef, useState } from 'react';
import { addNodeAt, closeSearch } from '../actions';
import { NODE_SPECS } from '../registry';
import { searchNodes } from '../state/compatible';
import { useEditor } from '../store';

/** The quick-add box (double-click on the canvas, or a connection dropped on empty canvas). */
export function SearchBox() {
  const search = useEditor((s) => s.search);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const offers = useMemo(() => searchNodes(NODE_SPECS, query, search?.pending), [query, search]);

  useEffect(() => {
    if (search) {
      setQuery('');
      setActive(0);
      inputRef.current?.focus();
    }
  }, [search]);

  if (!search) return null;
  const choose = (index: number) => {
    const offer = offers[index];
    if (!offer) return;
    closeSearch();
    addNodeAt(offer.spec.type, search.flow, search.pending, offer.port);
  };
  const listId = 'kg-search-list';
  return (
    <div
      className="kg-search"
      style={{ left: search.screen.x, top: search.screen.y }}
      role="dialog"
      aria-label={search.pending ? `Add a node for ${search.pending.type}` : 'Add a node'}
    >
      <input
        ref={inputRef}
        type="search"
        placeholder={search.pending ? `Nodes taking ${search.pending.type}…` : 'Search nodes…'}
        aria-label="Search nodes"
        aria-controls={listId}
        aria-activedescendant={offers[active] ? `kg-offer-${active}` : undefined}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onBlur={() => setTimeout(closeSearch, 150)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') closeSearch();
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, offers.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter') choose(active);
          else return;
          e.preventDefault();
        }}
      />
      <div id={listId} role="listbox" aria-label="Matching nodes" className="kg-offers">
        {offers.map((o, i) => (
          <div
            key={o.spec.type}
            tabIndex={-1}
            id={`kg-offer-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'kg-active' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(i);
            }}
          >
            <strong>{o.spec.title}</strong>
            {o.port && <span className="kg-muted"> → {o.port}</span>}
            <span className="kg-muted kg-category">{o.spec.category}</span>
          </div>
        ))}
        {offers.length === 0 && <p className="kg-muted">No matching nodes</p>}
      </div>
    </div>
  );
}
