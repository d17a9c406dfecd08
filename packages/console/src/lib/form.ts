/** Reading a dialog's fields: an empty optional field is left out of the call, never sent as "" or 0. */

export const numberOf = (form: FormData, field: string) => Number(form.get(field));

export function textOf(form: FormData, field: string): string | undefined {
  const value = String(form.get(field) ?? '').trim();
  return value ? value : undefined;
}

export function optionalNumberOf(form: FormData, field: string): number | undefined {
  const value = textOf(form, field);
  return value === undefined ? undefined : Number(value);
}

/** A `datetime-local` field, read as UTC (the console shows every time in UTC). */
export function utcInstantOf(form: FormData, field: string): Date | undefined {
  const value = textOf(form, field);
  return value === undefined ? undefined : new Date(`${value}Z`);
}
