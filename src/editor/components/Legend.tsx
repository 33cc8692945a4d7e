import { SOCKET_COLORS, SOCKET_TYPES } from '../../core/socket-types';

/** Socket types and their colours (the colour of each handle and wire). */
export function Legend() {
  return (
    <details className="kg-legend">
      <summary>Socket types</summary>
      <ul>
        {SOCKET_TYPES.map((t) => (
          <li key={t}>
            <span className="kg-swatch" style={{ background: SOCKET_COLORS[t] }} aria-hidden="true" />
            {t}
          </li>
        ))}
      </ul>
    </details>
  );
}
