// Sign-in with an API key, kept in this tab's session storage only (never in a URL, never sent but as a header).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, call, type Reviewer } from './api';
import { Workspace } from './workspace';

const STORAGE = 'sluice.console.apiKey';

function SignIn({ onSignedIn, initialError }: { onSignedIn(key: string, me: Reviewer): void; initialError?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const secret = key.trim();
    if (!secret) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    try {
      onSignedIn(secret, await call<Reviewer>(secret, 'GET', '/review/v1/me'));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This API key is not known to Sluice.' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Sluice review console</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" spellcheck={false} value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} aria-describedby="key-help" />
        <p id="key-help" class="hint">
          The key stays in this tab only (session storage) and goes to the API in the X-API-Key header.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error ? (
          <p role="alert" class="notice problem">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}

export function App() {
  const [session, setSession] = useState<{ key: string; me: Reviewer }>();
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(STORAGE) !== null);
  const [expired, setExpired] = useState<string>();

  useEffect(() => {
    const key = sessionStorage.getItem(STORAGE);
    if (!key) return;
    call<Reviewer>(key, 'GET', '/review/v1/me').then(
      (me) => setSession({ key, me }),
      () => {
        sessionStorage.removeItem(STORAGE);
        setExpired('Sign in again: the stored key is no longer accepted.');
      },
    ).finally(() => setRestoring(false));
  }, []);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE);
    setSession(undefined);
  }, []);

  if (restoring) return <p class="loading">Signing in…</p>;
  if (!session) {
    return (
      <SignIn
        {...(expired ? { initialError: expired } : {})}
        onSignedIn={(key, me) => {
          sessionStorage.setItem(STORAGE, key);
          setSession({ key, me });
        }}
      />
    );
  }
  return <Workspace me={session.me} apiKey={session.key} signOut={signOut} />;
}
