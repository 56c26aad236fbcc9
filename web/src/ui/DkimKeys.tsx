// The desk's DKIM keys of one domain on the Email page: make a key (the
// server keeps the private half; the page shows the TXT record to publish,
// with Copy), Enable (the server looks the record up first and says what
// is missing), Enable anyway and Disable after a confirmation, Replace.
// `onChanged` re-runs the domain's DNS checks after each change.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { DkimKey } from '../api/types';
import { t } from '../i18n/i18n';
import { ConfirmDialog, CopyButton, failure, Result, type Outcome } from './admin';
import { Loading } from './common';

type Pending = { kind: 'force' | 'disable' | 'replace'; key: DkimKey } | null;

// What the server said when it would not enable a key: its reason and fix.
function refusal(e: unknown): Outcome & { fix?: string } {
  if (e instanceof ApiError && (e.status === 409 || e.status === 503)) {
    const fix = (e.body as { fix?: unknown } | null)?.fix;
    return { ok: false, text: e.description, fix: typeof fix === 'string' && fix ? fix : undefined };
  }
  return failure(e);
}

export function DkimKeys({ domain, onChanged }: { domain: string; onChanged: () => void }) {
  const [keys, setKeys] = useState<DkimKey[] | null>(null);
  const [outcome, setOutcome] = useState<(Outcome & { fix?: string }) | null>(null);
  const [busy, setBusy] = useState(false);
  const [algorithm, setAlgorithm] = useState<'rsa' | 'ed25519'>('rsa');
  const [pending, setPending] = useState<Pending>(null);
  const [refused, setRefused] = useState<string | null>(null); // selector whose Enable was refused

  const load = async () => {
    try {
      const r = await api.getDkimKeys();
      setKeys(r.dkim_keys.filter((k) => k.domain === domain));
    } catch (e) {
      setOutcome(failure(e));
    }
  };
  useEffect(() => {
    void load();
  }, [domain]);

  const act = async (work: () => Promise<string>, onError = failure) => {
    setBusy(true);
    try {
      setOutcome({ ok: true, text: await work() });
      setRefused(null);
    } catch (e) {
      setOutcome(onError(e));
    } finally {
      setBusy(false);
      await load();
      onChanged();
    }
  };
  const generate = (replace: boolean, alg = algorithm) =>
    act(async () => {
      await api.createDkimKey(domain, alg, replace);
      return t('dkim.made', { domain });
    });
  const enable = (k: DkimKey, force: boolean) =>
    act(
      async () => {
        await api.enableDkimKey(k.domain, k.selector, force);
        return t('dkim.enabled', { domain: k.domain });
      },
      (e) => {
        // Not published (409), or DNS did not answer (503): the admin may
        // still know better, behind a confirmation.
        if (e instanceof ApiError && (e.status === 409 || e.status === 503)) setRefused(k.selector);
        return refusal(e);
      },
    );
  const disable = (k: DkimKey) =>
    act(async () => {
      await api.disableDkimKey(k.domain, k.selector);
      return t('dkim.disabled', { domain: k.domain });
    });

  const idBase = `dkim-${domain.replace(/[^a-z0-9-]/gi, '-')}`;
  return (
    <div class="dkim-setup" aria-labelledby={`${idBase}-title`}>
      <h4 id={`${idBase}-title`}>{t('dkim.title', { domain })}</h4>
      {keys === null ? (
        <Loading />
      ) : keys.length === 0 ? (
        <>
          <p class="small">{t('dkim.none', { domain })}</p>
          <div class="dkim-actions">
            <label class="small">
              {t('dkim.algorithm')}{' '}
              <select value={algorithm} onChange={(e) => setAlgorithm((e.target as HTMLSelectElement).value as 'rsa' | 'ed25519')}>
                <option value="rsa">{t('dkim.rsa')}</option>
                <option value="ed25519">{t('dkim.ed25519')}</option>
              </select>
            </label>
            <button type="button" class="btn btn-primary btn-small" disabled={busy} onClick={() => void generate(false)}>
              {busy ? t('common.working') : t('dkim.generate')}
            </button>
          </div>
        </>
      ) : (
        <ul class="dkim-keys">
          {keys.map((k) => (
            <li key={k.selector} class="dkim-key">
              <div class="record-head">
                <span>
                  <strong>{t('dkim.selector', { selector: k.selector })}</strong>{' '}
                  <span class="muted small">{k.algorithm === 'ed25519' ? t('dkim.ed25519') : t('dkim.rsa')}</span>{' '}
                  <span class={`badge ${k.enabled ? 'badge-verified' : 'badge-unknown'}`}>
                    <span class="badge-status">{k.enabled ? t('dkim.signing') : t('dkim.notSigning')}</span>
                  </span>
                </span>
              </div>
              {!k.enabled && <p class="small">{t('dkim.publishFirst')}</p>}
              <dl class="dkim-record">
                <dt>{t('dkim.recordName')}</dt>
                <dd>
                  <code>{k.record.name}</code> <CopyButton text={k.record.name} label={t('dkim.copyName', { name: k.record.name })} />
                </dd>
                <dt>{t('dkim.recordType')}</dt>
                <dd>
                  <code>TXT</code>
                </dd>
                <dt>{t('dkim.recordValue')}</dt>
                <dd>
                  <pre class="record-text">{k.record.value}</pre>
                  <CopyButton text={k.record.value} label={t('dkim.copyValue', { name: k.record.name })} />
                </dd>
              </dl>
              <div class="dkim-actions">
                {k.enabled ? (
                  <button type="button" class="btn btn-small" disabled={busy} onClick={() => setPending({ kind: 'disable', key: k })}>
                    {t('dkim.disable')}
                  </button>
                ) : (
                  <>
                    <button type="button" class="btn btn-primary btn-small" disabled={busy} onClick={() => void enable(k, false)}>
                      {busy ? t('common.working') : t('dkim.enable')}
                    </button>
                    {refused === k.selector && (
                      <button type="button" class="btn btn-danger btn-small" disabled={busy} onClick={() => setPending({ kind: 'force', key: k })}>
                        {t('dkim.enableAnyway')}
                      </button>
                    )}
                  </>
                )}
                <button type="button" class="btn btn-small" disabled={busy} onClick={() => setPending({ kind: 'replace', key: k })}>
                  {t('dkim.replace')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Result outcome={outcome} />
      {outcome?.fix && <p class="small dkim-fix">{t('dkim.fix', { fix: outcome.fix })}</p>}
      {pending && (
        <ConfirmDialog
          title={t(`dkim.confirm.${pending.kind}.title`, { domain: pending.key.domain })}
          confirmLabel={t(`dkim.confirm.${pending.kind}.button`)}
          danger
          onCancel={() => setPending(null)}
          onConfirm={async () => {
            const p = pending;
            setPending(null);
            if (p.kind === 'force') await enable(p.key, true);
            else if (p.kind === 'disable') await disable(p.key);
            else await generate(true, p.key.algorithm === 'ed25519' ? 'ed25519' : 'rsa');
          }}
        >
          <p>{t(`dkim.confirm.${pending.kind}.body`, { domain: pending.key.domain })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
