import { openDialog } from '../actions';
import { SHORTCUTS } from '../shortcuts';
import { useModalDialog } from './use-modal-dialog';

export function HelpDialog() {
  const { ref } = useModalDialog('help');
  return (
    <dialog
      ref={ref}
      className="kg-dialog"
      aria-label="Keyboard shortcuts"
      onClose={() => openDialog(undefined)}
    >
      <h2>Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="kg-muted">
        Drop a graph JSON, a kosmograph PNG or a ComfyUI workflow on the canvas to open it. Drop or paste any
        other image on the canvas for a new Load Image node, or drop it on a Load Image node to use it there.
      </p>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
