import type { BucketCategory, Program } from '@credits/contract';
import { useQueryClient } from '@tanstack/react-query';
import { ActionDialog } from '../components/action-dialog';
import { CategoryField, PriorityField } from '../components/bucket-fields';
import { Field } from '../components/field';
import { useSession } from '../lib/api';
import { numberOf, optionalNumberOf, textOf } from '../lib/form';

/** Every mode, as the console names it (a record: a mode the contract adds is missed at compile time). */
export const MODE_LABELS: Record<Program['mode'], string> = { add: 'add', top_up_to: 'top up to' };

/**
 * Creates a program, or edits one (`program`): its terms as the service takes them, each field
 * showing what the service refuses in it (a cron schedule it cannot read, a duration that is not
 * ISO 8601). Saving is an upsert: the same terms twice change nothing.
 */
export function ProgramDialog({ program }: { program?: Program }) {
  const { client } = useSession();
  const queryClient = useQueryClient();

  return (
    <ActionDialog
      label={program ? `Edit ${program.name}` : 'New program'}
      title={program ? `Edit the program ${program.name}` : 'Create a grant program'}
      confirm={program ? 'Save' : 'Create program'}
      onConfirm={async (form) => {
        await client.programs.upsert.mutate({
          name: program?.name ?? textOf(form, 'name') ?? '',
          amount: numberOf(form, 'amount'),
          schedule: String(form.get('schedule') ?? ''),
          mode: String(form.get('mode')) as Program['mode'],
          expiresAfter: textOf(form, 'expiresAfter'),
          priority: optionalNumberOf(form, 'priority'),
          category: textOf(form, 'category') as BucketCategory | undefined,
          enabled: form.get('enabled') !== null,
        });
        await queryClient.invalidateQueries({ queryKey: ['programs.list'] });
      }}
    >
      <Field name="name" label="Name" hint={program ? 'A program keeps its name.' : 'Lower-case letters, digits, - and _; a name in use changes that program.'}>
        <input required maxLength={63} autoComplete="off" defaultValue={program?.name} readOnly={Boolean(program)} />
      </Field>
      <Field name="amount" label="Amount">
        <input type="number" min="0.0001" step="0.0001" required defaultValue={program?.amount} />
      </Field>
      <Field name="mode" label="Mode" hint="add: the amount each period; top up to: the user's credits from this program brought up to the amount">
        <select defaultValue={program?.mode ?? 'add'}>
          {(Object.keys(MODE_LABELS) as Program['mode'][]).map((mode) => (
            <option key={mode} value={mode}>
              {MODE_LABELS[mode]}
            </option>
          ))}
        </select>
      </Field>
      <Field name="schedule" label="Schedule (cron, UTC)" hint="Five fields: minute hour day month weekday. 0 0 1 * * is 00:00 on the first of each month.">
        <input required autoComplete="off" spellCheck={false} defaultValue={program?.schedule} />
      </Field>
      <Field name="expiresAfter" label="Expires after (optional)" hint="An ISO 8601 duration from the period's start: P1M, P30D, PT12H. Empty: never.">
        <input autoComplete="off" spellCheck={false} defaultValue={program?.expiresAfter ?? ''} />
      </Field>
      <PriorityField defaultValue={program?.priority} />
      <CategoryField defaultValue={program?.category ?? 'promotional'} />
      <Field name="enabled" label="Enabled: runs on its schedule" inline>
        <input type="checkbox" defaultChecked={program?.enabled ?? true} />
      </Field>
    </ActionDialog>
  );
}
