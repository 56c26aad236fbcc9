// Shared pieces of the admin pages: the confirmation dialog (a native
// modal <dialog>: focus stays inside, Escape cancels), a Copy button, the
// "only admins" page, and an action's announced result.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { forbiddenDescription } from '../lib/roles';
import { useTitle } from '../lib/title';
import { ErrorBox, errorText } from './common';
import { LockIcon } from './icons';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void | Promise<void>;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    opener.current = document.activeElement;
    const d = ref.current;
    if (d && typeof d.showModal === 'function' && !d.open) d.showModal();
    else d?.setAttribute('open', '');
    return () => {
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    };
  }, []);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      <div id="confirm-body" class="dialog-body">
        {children}
      </div>
      <div class="dialog-actions">
        <button type="button" class="btn" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
        <button type="button" class={`btn ${danger ? 'btn-danger-solid' : 'btn-primary'}`} onClick={() => void confirm()} disabled={busy}>
          {busy ? t('common.working') : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span class="copy">
      <button type="button" class="btn btn-small" aria-label={label} onClick={() => void copy()}>
        {t('common.copy')}
      </button>
      <span class="muted small" role="status">
        {state === 'copied' ? t('common.copied') : state === 'failed' ? t('common.copyFailed') : ''}
      </span>
    </span>
  );
}

// The page an agent sees at /admin/...; `error` is the API's 403 when
// the page was open before the role changed.
export function AdminOnly({ error }: { error?: unknown }) {
  useTitle(t('admin.onlyAdminsTitle'));
  const said = error ? forbiddenDescription(error) : null;
  return (
    <div class="page">
      <div class="admin-only" role="alert">
        <LockIcon />
        <div>
          <h1>{t('admin.onlyAdmins')}</h1>
          <p class="muted">{t('admin.onlyAdminsHint')}</p>
          {said && <p class="small">{t('admin.apiSaid', { message: said })}</p>}
        </div>
      </div>
    </div>
  );
}

// An API failure on an admin page: a 403 becomes the "only admins" page.
export function AdminError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (forbiddenDescription(error)) return <AdminOnly error={error} />;
  return <ErrorBox error={error} onRetry={onRetry} />;
}

export interface Outcome {
  ok: boolean;
  text: string;
}

export function Result({ outcome }: { outcome: Outcome | null }) {
  return (
    <div role="status" class={`result ${outcome ? (outcome.ok ? 'result-ok' : 'result-bad') : ''}`}>
      {outcome?.text}
    </div>
  );
}

// The words for a failed action: the API's description (a 403's too).
export function failure(e: unknown): Outcome {
  return { ok: false, text: t('common.failed', { message: forbiddenDescription(e) ?? errorText(e) }) };
}
