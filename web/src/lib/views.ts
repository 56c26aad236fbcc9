// View counts for the left navigation, refreshed by the workspace's poll
// and after any action that changes them.
import { signal } from '@preact/signals';
import * as api from '../api/endpoints';

export const viewCounts = signal<Record<string, number>>({});

export async function refreshViewCounts(): Promise<void> {
  const r = await api.getViews();
  const next: Record<string, number> = {};
  for (const v of r.views ?? []) next[v.key] = v.count;
  viewCounts.value = next;
}
