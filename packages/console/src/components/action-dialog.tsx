import { randomId } from '@credits/client';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { type Refusal, refusalOf } from '../lib/refusal';
import { FieldErrors } from './field';

const NO_FIELD_ERRORS: Record<string, string> = {};

/**
 * A button that opens a confirmation dialog around a change. The idempotency key is made when the
 * dialog opens and sent with every submit from it: a double click, or a retry after a lost answer,
 * is applied once by the service. A change the service cannot replay (`unkeyed`: a new API key,
 * whose secret is shown once and never stored) takes one submit at a time instead. What the
 * service refuses is said beside the field it names (a `Field` in `children`), the rest above the
 * buttons.
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
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const inFlight = useRef(false);

  useEffect(() => {
    if (key) dialog.current?.showModal();
  }, [key]);
  // The first field refused takes the focus, so its words are read out and it is ready to fix.
  useEffect(() => {
    if (refusal) dialog.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusal]);

  const close = () => {
    dialog.current?.close();
    setKey(null);
    setRefusal(null);
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (unkeyed && inFlight.current) return;
    const form = event.currentTarget;
    inFlight.current = true;
    setPending(true);
    setRefusal(null);
    try {
      await onConfirm(new FormData(form), key!);
      close();
    } catch (e) {
      setRefusal(refusalOf(e, (name) => form.elements.namedItem(name) !== null));
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
            <FieldErrors.Provider value={refusal?.fields ?? NO_FIELD_ERRORS}>{children}</FieldErrors.Provider>
            {refusal && (
              <p role="alert" className="error">
                {refusal.message ?? 'Not done: correct the fields marked above.'}
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
