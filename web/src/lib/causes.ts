// Suspension causes as the API names them (intake/causes.h), for the
// filter and for words beside the cause id.
import { tMaybe } from '../i18n/i18n';

export const CAUSES: [number, string][] = [
  [0, 'spam'], [1, 'not_on_whitelist'], [3, 'auto_mailer'], [4, 'loop'], [5, 'unknown_user_update'], [6, 'other_user_update'],
  [7, 'auto_delivery_failure'], [8, 'auto_vacation'], [9, 'system_user'], [11, 'blank'], [13, 'blocklisted'], [14, 'backscatter'],
  [16, 'to_noreply'], [19, 'unprocessable_email'], [22, 'from_support_address'], [24, 'content_processor_timed_out'],
  [26, 'failed_email_authentication'], [27, 'from_noreply'], [29, 'malicious_pattern_detected'], [30, 'number_recipients_exceeded'],
];

export function causeText(cause: string): string {
  return tMaybe(`cause.${cause}`, cause.replace(/_/g, ' '));
}
