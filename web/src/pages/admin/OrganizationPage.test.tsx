import { afterEach, describe, expect, it, vi } from 'vitest';
import { act } from 'preact/test-utils';
import type { Organization } from '../../api/types';
import { setLang } from '../../i18n/i18n';
import { mount, settle } from '../../test/render';
import { OrganizationPage } from './OrganizationPage';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  setLang('en');
});

const acme: Organization = { id: 7, name: 'Acme', details: 'Gold plan', notes: '', domain_names: ['acme.example'], group_id: 2 };
const groups = [
  { id: 1, name: 'Support', description: '', default: true, deleted: false },
  { id: 2, name: 'Billing', description: '', default: false, deleted: false },
];

interface Call {
  method: string;
  url: string;
  body: unknown;
}

// A fake /api/v2: the groups, organization 7 (and its 3 users); writes answer `onWrite`.
function fakeApi(onWrite: (method: string, body: any) => { status: number; json: unknown }) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : null;
      calls.push({ method, url, body });
      let r: { status: number; json: unknown };
      if (method === 'GET' && url.startsWith('/api/v2/groups')) r = { status: 200, json: { groups, count: 2, next_page: null, previous_page: null } };
      else if (method === 'GET' && url === '/api/v2/organizations/7') r = { status: 200, json: { organization: acme } };
      else if (method === 'GET' && url.startsWith('/api/v2/organizations/7/users')) r = { status: 200, json: { users: [], count: 3, next_page: null, previous_page: null } };
      else r = onWrite(method, body);
      return new Response(JSON.stringify(r.json), { status: r.status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

const writes = (calls: Call[]) => calls.filter((c) => c.method !== 'GET').map(({ method, url, body }) => ({ method, url, body }));
const field = <T extends HTMLElement = HTMLInputElement>(root: HTMLElement, id: string) => root.querySelector<T>(`#${id}`)!;

async function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  await act(async () => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function choose(el: HTMLSelectElement, value: string) {
  await act(async () => {
    el.value = value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

async function submit(root: HTMLElement) {
  await act(async () => {
    root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
  });
  await settle(10);
}

describe('OrganizationPage', () => {
  it('creates an organization with its domains as an array', async () => {
    const calls = fakeApi(() => ({ status: 201, json: { organization: { ...acme, id: 9 } } }));
    const root = await mount(<OrganizationPage id={null} />);
    await settle(10);
    await type(field(root, 'org-name'), ' Globex ');
    await type(field(root, 'org-domains'), 'globex.example, @Globex.co.jp  globex.example');
    await choose(field<HTMLSelectElement>(root, 'org-group'), '1');
    await type(field<HTMLTextAreaElement>(root, 'org-details'), 'Pays by invoice');
    await submit(root);
    expect(writes(calls)).toEqual([
      { method: 'POST', url: '/api/v2/organizations', body: { organization: { name: 'Globex', domain_names: ['globex.example', 'globex.co.jp'], group_id: 1, details: 'Pays by invoice', notes: '' } } },
    ]);
  });

  it('sends nothing while a domain is not a domain, and says which', async () => {
    const calls = fakeApi(() => ({ status: 201, json: {} }));
    const root = await mount(<OrganizationPage id={null} />);
    await settle(10);
    await type(field(root, 'org-name'), 'Globex');
    await type(field(root, 'org-domains'), 'globex.example localhost');
    await submit(root);
    expect(writes(calls)).toEqual([]);
    expect(field(root, 'org-domains').getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('#org-domains-problem')?.textContent).toBe('Not a domain name: localhost');
    await type(field(root, 'org-domains'), 'globex.example');
    expect(root.querySelector('#org-domains-problem')).toBeNull();
  });

  it('saves only what changed, and shows the API’s 422 under the field it names', async () => {
    let answer: { status: number; json: unknown } = { status: 422, json: { error: 'RecordInvalid', description: 'organization domain_names: taken.example already belongs to organization 3' } };
    const calls = fakeApi(() => answer);
    const root = await mount(<OrganizationPage id={7} />);
    await settle(10);
    expect(root.querySelector('h1')?.textContent).toBe('Acme');
    expect(root.textContent).toContain('3 users');
    expect(field(root, 'org-domains').value).toBe('acme.example');
    expect(field<HTMLSelectElement>(root, 'org-group').value).toBe('2');
    await type(field(root, 'org-domains'), 'acme.example, taken.example');
    await submit(root);
    expect(writes(calls)).toEqual([{ method: 'PUT', url: '/api/v2/organizations/7', body: { organization: { domain_names: ['acme.example', 'taken.example'] } } }]);
    expect(root.querySelector('#org-domains-problem')?.textContent).toBe('The server said: taken.example already belongs to organization 3');
    expect(root.querySelector('.result-bad')?.textContent).toBe('Not saved: Domains: taken.example already belongs to organization 3');
    answer = { status: 200, json: { organization: { ...acme, domain_names: ['acme.example'], group_id: null } } };
    await type(field(root, 'org-domains'), 'acme.example');
    await choose(field<HTMLSelectElement>(root, 'org-group'), '');
    await submit(root);
    expect(writes(calls)[1]).toEqual({ method: 'PUT', url: '/api/v2/organizations/7', body: { organization: { group_id: null } } });
    expect(root.querySelector('.result-ok')?.textContent).toBe('Saved.');
  });
});
