// /admin/ticket-fields: the fields a ticket has -- the system ones (named,
// not removable) and the custom ones agents fill on the ticket page. An
// admin adds a field (title, type, a dropdown's options one per line, a
// checkbox's tag, whether solving needs it), edits one in the same form,
// switches one off, or deletes one after a confirmation (its values go from
// every ticket). The API's 422 is shown under the form as given.
import { useState } from 'preact/hooks';
import * as api from '../../api/endpoints';
import type { CustomFieldType, TicketField } from '../../api/types';
import type { MessageKey } from '../../i18n/en';
import { t } from '../../i18n/i18n';
import { usePolled } from '../../lib/poll';
import { CUSTOM_TYPES, fieldTitle, optionLines, parseOptionLines } from '../../lib/ticketFields';
import { useTitle } from '../../lib/title';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../../ui/admin';
import { Loading } from '../../ui/common';

const typeLabel = (type: string) => t(`ticketFields.type.${type}` as MessageKey);

export function TicketFieldsPage() {
  const { data: fields, setData: setFields, error, reload } = usePolled(api.getTicketFields, 30000);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [editing, setEditing] = useState<TicketField | null>(null);
  const [deleting, setDeleting] = useState<TicketField | null>(null);
  useTitle(t('ticketFields.title'));

  if (error !== null && !fields) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={reload} />
      </div>
    );
  }

  const remove = async (f: TicketField) => {
    try {
      await api.deleteTicketField(f.id);
      setFields((list) => (list ? list.filter((x) => x.id !== f.id) : list));
      setOutcome({ ok: true, text: t('ticketFields.deleted', { title: f.title }) });
    } catch (e) {
      setOutcome(failure(e));
    }
    setDeleting(null);
    reload();
  };
  const toggle = async (f: TicketField) => {
    try {
      await api.updateTicketField(f.id, { active: !f.active });
      setOutcome({ ok: true, text: t(f.active ? 'ticketFields.deactivated' : 'ticketFields.activated', { title: f.title }) });
    } catch (e) {
      setOutcome(failure(e));
    }
    reload();
  };

  const list = fields ? [...fields].sort((a, b) => a.position - b.position || a.id - b.id) : null;
  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('ticketFields.title')}</h1>
          <p class="muted small page-intro">{t('ticketFields.intro')}</p>
        </div>
      </header>
      <FieldForm
        key={editing?.id ?? 'new'}
        field={editing}
        onDone={(text) => {
          setOutcome({ ok: true, text });
          setEditing(null);
          reload();
        }}
        onCancel={() => setEditing(null)}
      />
      <Result outcome={outcome} />
      {!list && <Loading />}
      {list && (
        <div class="table-wrap">
          <table class="tickets ticket-fields">
            <caption class="visually-hidden">{t('ticketFields.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('ticketFields.col.title')}</th>
                <th scope="col">{t('ticketFields.col.type')}</th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((f) => (
                <tr key={f.id} class={f.active ? '' : 'row-inactive'}>
                  <td class="col-subject">
                    <div>
                      {fieldTitle(f)}
                      {!f.removable && <span class="chip">{t('ticketFields.system')}</span>}
                      {!f.active && <span class="chip">{t('ticketFields.inactive')}</span>}
                      {f.required && <span class="chip">{t('ticketFields.requiredChip')}</span>}
                    </div>
                    {f.custom_field_options && <div class="muted small">{f.custom_field_options.map((o) => o.name).join(' · ')}</div>}
                    {f.tag && <div class="muted small">{t('ticketFields.tagIs', { tag: f.tag })}</div>}
                  </td>
                  <td>{f.removable ? typeLabel(f.type) : <span class="muted">{t('ticketFields.systemType')}</span>}</td>
                  <td class="col-row-actions">
                    {f.removable && (
                      <div class="row-actions">
                        <button type="button" class="btn btn-small" aria-label={t('ticketFields.editLabel', { title: f.title })} onClick={() => setEditing(f)}>
                          {t('ticketFields.edit')}
                        </button>
                        <button type="button" class="btn btn-small" onClick={() => void toggle(f)}>
                          {t(f.active ? 'ticketFields.deactivate' : 'ticketFields.activate')}
                        </button>
                        <button type="button" class="btn btn-small btn-danger" aria-label={t('ticketFields.deleteLabel', { title: f.title })} onClick={() => setDeleting(f)}>
                          {t('ticketFields.delete')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog title={t('ticketFields.confirmDeleteTitle', { title: deleting.title })} confirmLabel={t('ticketFields.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('ticketFields.confirmDeleteBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

// Adds a field, or (with `field`) changes that one; its type stays.
function FieldForm({ field, onDone, onCancel }: { field: TicketField | null; onDone: (text: string) => void; onCancel: () => void }) {
  const [title, setTitle] = useState(field?.title ?? '');
  const [type, setType] = useState<CustomFieldType>((field?.type as CustomFieldType) ?? 'tagger');
  const [options, setOptions] = useState(optionLines(field?.custom_field_options));
  const [tag, setTag] = useState(field?.tag ?? '');
  const [description, setDescription] = useState(field?.description ?? '');
  const [required, setRequired] = useState(field?.required ?? false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) {
      setProblem(t('ticketFields.needTitle'));
      document.getElementById('field-title')?.focus();
      return;
    }
    const parsed = type === 'tagger' ? parseOptionLines(options, field?.custom_field_options) : undefined;
    if (parsed && parsed.length === 0) {
      setProblem(t('ticketFields.needOptions'));
      document.getElementById('field-options')?.focus();
      return;
    }
    const body: api.TicketFieldBody = { title: title.trim(), description: description.trim(), required };
    if (!field) body.type = type;
    if (parsed) body.custom_field_options = parsed;
    if (type === 'checkbox') body.tag = tag.trim();
    setBusy(true);
    setProblem(null);
    try {
      const r = field ? await api.updateTicketField(field.id, body) : await api.createTicketField(body);
      onDone(t(field ? 'ticketFields.saved' : 'ticketFields.added', { title: r.ticket_field.title }));
    } catch (err) {
      setProblem(failure(err).text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card add-form field-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="field-form-title">
      <h2 id="field-form-title">{field ? t('ticketFields.editTitle', { title: field.title }) : t('ticketFields.add')}</h2>
      <div class="form-row">
        <div class="field field-grow">
          <label for="field-title">{t('ticketFields.fieldTitle')}</label>
          <input id="field-title" type="text" autoComplete="off" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="field-type">{t('ticketFields.col.type')}</label>
          <select id="field-type" value={type} disabled={field !== null} onChange={(e) => setType((e.target as HTMLSelectElement).value as CustomFieldType)}>
            {CUSTOM_TYPES.map((ty) => (
              <option key={ty} value={ty}>
                {typeLabel(ty)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {type === 'tagger' && (
        <div class="field">
          <label for="field-options">{t('ticketFields.options')}</label>
          <textarea id="field-options" rows={4} value={options} aria-describedby="field-options-hint" onInput={(e) => setOptions((e.target as HTMLTextAreaElement).value)} />
          <p id="field-options-hint" class="muted small">
            {t('ticketFields.optionsHint')}
          </p>
        </div>
      )}
      {type === 'checkbox' && (
        <div class="field">
          <label for="field-tag">{t('ticketFields.tag')}</label>
          <input id="field-tag" type="text" autoComplete="off" value={tag} aria-describedby="field-tag-hint" onInput={(e) => setTag((e.target as HTMLInputElement).value)} />
          <p id="field-tag-hint" class="muted small">
            {t('ticketFields.tagHint')}
          </p>
        </div>
      )}
      <div class="field">
        <label for="field-description">{t('ticketFields.description')}</label>
        <input id="field-description" type="text" autoComplete="off" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
      </div>
      {type !== 'checkbox' && (
        <label class="check">
          <input type="checkbox" checked={required} onChange={(e) => setRequired((e.target as HTMLInputElement).checked)} /> {t('ticketFields.required')}
        </label>
      )}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {field ? t('ticketFields.save') : t('ticketFields.create')}
        </button>
        {field && (
          <button type="button" class="btn" onClick={onCancel}>
            {t('ticketFields.cancel')}
          </button>
        )}
      </div>
      {problem && (
        <p class="form-error small" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
