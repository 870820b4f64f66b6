/** A form as the browser posts it, for the form adapter tests: repeated fields (days), everything a string. */
export function postedForm(fields: Record<string, string | string[]>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) data.append(k, one);
  return data;
}
