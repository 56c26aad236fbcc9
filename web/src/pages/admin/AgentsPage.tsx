// /admin/agents: the desk's agents and admins; add one, change a role,
// deactivate or reactivate (after a confirmation), set a password; and
// the API tokens: create (shown once, with Copy), revoke (confirmed).
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import * as api from '../../api/endpoints';
import type { Agent, ApiToken } from '../../api/types';
import { t } from '../../i18n/i18n';
import { usePoll } from '../../lib/poll';
import { session } from '../../lib/session';
import { useTitle } from '../../lib/title';
import { AdminError, ConfirmDialog, CopyButton, failure, Result, type Outcome } from '../../ui/admin';
import { Loading, Time } from '../../ui/common';

const ROLES = ['agent', 'admin'] as const;

export function AgentsPage() {
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deactivating, setDeactivating] = useState<Agent | null>(null);
  const [passwordFor, setPasswordFor] = useState<Agent | null>(null);
  useTitle(t('agents.title'));
  const reload = () => setTick((n) => n + 1);

  usePoll(
    async (signal) => {
      try {
        const [a, k] = await Promise.all([api.getAgents(), api.getApiTokens().catch(() => null)]);
        if (signal.aborted) return;
        setAgents(a.users);
        if (k) setTokens(k.api_tokens);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    30000,
    [tick],
  );

  if (error !== null && !agents) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={reload} />
      </div>
    );
  }
  const me = session.value?.user.id;
  const act = async (work: () => Promise<string>) => {
    try {
      setOutcome({ ok: true, text: await work() });
    } catch (e) {
      setOutcome(failure(e));
    }
    reload();
  };
  const changeRole = (a: Agent, role: string) =>
    act(async () => {
      await api.updateAgent(a.id, { role });
      return t('agents.roleChanged', { name: a.name || a.email, role: t(`role.${role as 'admin' | 'agent'}`) });
    });
  const setSuspended = (a: Agent, suspended: boolean) =>
    act(async () => {
      await api.updateAgent(a.id, { suspended });
      return t(suspended ? 'agents.deactivatedDone' : 'agents.reactivated', { name: a.name || a.email });
    });

  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('agents.title')}</h1>
          <p class="muted small page-intro">{t('agents.intro')}</p>
        </div>
      </header>
      <AddAgent onAdded={(text) => { setOutcome({ ok: true, text }); reload(); }} />
      <Result outcome={outcome} />
      {!agents && <Loading />}
      {agents && (
        <div class="table-wrap">
          <table class="tickets agents">
            <caption class="visually-hidden">{t('agents.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('agents.name')}</th>
                <th scope="col">{t('agents.role')}</th>
                <th scope="col">{t('agents.status')}</th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => {
                const name = a.name || a.email;
                const self = a.id === me;
                return (
                  <tr key={a.id} class={a.suspended ? 'row-muted' : ''}>
                    <td class="col-subject">
                      <div>
                        {name} {self && <span class="muted small">{t('agents.you')}</span>}
                      </div>
                      <div class="muted small mono">{a.email}</div>
                    </td>
                    <td>
                      <select aria-label={t('agents.roleOf', { name })} value={a.role} disabled={self} onChange={(e) => void changeRole(a, (e.target as HTMLSelectElement).value)}>
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {t(`role.${r}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <span class={`state-chip ${a.suspended ? 'state-inactive' : 'state-active'}`}>{t(a.suspended ? 'agents.deactivated' : 'agents.active')}</span>
                    </td>
                    <td class="col-row-actions">
                      <div class="row-actions">
                        <button type="button" class="btn btn-small" aria-label={t('agents.passwordLabel', { name })} onClick={() => setPasswordFor(a)}>
                          {t('agents.password')}
                        </button>
                        {a.suspended ? (
                          <button type="button" class="btn btn-small" aria-label={t('agents.reactivateLabel', { name })} onClick={() => void setSuspended(a, false)}>
                            {t('agents.reactivate')}
                          </button>
                        ) : (
                          <button type="button" class="btn btn-small btn-danger" aria-label={t('agents.deactivateLabel', { name })} disabled={self} onClick={() => setDeactivating(a)}>
                            {t('agents.deactivate')}
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {agents && <Tokens tokens={tokens} agents={agents} onChange={reload} />}
      {deactivating && (
        <ConfirmDialog
          title={t('agents.confirmDeactivateTitle', { name: deactivating.name || deactivating.email })}
          confirmLabel={t('agents.deactivate')}
          danger
          onConfirm={async () => {
            await setSuspended(deactivating, true);
            setDeactivating(null);
          }}
          onCancel={() => setDeactivating(null)}
        >
          <p>{t('agents.confirmDeactivateBody')}</p>
        </ConfirmDialog>
      )}
      {passwordFor && <PasswordDialog agent={passwordFor} onDone={(text) => { setPasswordFor(null); if (text) setOutcome({ ok: true, text }); }} />}
    </div>
  );
}

function AddAgent({ onAdded }: { onAdded: (text: string) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('agent');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim() || !/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setProblem(t('agents.addInvalid'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const r = await api.createAgent({ name: name.trim(), email: email.trim(), role });
      onAdded(t('agents.added', { name: r.user.name || r.user.email }));
      setName('');
      setEmail('');
      setRole('agent');
    } catch (err) {
      setProblem(failure(err).text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card add-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-agent-title">
      <h2 id="add-agent-title">{t('agents.add')}</h2>
      <div class="form-row">
        <div class="field">
          <label for="agent-name">{t('agents.name')}</label>
          <input id="agent-name" type="text" autoComplete="off" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="agent-email">{t('agents.email')}</label>
          <input id="agent-email" type="email" autoComplete="off" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="agent-role">{t('agents.role')}</label>
          <select id="agent-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-button">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('agents.create')}
          </button>
        </div>
      </div>
      {problem && (
        <p class="form-error small" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function PasswordDialog({ agent, onDone }: { agent: Agent; onDone: (text: string | null) => void }) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const name = agent.name || agent.email;
  return (
    <ConfirmDialog
      title={t('agents.passwordLabel', { name })}
      confirmLabel={t('agents.passwordSave')}
      onConfirm={async () => {
        try {
          await api.setPassword(agent.id, password);
          onDone(t('agents.passwordSet', { name }));
        } catch (e) {
          setProblem(e instanceof ApiError && e.status === 422 ? e.description || e.message : failure(e).text);
        }
      }}
      onCancel={() => onDone(null)}
    >
      <div class="field">
        <label for="new-password">{t('agents.newPassword')}</label>
        <input id="new-password" type="password" autoComplete="new-password" value={password} aria-describedby={problem ? 'new-password-error' : undefined} aria-invalid={!!problem} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        {problem && (
          <p id="new-password-error" class="form-error small" role="alert">
            {problem}
          </p>
        )}
      </div>
    </ConfirmDialog>
  );
}

function Tokens({ tokens, agents, onChange }: { tokens: ApiToken[] | null; agents: Agent[]; onChange: () => void }) {
  const [description, setDescription] = useState('');
  const [userId, setUserId] = useState<number>(session.value?.user.id ?? agents[0]?.id ?? 0);
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const nameOf = (id: number) => {
    const a = agents.find((x) => x.id === id);
    return a ? a.name || a.email : `#${id}`;
  };
  const create = async (e: Event) => {
    e.preventDefault();
    if (!description.trim()) {
      setOutcome({ ok: false, text: t('tokens.needDescription') });
      return;
    }
    setBusy(true);
    try {
      const r = await api.createApiToken(description.trim(), userId);
      setCreated(r.api_token);
      setOutcome(null);
      setDescription('');
      onChange();
    } catch (err) {
      setOutcome(failure(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="tokens-section" aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t('tokens.title')}</h2>
      <p class="muted small">{t('tokens.intro')}</p>
      <form class="card add-form" onSubmit={(e) => void create(e)} noValidate>
        <div class="form-row">
          <div class="field field-grow">
            <label for="token-description">{t('tokens.description')}</label>
            <input id="token-description" type="text" autoComplete="off" placeholder={t('tokens.descriptionHint')} value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="token-agent">{t('tokens.agent')}</label>
            <select id="token-agent" value={String(userId)} onChange={(e) => setUserId(Number((e.target as HTMLSelectElement).value))}>
              {agents
                .filter((a) => !a.suspended)
                .map((a) => (
                  <option key={a.id} value={String(a.id)}>
                    {a.name || a.email}
                  </option>
                ))}
            </select>
          </div>
          <div class="field field-button">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {t('tokens.create')}
            </button>
          </div>
        </div>
      </form>
      {created && (
        <div class="token-once" role="alert">
          <p>
            <strong>{t('tokens.created', { description: created.description })}</strong> {t('tokens.once')}
          </p>
          <div class="token-value">
            <code class="mono" aria-label={t('tokens.value')}>
              {created.token}
            </code>
            <CopyButton text={created.token} label={t('tokens.copy')} />
          </div>
          <button type="button" class="btn btn-small" onClick={() => setCreated(null)}>
            {t('tokens.dismiss')}
          </button>
        </div>
      )}
      <Result outcome={outcome} />
      {tokens && tokens.length === 0 && <p class="empty">{t('tokens.empty')}</p>}
      {tokens && tokens.length > 0 && (
        <div class="table-wrap">
          <table class="tickets api-tokens">
            <caption class="visually-hidden">{t('tokens.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('tokens.description')}</th>
                <th scope="col">{t('tokens.agent')}</th>
                <th scope="col">{t('tokens.createdAt')}</th>
                <th scope="col">{t('tokens.lastUsed')}</th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((k) => (
                <tr key={k.id}>
                  <td class="col-subject">{k.description || `#${k.id}`}</td>
                  <td>{nameOf(k.user_id)}</td>
                  <td class="col-updated">
                    <Time iso={k.created_at} short />
                  </td>
                  <td class="col-updated">{k.last_used_at ? <Time iso={k.last_used_at} short /> : <span class="muted">{k.last_used_at === null ? t('tokens.never') : '—'}</span>}</td>
                  <td class="col-row-actions">
                    <button type="button" class="btn btn-small btn-danger" aria-label={t('tokens.revokeLabel', { description: k.description || `#${k.id}` })} onClick={() => setRevoking(k)}>
                      {t('tokens.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <ConfirmDialog
          title={t('tokens.confirmRevokeTitle')}
          confirmLabel={t('tokens.revoke')}
          danger
          onConfirm={async () => {
            try {
              await api.revokeApiToken(revoking.id);
              setOutcome({ ok: true, text: t('tokens.revoked', { description: revoking.description }) });
            } catch (e) {
              setOutcome(failure(e));
            }
            setRevoking(null);
            onChange();
          }}
          onCancel={() => setRevoking(null)}
        >
          <p>{t('tokens.confirmRevokeBody', { description: revoking.description || `#${revoking.id}` })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
