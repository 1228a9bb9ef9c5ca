// Text from outside (a provisioner's output and errors, a webhook's answer)
// is stored without NUL and the other C0 control characters but tab and
// newline: PostgreSQL refuses NUL in text and jsonb, and a job whose log or
// error it refuses could never complete.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function storableText(text: string): string {
  return text.replace(CONTROL, '');
}

/** JSON for a jsonb column, with every string in it storable: values and keys. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'string') return storableText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [storableText(k), inner]));
    }
    return v;
  });
}
