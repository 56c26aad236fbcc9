// Small shared pieces: status badge, loading and error states, paging,
// the language switch, and a time element with the full date on hover.
import type { ApiError } from '../api/client';
import { LANGS, formatDateTime, formatShort, lang, setLang, t, tMaybe, type Lang } from '../i18n/i18n';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{tMaybe(`status.${status}`, status)}</span>;
}

export function Loading() {
  return (
    <p class="muted loading" role="status">
      {t('app.loading')}
    </p>
  );
}

export function errorText(e: unknown): string {
  const err = e as ApiError;
  if (err?.status === 0) return t('error.network');
  if (err?.status === 403 && err.code === 'InvalidCsrfToken') return t('error.csrf');
  if (err?.status === 403) return t('error.forbidden');
  return err?.description || err?.message || String(e);
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="error-box" role="alert">
      <span>{t('app.error', { message: errorText(error) })}</span>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

export function Time({ iso, short }: { iso: string | null | undefined; short?: boolean }) {
  if (!iso) return null;
  const full = formatDateTime(iso);
  return (
    <time dateTime={iso} title={full}>
      {short ? formatShort(iso) : full}
    </time>
  );
}

export function LanguageSelect({ id }: { id: string }) {
  return (
    <div class="lang-select">
      <label for={id} class="visually-hidden">
        {t('lang.label')}
      </label>
      <select id={id} value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
        {LANGS.map((l) => (
          <option value={l} key={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Pager({ page, perPage, count, hasNext, onPage }: { page: number; perPage: number; count: number | null; hasNext: boolean; onPage: (p: number) => void }) {
  const from = count === 0 ? 0 : (page - 1) * perPage + 1;
  const to = count === null ? page * perPage : Math.min(page * perPage, count);
  return (
    <nav class="pager" aria-label={t('list.pagination')}>
      {count !== null && <span class="muted">{t('list.range', { from, to, count })}</span>}
      <button type="button" class="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ {t('list.prev')}
      </button>
      <button type="button" class="btn btn-small" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        {t('list.next')} ›
      </button>
    </nav>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
