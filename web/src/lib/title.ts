// Sets the document title for the page shown ("Subject – postdesk").
import { useEffect } from 'preact/hooks';

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} – postdesk` : 'postdesk';
  }, [title]);
}
