import { useState } from 'react';
import { chooseEngine } from '../engine-connection';
import { refreshEngineStatus } from '../packs';
import { readEngineChoice, readEngineToken, serverUrlSchema } from '../remote-engine-choice';
import { editorStore } from '../store';

/**
 * Models > Engine: run graphs in this browser (the engine worker) or on a `kosmograph serve`
 * (its URL and Bearer token). Applying checks the server's /health; runs, progress, previews,
 * cancel and the gallery then go through it (src/editor/remote-engine.ts).
 */
export function EngineChoice() {
  const stored = readEngineChoice();
  const [kind, setKind] = useState<'browser' | 'server'>(stored.kind);
  const [url, setUrl] = useState(stored.kind === 'server' ? stored.url : '');
  const [token, setToken] = useState(readEngineToken() ?? '');
  const [message, setMessage] = useState<{ readonly error: boolean; readonly text: string }>();

  const apply = async () => {
    if (kind === 'browser') {
      chooseEngine({ kind: 'browser' });
      setMessage({ error: false, text: 'Graphs run in this browser.' });
      await refreshEngineStatus();
      return;
    }
    const parsed = serverUrlSchema.safeParse(url);
    if (!parsed.success) {
      setMessage({ error: true, text: `Server URL: ${parsed.error.issues[0]?.message ?? 'not a URL'}` });
      return;
    }
    chooseEngine({ kind: 'server', url: parsed.data }, token.trim() || undefined);
    await refreshEngineStatus();
    const error = editorStore.getState().engineError;
    setMessage(
      error
        ? { error: true, text: `Graphs now go to ${parsed.data}, but it does not answer: ${error}` }
        : { error: false, text: `Graphs run on ${parsed.data}.` },
    );
  };

  return (
    <form
      aria-label="Engine"
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <fieldset>
        <legend>Engine: where graphs run</legend>
        <label>
          <input
            type="radio"
            name="kg-engine"
            checked={kind === 'browser'}
            onChange={() => setKind('browser')}
          />{' '}
          This browser
        </label>{' '}
        <label>
          <input
            type="radio"
            name="kg-engine"
            checked={kind === 'server'}
            onChange={() => setKind('server')}
          />{' '}
          A server (kosmograph serve)
        </label>
        {kind === 'server' && (
          <>
            <label className="kg-field">
              Server URL (started with --allow-origin {globalThis.location?.origin ?? 'this page'})
              <input
                type="url"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="http://gpu-box:8188"
              />
            </label>
            <label className="kg-field">
              Token (its --token; kept in this tab only)
              <input
                type="password"
                autoComplete="off"
                value={token}
                onChange={(e) => setToken(e.target.value)}
              />
            </label>
          </>
        )}
        <button type="submit">Use this engine</button>
        {message && (
          <p className={message.error ? 'kg-issue' : 'kg-muted'} role={message.error ? 'alert' : 'status'}>
            {message.text}
          </p>
        )}
      </fieldset>
    </form>
  );
}
