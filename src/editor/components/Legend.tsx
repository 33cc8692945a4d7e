import { SOCKET_TYPES } from '../../core/socket-types';
import { socketShapeStyle } from '../a11y/socket-style';

/** Socket types, their colours and shapes (the colour and shape of each handle; wires have the colour). */
export function Legend() {
  return (
    <details className="kg-legend">
      <summary>Socket types</summary>
      <ul>
        {SOCKET_TYPES.map((t) => (
          <li key={t}>
            <span className="kg-swatch" style={socketShapeStyle(t)} aria-hidden="true" />
            {t}
          </li>
        ))}
      </ul>
    </details>
  );
}
