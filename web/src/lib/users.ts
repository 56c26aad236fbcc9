// Users by id, fetched once and shared: comment authors, requesters,
// notification recipients. A signal map so names appear as they arrive.
import { signal } from '@preact/signals';
import * as api from '../api/endpoints';
import type { User } from '../api/types';

export const users = signal<ReadonlyMap<number, User>>(new Map());
const pending = new Set<number>();

export function primeUsers(list: User[] | undefined): void {
  if (!list?.length) return;
  const next = new Map(users.value);
  for (const u of list) next.set(u.id, u);
  users.value = next;
}

export function requestUsers(ids: (number | null | undefined)[]): void {
  for (const id of ids) {
    if (!id || id < 1 || users.value.has(id) || pending.has(id)) continue;
    pending.add(id);
    api
      .getUser(id)
      .then((r) => primeUsers([r.user]))
      .catch(() => undefined)
      .finally(() => pending.delete(id));
  }
}

export async function refreshUser(id: number): Promise<User> {
  const r = await api.getUser(id);
  primeUsers([r.user]);
  return r.user;
}

export function userName(id: number | null | undefined, fallback: string): string {
  if (!id) return fallback;
  const u = users.value.get(id);
  return u ? u.name || u.email : fallback;
}
