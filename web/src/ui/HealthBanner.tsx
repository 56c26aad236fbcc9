// The desk's health at the top of the workspace (every signed-in agent):
// GET /api/v2/health every 30 s; nothing when all is well, or when the
// server has no such route (404). One compact bar, problems first, each
// item linking to where to look.
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { Health } from '../api/types';
import { t } from '../i18n/i18n';
import { healthLines } from '../lib/health';
import { usePoll } from '../lib/poll';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { Link } from './Link';
import { WarningIcon } from './icons';

export const HEALTH_POLL_MS = 30_000;

export function HealthBanner() {
  const [health, setHealth] = useState<Health | null>(null);
  // Phones show the first item and a button for the rest.
  const [expanded, setExpanded] = useState(false);
  const missing = useRef(false);
  usePoll(
    async (signal) => {
      if (missing.current) return;
      try {
        const r = await api.getHealth(signal);
        setHealth(r?.health ?? null);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          missing.current = true;
          setHealth(null);
        }
        // Other failures keep the last answer; the next poll tries again.
      }
    },
    HEALTH_POLL_MS,
    [],
  );
  const lines = healthLines(health, isAdmin(session.value?.user));
  if (lines.length === 0) return null;
  const level = lines.some((l) => l.level === 'problem') ? 'problem' : 'warning';
  return (
    <section class={`health health-${level}${expanded ? ' health-expanded' : ''}`} aria-label={t('health.label')}>
      <WarningIcon />
      <h2 class="visually-hidden">{t('health.label')}</h2>
      <ul class="health-items" id="health-items">
        {lines.map((l) => (
          <li key={l.key} class={`health-item health-item-${l.level}`}>
            {l.href ? (
              <Link href={l.href} class="health-link">
                {l.text}
              </Link>
            ) : (
              <span>{l.text}</span>
            )}
          </li>
        ))}
      </ul>
      {lines.length > 1 && (
        <button type="button" class="btn btn-small health-more" aria-expanded={expanded} aria-controls="health-items" onClick={() => setExpanded(!expanded)}>
          {expanded ? t('health.less') : t('health.more', { count: lines.length - 1 })}
        </button>
      )}
    </section>
  );
}
