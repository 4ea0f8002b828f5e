import { useState } from 'preact/hooks';
import { api, messageOf } from '../api/client';
import { type Session, sessionOf } from '../session';

export function SignInPage(props: { message?: string | undefined; onSignedIn: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const { data, error: failed } = await api.POST('/api/v1/session', { body: { email, token } });
    setBusy(false);
    setToken('');
    if (data) props.onSignedIn(sessionOf(data));
    else setError(messageOf(failed, 'Sign-in failed'));
  };

  return (
    <main class="sign-in">
      <h1 tabIndex={-1}>payment-retry</h1>
      <p class="muted">Sign in with your email and the API token you use for the API.</p>
      {props.message && !error && (
        <p class="notice" role="status">
          {props.message}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form onSubmit={submit} method="post" action="/console">
        <label for="email">Email</label>
        <input
          id="email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="current-password"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
