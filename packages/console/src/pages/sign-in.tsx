import { type FormEvent, useState } from 'react';
import { useAuth } from '../lib/api';
import { errorText } from '../lib/format';

/** Paste an API key or a JWT; it stays in this tab's sessionStorage only. */
export function SignInPage() {
  const { signIn, notice } = useAuth();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get('token') ?? '').trim();
    if (!token) return;
    setPending(true);
    setError(null);
    try {
      await signIn(token);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setPending(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Credits console</h1>
      {notice && (
        <p role="alert" className="error">
          {notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label>
          API key or JWT
          <input name="token" type="password" autoComplete="off" required spellCheck={false} />
        </label>
        <p className="muted small">
          An admin or service key shows every user; a user key or token shows that user's own credits. The credential is kept in this tab only (sessionStorage) and
          cleared on sign-out.
        </p>
        {error && (
          <p role="alert" className="error">
            Sign-in failed: {error}
          </p>
        )}
        <button type="submit" className="primary" aria-busy={pending}>
          Sign in
        </button>
      </form>
    </main>
  );
}
