// Times as reviewers read them: "12 min", "3 h 5 min", "2 d 4 h".

/** A duration in words, to the minute (seconds under a minute). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago an ISO time was. */
export function ago(iso: string, now: number = Date.now()): string {
  return `${duration(now - Date.parse(iso))} ago`;
}

/** An ISO time in the reader's locale, for titles and lists. */
export function local(iso: string): string {
  return new Date(iso).toLocaleString();
}
