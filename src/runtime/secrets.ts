// What counts as a secret, in one place: the logger's field and parameter
// masking, connection strings shown in messages, and the runtime file all ask
// here (docs/operations.md and the README's configuration section).

/** Field or parameter names that carry a secret: passwords, tokens, keys, signatures, credentials. */
const SECRET_NAME = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|(^|[-_.])(key|sig|signature|credential)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A connection string with its password and secret parameters masked, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) if (isSecretName(name)) u.searchParams.set(name, '***');
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** A connection string without its password and secret parameters, for a file that must not keep them. */
export function withoutSecrets(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    for (const name of [...u.searchParams.keys()]) if (isSecretName(name)) u.searchParams.delete(name);
    return u.toString();
  } catch {
    return '';
  }
}
