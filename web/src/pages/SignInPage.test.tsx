import { afterEach, describe, expect, it, vi } from 'vitest';
import { act } from 'preact/test-utils';
import { mount, settle } from '../test/render';
import { setLang } from '../i18n/i18n';
import { SignInPage } from './SignInPage';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

async function type(el: HTMLInputElement, value: string) {
  await act(async () => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

describe('SignInPage', () => {
  it('labels Email and Password, and explains a lockout with its wait', async () => {
    setLang('en');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'TooManyAttempts', description: 'x' }), { status: 429, headers: { 'Retry-After': '300' } })));
    const root = await mount(<SignInPage />);
    const email = root.querySelector<HTMLInputElement>('#signin-email')!;
    const password = root.querySelector<HTMLInputElement>('#signin-password')!;
    expect(root.querySelector('label[for=signin-email]')!.textContent).toBe('Email');
    expect(root.querySelector('label[for=signin-password]')!.textContent).toBe('Password');
    await type(email, 'a@b.example');
    await type(password, 'nope');
    const button = root.querySelector('button[type=submit]') as HTMLButtonElement;
    expect(button.textContent).toBe('Sign in');
    await act(async () => {
      button.form!.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
    });
    await settle(10);
    expect(root.querySelector('[role=alert]')!.textContent).toBe('Too many failed sign-ins. Try again in 5 minutes.');
  });

  it('says a wrong password without naming the field', async () => {
    setLang('ja');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'InvalidCredentials' }), { status: 401 })));
    const root = await mount(<SignInPage />);
    await type(root.querySelector<HTMLInputElement>('#signin-email')!, 'a@b.example');
    await type(root.querySelector<HTMLInputElement>('#signin-password')!, 'nope');
    await act(async () => {
      (root.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
    });
    await settle(10);
    expect(root.querySelector('[role=alert]')!.textContent).toBe('メールアドレスまたはパスワードが正しくありません。');
    setLang('en');
  });
});
