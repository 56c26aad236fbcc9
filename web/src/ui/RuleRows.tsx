// The rows of a rule builder shared by the trigger and view editors: a
// condition (field, operator, value: a select when the value has fixed
// choices, else text) and the remove button. `fields` is the catalogue of
// fields the rule may use; `operators` the operators a field's kind takes;
// `custom` the titles and options of the custom ticket fields among them.
import type { RuleItem } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import type { CustomFieldInfo } from '../lib/ticketFields';
import { newCondition, operatorsFor, valueChoices, VALUELESS_OPS, type Kind } from '../lib/triggers';

export function fieldLabel(field: string, action = false): string {
  return tMaybe(`${action ? 'afield' : 'cfield'}.${field}`, field);
}

export function valueLabel(kindOrField: string, value: string): string {
  if (value === '') return t('value.none');
  return tMaybe(`value.${kindOrField}.${value}`, tMaybe(`status.${value}`, value));
}

export function RemoveButton({ row, onRemove }: { row: string; onRemove: () => void }) {
  return (
    <button type="button" class="btn btn-small btn-quiet btn-icon" aria-label={t('trigger.remove', { row })} title={t('trigger.remove', { row })} onClick={onRemove}>
      ✕
    </button>
  );
}

export function ConditionRow({
  fields,
  operators = operatorsFor,
  custom = {},
  item,
  row,
  bad,
  onChange,
  onRemove,
}: {
  fields: Record<string, Kind>;
  operators?: (kind: Kind) => string[];
  custom?: Record<string, CustomFieldInfo>;
  item: RuleItem;
  row: string;
  bad: boolean;
  onChange: (i: RuleItem) => void;
  onRemove: () => void;
}) {
  const kind = fields[item.field];
  const ops = kind ? operators(kind) : [item.operator ?? ''];
  const info = custom[item.field];
  const choices = kind === 'cf_choice' && info ? info.options.map((o) => o.value) : kind ? valueChoices(kind) : null;
  const choiceLabel = (v: string) => (kind === 'cf_choice' && info ? info.options.find((o) => o.value === v)?.label ?? v : valueLabel(kind!, v));
  const pickField = (field: string) => {
    const fresh = newCondition(field, fields);
    const first = fields[field] === 'cf_choice' ? custom[field]?.options[0]?.value : undefined;
    onChange(first === undefined ? fresh : { ...fresh, value: first });
  };
  const value = item.value === null || item.value === undefined ? '' : String(item.value);
  const noValue = VALUELESS_OPS.has(item.operator ?? '');
  return (
    <div class={`rule-row${bad ? ' rule-bad' : ''}`}>
      <select aria-label={t('trigger.fieldOf', { row })} value={item.field} onChange={(e) => pickField((e.target as HTMLSelectElement).value)}>
        {!kind && <option value={item.field}>{item.field}</option>}
        {Object.keys(fields).map((f) => (
          <option key={f} value={f}>
            {custom[f]?.title ?? fieldLabel(f)}
          </option>
        ))}
      </select>
      <select aria-label={t('trigger.operatorOf', { row })} value={item.operator} onChange={(e) => onChange({ ...item, operator: (e.target as HTMLSelectElement).value, value: VALUELESS_OPS.has((e.target as HTMLSelectElement).value) ? null : item.value ?? (choices ? choices[0] : '') })}>
        {!ops.includes(item.operator ?? '') && <option value={item.operator}>{item.operator}</option>}
        {ops.map((o) => (
          <option key={o} value={o}>
            {tMaybe(`op.${o}`, o)}
          </option>
        ))}
      </select>
      {noValue ? (
        <span class="rule-value muted small">{t('trigger.noValue')}</span>
      ) : choices ? (
        <select class="rule-value" aria-label={t('trigger.valueOf', { row })} value={value} onChange={(e) => onChange({ ...item, value: (e.target as HTMLSelectElement).value })}>
          {!choices.includes(value) && <option value={value}>{value}</option>}
          {choices.map((v) => (
            <option key={v} value={v}>
              {choiceLabel(v)}
            </option>
          ))}
        </select>
      ) : (
        <input class="rule-value" type="text" aria-label={t('trigger.valueOf', { row })} value={value} placeholder={tMaybe(`hint.${kind}`, '')} onInput={(e) => onChange({ ...item, value: (e.target as HTMLInputElement).value })} />
      )}
      <RemoveButton row={row} onRemove={onRemove} />
    </div>
  );
}

