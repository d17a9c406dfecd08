import type { BucketCategory } from '@credits/contract';
import { Field } from './field';

// A record, not the contract's list: that comes with zod, which the console's bundle does without.
const CATEGORIES = Object.keys({ paid: 1, promotional: 1 } satisfies Record<BucketCategory, 1>) as BucketCategory[];

/** The terms of the bucket credits land in that a recharge and a program share: category and priority. */
export function CategoryField({ defaultValue }: { defaultValue: BucketCategory }) {
  return (
    <Field name="category" label="Category">
      <select defaultValue={defaultValue}>
        {CATEGORIES.map((category) => (
          <option key={category}>{category}</option>
        ))}
      </select>
    </Field>
  );
}

export function PriorityField({ defaultValue }: { defaultValue?: number }) {
  return (
    <Field name="priority" label="Priority (optional)" hint="0–100, lower is spent first; 50 when empty">
      <input type="number" min="0" max="100" step="1" defaultValue={defaultValue} />
    </Field>
  );
}
