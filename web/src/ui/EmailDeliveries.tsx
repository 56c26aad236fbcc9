// The emails an update sent: subject, the trigger that sent it, and each
// recipient with its delivery state (a warning button when it went wrong).
import type { Delivery } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import { isProblem } from '../lib/deliveries';
import { DeliveryProblem } from './DeliveryProblem';
import { CheckIcon, ClockIcon } from './icons';

export function EmailDeliveries({ deliveries }: { deliveries: Delivery[] }) {
  if (!deliveries.length) return null;
  return (
    <div class="emails">
      {deliveries.map((d) => (
        <div class="email" key={d.id}>
          <div class="email-title small">
            {d.trigger ? t('delivery.emailBy', { subject: d.subject, trigger: d.trigger.title }) : t('delivery.emailNoTrigger', { subject: d.subject })}
          </div>
          <ul class="recipients" aria-label={t('delivery.recipients')}>
            {d.recipients.map((r) => (
              <li key={r.id} class={`recipient recipient-${r.state}`}>
                {isProblem(r) ? <DeliveryProblem recipient={r} /> : r.state === 'sent' ? <CheckIcon /> : <ClockIcon />}
                <span class="mono recipient-address">{r.address}</span>
                <span class={`delivery-state state-${r.state}`}>{tMaybe(`delivery.state.${r.state}`, r.state)}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
