// One email's HTML, inert: sanitized again here (mail/sanitize), shown in a
// sandboxed iframe (no scripts, opaque origin) through srcdoc with its own
// CSP. Remote images stay blocked until the agent allows them for this
// message. Links (http, https, mailto, tel only) open in a new tab: the
// sandbox allows popups, which leave the sandbox so the linked site works,
// with no opener and no referrer. Inline images (our own attachment URLs)
// are fetched here, with the session, and handed to the frame as data: URLs.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { buildSrcdoc, estimateHeight, sanitizeMailHtml } from '../mail/sanitize';
import { attachmentImageUrls, loadInlineImages } from '../mail/inline-images';
// Emitted by the build under its content hash; the frame links it by URL.
import mailFrameCss from '../mail/mail-frame.css?url';

// Never allow-scripts or allow-same-origin.
export const MAIL_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

// `attachments`: the content_urls of this mail's own attachments, the only
// inline images fetched.
export function MailFrame({ html, from, attachments = [] }: { html: string; from: string; attachments?: readonly string[] }) {
  const [allowRemote, setAllowRemote] = useState(false);
  const origin = window.location.origin;
  const ownKey = attachments.join('\n');
  const inlineUrls = useMemo(() => attachmentImageUrls(html, origin, attachments), [html, origin, ownKey]);
  const [inline, setInline] = useState<ReadonlyMap<string, string>>(() => new Map());
  useEffect(() => {
    if (inlineUrls.length === 0) return;
    let live = true;
    void loadInlineImages(inlineUrls, origin).then((m) => {
      if (live && m.size > 0) setInline(m);
    });
    return () => {
      live = false;
    };
  }, [inlineUrls, origin]);
  const result = useMemo(() => sanitizeMailHtml(html, { allowRemoteImages: allowRemote, origin, inlineImages: inline }), [html, allowRemote, origin, inline]);
  const height = useMemo(() => estimateHeight(result.html, 640), [result.html]);
  const blockedBefore = useMemo(() => (allowRemote ? sanitizeMailHtml(html, { allowRemoteImages: false, origin }).blockedImages : result.blockedImages), [html, allowRemote, result, origin]);
  return (
    <div class="mail">
      <iframe
        class="mail-frame"
        sandbox={MAIL_SANDBOX}
        referrerpolicy="no-referrer"
        title={t('comment.frameTitle', { name: from })}
        srcdoc={buildSrcdoc(result.html, allowRemote, new URL(mailFrameCss, window.location.origin).href)}
        height={height}
      />
      {blockedBefore > 0 && (
        <div class="remote-images">
          {allowRemote ? (
            <span class="muted small">{t('comment.remoteImagesShown')}</span>
          ) : (
            <>
              <span class="muted small">{t('comment.remoteImagesBlocked', { count: blockedBefore })}</span>
              <button type="button" class="btn btn-small" onClick={() => setAllowRemote(true)}>
                {t('comment.showRemoteImages')}
              </button>
            </>
          )}
        </div>
      )}
    </div>
  );
}
