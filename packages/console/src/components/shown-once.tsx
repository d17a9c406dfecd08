/** A new secret (`what`: an API key, an endpoint's signing secret), shown the one time it can be. */
export function ShownOnce({ secret, what = 'key', onDone }: { secret: string; what?: string; onDone: () => void }) {
  return (
    <div className="callout" role="status">
      <p>
        <strong>The new {what}, shown only now:</strong> copy it somewhere safe.
      </p>
      <code data-testid="new-key">{secret}</code>
      <div className="buttons">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(secret)}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
