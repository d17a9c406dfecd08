import { cloneElement, createContext, type ReactElement, useContext, useId } from 'react';

/** What the service said of each field of the form around it (an ActionDialog provides it). */
export const FieldErrors = createContext<Record<string, string>>({});

/**
 * A labelled form control with an optional hint, and the service's refusal of it shown beside it
 * (the control marked invalid and described by it, so a screen reader reads it on focus).
 */
export function Field({
  name,
  label,
  hint,
  inline = false,
  children,
}: {
  name: string;
  label: string;
  hint?: string;
  /** A checkbox: the control before its label. */
  inline?: boolean;
  children: ReactElement<{ id?: string; name?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  const error = useContext(FieldErrors)[name];
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const control = cloneElement(children, { id, name, 'aria-invalid': error ? true : undefined, ...(describedBy ? { 'aria-describedby': describedBy } : {}) });
  const labelled = <label htmlFor={id}>{label}</label>;
  return (
    <div className={inline ? 'field inline' : 'field'}>
      {inline ? (
        <span>
          {control} {labelled}
        </span>
      ) : (
        <>
          {labelled}
          {control}
        </>
      )}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/**
 * Checkboxes sent under one name (every checked value), with the service's refusal of the set
 * beside them: a group has no control of its own, so each box is marked invalid and described by
 * it (the first takes the focus).
 */
export function ChoicesField({ name, legend, options }: { name: string; legend: string; options: readonly string[] }) {
  const id = useId();
  const error = useContext(FieldErrors)[name];
  const invalid = error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
  return (
    <fieldset className="field">
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option} className="inline">
          <input type="checkbox" name={name} value={option} {...invalid} /> {option}
        </label>
      ))}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </fieldset>
  );
}
