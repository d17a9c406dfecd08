import { hasReason, isCreditsError } from '@credits/client';
import { errorText } from './format';

/** A failed change as a form shows it: what the service said of each of its fields, and the rest. */
export interface Refusal {
  fields: Record<string, string>;
  /** What belongs to no field of the form; null when everything was said beside a field. */
  message: string | null;
}

const DOMAIN_FIELD = /^([A-Za-z]\w*): (.+)$/s;

/**
 * Sorts the service's words by field: an INVALID_INPUT's issues by their path, and a BAD_REQUEST
 * from the domain, which names the field it refuses first ("schedule: not a cron expression").
 * Only fields the form has (`isField`) are taken; anything else stays in the message.
 */
export function refusalOf(error: unknown, isField: (name: string) => boolean): Refusal {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const issue of issuesOf(error)) {
    const field = issue.path.split('.')[0]!;
    if (field && isField(field)) fields[field] = fields[field] ? `${fields[field]}; ${issue.message}` : issue.message;
    else rest.push(issue.path ? `${issue.path} ${issue.message}` : issue.message);
  }
  if (Object.keys(fields).length === 0) return { fields, message: errorText(error) };
  return { fields, message: rest.length ? rest.join('; ') : null };
}

function issuesOf(error: unknown): { path: string; message: string }[] {
  if (hasReason(error, 'INVALID_INPUT')) return error.data.issues;
  const named = isCreditsError(error) && error.code === 'BAD_REQUEST' ? DOMAIN_FIELD.exec(error.message) : null;
  return named ? [{ path: named[1]!, message: named[2]! }] : [];
}
