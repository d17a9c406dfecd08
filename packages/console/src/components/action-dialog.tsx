import { randomId } from '@credits/client';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { errorText } from '../lib/format';

/**
 * A button that opens a confirmation dialog around a change. The idempotency key is made when the
 * dialog opens and sent with every submit from it: a double click, or a retry after a lost answer,
 * is applied once by the service. A change the service cannot replay (`unkeyed`: a new API key,
 * whose secret is shown once and never stored) takes one submit at a time instead.
 */
export function ActionDialog({
  label,
  title,
  confirm,
  danger = false,
  unkeyed = false,
  children,
  onConfirm,
}: {
  label: string;
  title: string;
  confirm: string;
  danger?: boolean;
  unkeyed?: boolean;
  children?: ReactNode;
  /** The form's fields and the dialog's key; the dialog closes when it resolves and shows the error when it rejects. */
  onConfirm: (form: FormData, idempotencyKey: string) => Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);

  useEffect(() => {
    if (key) dialog.current?.showModal();
  }, [key]);

  const close = () => {
    dialog.current?.close();
    setKey(null);
    setError(null);
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (unkeyed && inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      await onConfirm(new FormData(event.currentTarget), key!);
      close();
    } catch (e) {
      setError(errorText(e));
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  }

  return (
    <>
      <button type="button" className={danger ? 'danger' : undefined} onClick={() => setKey(randomId())}>
        {label}
      </button>
      {key && (
        <dialog ref={dialog} aria-labelledby={`${key}-title`} onClose={close}>
          <form onSubmit={submit} data-idempotency-key={key}>
            <h2 id={`${key}-title`}>{title}</h2>
            {children}
            {error && (
              <p role="alert" className="error">
                {error}
              </p>
            )}
            <div className="buttons">
              <button type="button" onClick={close}>
                Cancel
              </button>
              <button type="submit" className={danger ? 'danger' : 'primary'} aria-busy={pending}>
                {confirm}
              </button>
            </div>
          </form>
        </dialog>
      )}
    </>
  );
}
