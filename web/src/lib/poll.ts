// Runs `load` now, then every `ms` while the page is visible; a run never
// overlaps the previous one, and unmounting stops it.
import { useEffect, useRef } from 'preact/hooks';

export function usePoll(load: (signal: AbortSignal) => Promise<void>, ms: number, deps: unknown[]): void {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const run = async () => {
      if (stopped) return;
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') {
        try {
          await latest.current(controller.signal);
        } catch {
          // the page shows its own error state; keep polling
        }
      }
      if (!stopped) timer = setTimeout(run, ms);
    };
    void run();
    return () => {
      stopped = true;
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, deps);
}
