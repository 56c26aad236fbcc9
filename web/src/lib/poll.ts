// Runs `load` now, then every `ms` while the page is visible; a run never
// overlaps the previous one, and unmounting stops it. usePolled keeps what
// it loaded and its last failure, for the admin list pages.
import { useEffect, useRef, useState } from 'preact/hooks';

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

// What an admin list page loads and polls: the latest `data` (kept when a
// later poll fails), the last failure (null after a success), `setData` for
// the page's own changes, and `reload` to poll again at once.
export function usePolled<T>(load: () => Promise<T>, ms: number): {
  data: T | null;
  setData: (update: (data: T | null) => T | null) => void;
  error: unknown;
  reload: () => void;
} {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  usePoll(
    async (signal) => {
      try {
        const next = await load();
        if (signal.aborted) return;
        setData(next);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    ms,
    [tick],
  );
  return { data, setData, error, reload: () => setTick((n) => n + 1) };
}
