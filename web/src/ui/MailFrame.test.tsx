import { describe, expect, it } from 'vitest';
import { click, mount } from '../test/render';
import { setLang } from '../i18n/i18n';
import { MailFrame } from './MailFrame';

describe('MailFrame', () => {
  it('renders mail in a sandbox without scripts or same-origin, with a CSP-first srcdoc', async () => {
    setLang('en');
    const root = await mount(<MailFrame html={'<p>Hi</p><img src="http://tracker.example/p.gif"><script>parent.x=1</script>'} from="Eve" />);
    const frame = root.querySelector('iframe')!;
    const sandbox = frame.getAttribute('sandbox')!.split(' ');
    expect(sandbox).not.toContain('allow-scripts');
    expect(sandbox).not.toContain('allow-same-origin');
    expect(sandbox).toContain('allow-popups');
    expect(frame.getAttribute('title')).toBe('Email content from Eve');
    const doc = frame.getAttribute('srcdoc')!;
    expect(doc.startsWith(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`)).toBe(true);
    expect(doc).toContain('img-src data:"');
    expect(doc).not.toContain('tracker.example');
    expect(doc).not.toContain('<script');
    const show = Array.from(root.querySelectorAll('button')).find((b) => b.textContent === 'Show remote images')!;
    await click(show);
    const after = root.querySelector('iframe')!.getAttribute('srcdoc')!;
    expect(after).toContain('src="http://tracker.example/p.gif"');
    expect(after).toContain('img-src data: https: http:"');
    expect(after).not.toContain('<script');
  });
});
