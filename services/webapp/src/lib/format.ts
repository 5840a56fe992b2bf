const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

export function plural(n: number | null | undefined, one: string, many = `${one}s`): string {
  if (n == null) return `– ${many}`;
  return `${n} ${n === 1 ? one : many}`;
}
