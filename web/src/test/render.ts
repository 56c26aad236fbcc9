// Renders a Preact tree into a fresh jsdom container and waits for effects.
import { render, type VNode } from 'preact';
import { act } from 'preact/test-utils';

export async function mount(vnode: VNode): Promise<HTMLElement> {
  const root = document.createElement('div');
  document.body.appendChild(root);
  await act(async () => {
    render(vnode, root);
  });
  return root;
}

export async function settle(ms = 0): Promise<void> {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms));
  });
}

export async function click(el: Element | null): Promise<void> {
  if (!el) throw new Error('nothing to click');
  await act(async () => {
    (el as HTMLElement).click();
  });
}

export function byLabel(root: HTMLElement, label: string): HTMLElement | null {
  return Array.from(root.querySelectorAll<HTMLElement>('[aria-label]')).find((el) => el.getAttribute('aria-label') === label) ?? null;
}
