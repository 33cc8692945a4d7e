import { dismissNotice } from '../actions';
import { useEditor } from '../store';

/** The last message: errors (bad files, refused runs) and information (opened, warnings). */
export function NoticeBar() {
  const notice = useEditor((s) => s.notice);
  if (!notice) return null;
  return (
    <div className={`kg-notice kg-notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <div>
        <strong>{notice.text}</strong>
        {notice.details && (
          <ul>
            {notice.details.slice(0, 12).map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        )}
      </div>
      <button type="button" onClick={() => dismissNotice()} aria-label="Dismiss message">
        ×
      </button>
    </div>
  );
}
